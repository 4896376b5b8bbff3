import type * as docker from "@pulumi/docker";
import type { WorkstationConfig } from "../../config/workstationSchema";

export const DEFAULT_PORT = { vllm: 8000, ollama: 11434 } as const;
const CACHE_PATH = { vllm: "/root/.cache/huggingface", ollama: "/root/.ollama" } as const;

export function workstationPort(w: WorkstationConfig): number {
  return w.port ?? DEFAULT_PORT[w.engine];
}

/** The URL the gateway uses: OpenAI-compatible `/v1` for vLLM, the Ollama API root for Ollama. */
export function workstationBaseUrl(w: WorkstationConfig): string {
  const root = `http://${w.address}:${workstationPort(w)}`;
  return w.engine === "vllm" ? `${root}/v1` : root;
}

/** The container the workstation runs: pinned image, GPUs, model cache, health check, restart policy, one published port. */
export function workstationContainerSpec(w: WorkstationConfig, imageId: docker.ContainerArgs["image"], hfTokenEnv?: string): docker.ContainerArgs {
  const port = workstationPort(w);
  const vllm = w.engine === "vllm";
  return {
    name: `llm-platform-${w.engine}`,
    image: imageId,
    gpus: w.gpus,
    restart: "unless-stopped",
    ports: [{ internal: port, external: port, ip: w.bindAddress, protocol: "tcp" }],
    volumes: [{ volumeName: w.modelCacheVolume, containerPath: CACHE_PATH[w.engine] }],
    envs: vllm ? ["VLLM_NO_USAGE_STATS=1", ...(hfTokenEnv ? [hfTokenEnv] : [])] : [`OLLAMA_HOST=0.0.0.0:${port}`],
    command: vllm
      ? [w.model, "--port", String(port), "--gpu-memory-utilization", String(w.gpuMemoryUtilization), "--max-model-len", String(w.maxModelLen), ...w.extraArgs]
      : undefined,
    shmSize: vllm ? 2048 : undefined,
    healthcheck: {
      tests: vllm ? ["CMD", "curl", "-fsS", `http://localhost:${port}/health`] : ["CMD", "ollama", "list"],
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
