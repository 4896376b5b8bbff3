import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { withOverride, type ChildOverride } from "./specs/merge";
import { WorkstationEngine, isAllInterfaces, workstationBaseUrl, workstationContainerSpec, workstationPort, workstationVllmCommand } from "./specs/workstation";

export { WorkstationEngine } from "./specs/workstation";

/** Per-child escape hatches, deep-merged into the child's args last. */
export interface WorkstationInferenceOverrides {
  container?: ChildOverride;
  image?: ChildOverride;
  volume?: ChildOverride;
}

export interface WorkstationInferenceArgs {
  /**
   * Docker endpoint of the workstation (`ssh://user@gpu-box` recommended, or `tcp://host:2376` with
   * TLS): the component then manages it through a Docker provider of its own (a child). Without it, the
   * Docker provider passed in `opts.providers` (or the default one) is used.
   */
  dockerHost?: pulumi.Input<string>;
  /** Default vllm. */
  engine?: WorkstationEngine;
  /** Pinned image (`vllm/vllm-openai:<tag>` or `ollama/ollama:<tag>`). */
  image: pulumi.Input<string>;
  /** vLLM: a Hugging Face id; Ollama: nothing is pulled here (pull models with `ollama pull`). */
  model: pulumi.Input<string>;
  /** Host name or IP the gateway uses to reach the workstation. */
  address: pulumi.Input<string>;
  /** Interface the port is published on: the address the cluster reaches. Never every interface unless allowAllInterfaces. */
  bindAddress: string;
  /** Accept a bindAddress of 0.0.0.0 (every interface, e.g. public Wi-Fi). Default false. */
  allowAllInterfaces?: boolean;
  /** Default 8000 (vLLM) or 11434 (Ollama). */
  port?: number;
  /** `all`, or device indices such as "0,1"; default all. */
  gpus?: pulumi.Input<string>;
  /** vLLM: default 0.9. */
  gpuMemoryUtilization?: pulumi.Input<number>;
  /** vLLM: default 8192. */
  maxModelLen?: pulumi.Input<number>;
  /** vLLM: more `serve` flags (not --api-key or --host). */
  extraArgs?: pulumi.Input<pulumi.Input<string>[]>;
  /** Docker volume of the model cache (kept when the component goes); default `<name>-models`. */
  modelCacheVolume?: pulumi.Input<string>;
  /** Hugging Face token for gated models (a secret). */
  hfToken?: pulumi.Input<string>;
  /** vLLM: the API key clients must send; default generated (48 characters). */
  apiKey?: pulumi.Input<string>;
  overrides?: WorkstationInferenceOverrides;
}

/**
 * Inference outside the cluster (seed 003): vLLM or Ollama in Docker on a GPU workstation. The port
 * is published on one chosen address, and vLLM requires an API key (VLLM_API_KEY, off the command
 * line) that only the gateway should hold: `apiKey` is a secret output. vLLM's key guards only `/v1`
 * (its /health and /metrics stay open), and Ollama has no key at all: the bind address, and a host
 * firewall rule in Docker's DOCKER-USER chain admitting only the cluster's nodes, are what protect them.
 */
export class WorkstationInference extends pulumi.ComponentResource {
  /** The URL the gateway uses. */
  public readonly baseUrl: pulumi.Output<string>;
  public readonly engine: pulumi.Output<string>;
  public readonly containerName: pulumi.Output<string>;
  /** The key clients send as `Authorization: Bearer <key>` (vLLM; empty for Ollama). A secret. */
  public readonly apiKey: pulumi.Output<string>;
  public readonly modelCacheVolume: pulumi.Output<string>;

  constructor(name: string, args: WorkstationInferenceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "llm-platform:index:WorkstationInference",
      name,
      {},
      { ...opts, aliases: [{ type: "llm-platform:dev:WorkstationInference" }, ...(opts?.aliases ?? [])] },
    );
    if (isAllInterfaces(args.bindAddress) && !args.allowAllInterfaces) {
      throw new Error(
        `WorkstationInference ${name}: bindAddress "${args.bindAddress}" publishes the model server on every interface of the workstation; give the address the cluster reaches, or set allowAllInterfaces`,
      );
    }
    const engine = args.engine ?? WorkstationEngine.Vllm;
    const vllm = engine === WorkstationEngine.Vllm;
    const port = workstationPort({ engine, port: args.port });
    const provider = args.dockerHost
      ? new docker.Provider(
          `${name}-docker`,
          { host: args.dockerHost, sshOpts: pulumi.output(args.dockerHost).apply((h) => (h.startsWith("ssh://") ? ["-o", "ServerAliveInterval=30"] : [])) },
          { parent: this },
        )
      : undefined;
    const child = { parent: this, ...(provider ? { provider } : {}) };

    const image = new docker.RemoteImage(
      `${name}-image`,
      withOverride({ name: args.image, keepLocally: true } satisfies docker.RemoteImageArgs, args.overrides?.image),
      child,
    );
    const volumeName = args.modelCacheVolume ?? `${name}-models`;
    const cache = new docker.Volume(`${name}-models`, withOverride({ name: volumeName } satisfies docker.VolumeArgs, args.overrides?.volume), {
      ...child,
      retainOnDelete: true,
    });

    let apiKey: pulumi.Output<string> = pulumi.secret("");
    const secretEnvs: pulumi.Input<string>[] = [];
    if (vllm) {
      apiKey = args.apiKey
        ? pulumi.secret(args.apiKey)
        : // RandomPassword marks `result` secret in the engine; wrapping keeps it secret wherever it flows.
          pulumi.secret(new random.RandomPassword(`${name}-api-key`, { length: 48, special: false }, { parent: this }).result);
      secretEnvs.push(pulumi.secret(pulumi.interpolate`VLLM_API_KEY=${apiKey}`));
    }
    if (args.hfToken) secretEnvs.push(pulumi.secret(pulumi.interpolate`HF_TOKEN=${args.hfToken}`));

    const command = vllm
      ? pulumi
          .all([args.model, args.gpuMemoryUtilization ?? 0.9, args.maxModelLen ?? 8192, args.extraArgs ?? []])
          .apply(([model, gpuMemoryUtilization, maxModelLen, extraArgs]) =>
            workstationVllmCommand({ model, port, gpuMemoryUtilization, maxModelLen, extraArgs }),
          )
      : undefined;
    const container = new docker.Container(
      `${name}-container`,
      withOverride(
        workstationContainerSpec({
          name: `${name}-${engine}`,
          engine,
          image: image.imageId,
          port,
          bindAddress: args.bindAddress,
          gpus: args.gpus ?? "all",
          modelCacheVolume: cache.name,
          command,
          secretEnvs,
        }),
        args.overrides?.container,
      ),
      { ...child, dependsOn: [cache] },
    );

    this.baseUrl = pulumi.output(args.address).apply((address) => workstationBaseUrl({ engine, address, port }));
    this.engine = pulumi.output(engine);
    this.containerName = container.name;
    this.apiKey = apiKey;
    this.modelCacheVolume = cache.name;
    this.registerOutputs({
      baseUrl: this.baseUrl,
      engine: this.engine,
      containerName: this.containerName,
      apiKey: this.apiKey,
      modelCacheVolume: this.modelCacheVolume,
    });
  }
}
