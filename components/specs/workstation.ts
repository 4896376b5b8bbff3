import type * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";

/** The inference engine a workstation runs. */
export const WorkstationEngine = {
  /** vLLM's OpenAI-compatible server (`/v1`), with an API key. */
  Vllm: "vllm",
  /** Ollama's API; Ollama has no API key. */
  Ollama: "ollama",
} as const;
export type WorkstationEngine = (typeof WorkstationEngine)[keyof typeof WorkstationEngine];

export const DEFAULT_PORT = { vllm: 8000, ollama: 11434 } as const;
const CACHE_PATH = { vllm: "/root/.cache/huggingface", ollama: "/root/.ollama" } as const;

/** Addresses that publish a port on every interface of the workstation. */
export const ALL_INTERFACES = ["0.0.0.0", "::", "[::]"];

export function isAllInterfaces(address: string): boolean {
  return ALL_INTERFACES.includes(address.trim()) || address.trim() === "";
}

export function workstationPort(w: { engine: WorkstationEngine; port?: number }): number {
  return w.port ?? DEFAULT_PORT[w.engine];
}

/** The URL the gateway uses: OpenAI-compatible `/v1` for vLLM, the Ollama API root for Ollama. */
export function workstationBaseUrl(w: { engine: WorkstationEngine; address: string; port?: number }): string {
  const root = `http://${w.address}:${workstationPort(w)}`;
  return w.engine === WorkstationEngine.Vllm ? `${root}/v1` : root;
}

/** `vllm serve` arguments of the workstation (the image's entrypoint is `vllm serve`). */
export function workstationVllmCommand(s: { model: string; port: number; gpuMemoryUtilization: number; maxModelLen: number; extraArgs: string[] }): string[] {
  if (s.extraArgs.some((a) => a === "--api-key" || a.startsWith("--api-key=") || a === "--host" || a.startsWith("--host="))) {
    throw new Error(
      "workstation extraArgs may not set --api-key (the key comes from VLLM_API_KEY, off the command line) or --host (the published address is bindAddress)",
    );
  }
  return [
    s.model,
    "--port",
    String(s.port),
    "--gpu-memory-utilization",
    String(s.gpuMemoryUtilization),
    "--max-model-len",
    String(s.maxModelLen),
    ...s.extraArgs,
  ];
}

export interface WorkstationContainerSpec {
  /** Docker container name. */
  name: pulumi.Input<string>;
  engine: WorkstationEngine;
  image: pulumi.Input<string>;
  port: number;
  /** Host address the port is published on. */
  bindAddress: string;
  gpus: pulumi.Input<string>;
  modelCacheVolume: pulumi.Input<string>;
  /** vLLM's `serve` arguments (`workstationVllmCommand`); absent for Ollama. */
  command?: pulumi.Input<pulumi.Input<string>[]>;
  /** Extra `KEY=value` entries (secrets such as VLLM_API_KEY and HF_TOKEN come in as secret Outputs). */
  secretEnvs?: pulumi.Input<string>[];
}

/** The container the workstation runs: pinned image, GPUs, model cache, health check, restart policy, one published port. */
export function workstationContainerSpec(s: WorkstationContainerSpec): docker.ContainerArgs {
  const vllm = s.engine === WorkstationEngine.Vllm;
  return {
    name: s.name,
    image: s.image,
    gpus: s.gpus,
    restart: "unless-stopped",
    // Docker publishes through its own iptables chain, ahead of host firewalls such as ufw: the bind address is the control.
    ports: [{ internal: s.port, external: s.port, ip: s.bindAddress, protocol: "tcp" }],
    volumes: [{ volumeName: s.modelCacheVolume, containerPath: CACHE_PATH[s.engine] }],
    envs: vllm ? ["VLLM_NO_USAGE_STATS=1", "DO_NOT_TRACK=1", ...(s.secretEnvs ?? [])] : [`OLLAMA_HOST=0.0.0.0:${s.port}`, ...(s.secretEnvs ?? [])],
    command: vllm ? s.command : undefined,
    shmSize: vllm ? 2048 : undefined,
    healthcheck: {
      // /health is outside /v1, which is all vLLM's API key guards.
      tests: vllm ? ["CMD", "curl", "-fsS", `http://localhost:${s.port}/health`] : ["CMD", "ollama", "list"],
      interval: "30s",
      timeout: "5s",
      retries: 5,
      // Model download and load happen before the first healthy answer.
      startPeriod: "900s",
    },
    logDriver: "json-file",
    logOpts: { "max-size": "50m", "max-file": "3" },
  };
}
