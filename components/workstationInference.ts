import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { WorkstationConfig } from "../config/workstationSchema";
import { applyOverride, type Overrides } from "./specs/merge";
import { workstationBaseUrl, workstationContainerSpec } from "./specs/workstation";

export interface WorkstationInferenceArgs {
  settings: WorkstationConfig;
  /** Hugging Face token for gated models (a Pulumi secret). */
  hfToken?: pulumi.Input<string>;
  overrides?: Overrides<{ container: docker.ContainerArgs }>;
}

/**
 * Inference outside the cluster (seed 003): vLLM or Ollama on a GPU workstation, managed through a
 * Docker provider pointed at it (`ssh://user@gpu-box`). The gateway uses `baseUrl`.
 */
export class WorkstationInference extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  public readonly baseUrl: string;
  public readonly engine: WorkstationConfig["engine"];

  constructor(name: string, args: WorkstationInferenceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:dev:WorkstationInference", name, {}, opts);
    const w = args.settings;
    const provider = new docker.Provider(`${name}-docker`, { host: w.dockerHost, sshOpts: w.dockerHost.startsWith("ssh://") ? ["-o", "ServerAliveInterval=30"] : undefined }, { parent: this });
    const child = { parent: this, provider };
    const image = new docker.RemoteImage(`${name}-image`, { name: w.image, keepLocally: true }, child);
    const cache = new docker.Volume(`${name}-models`, { name: w.modelCacheVolume }, { ...child, retainOnDelete: true });
    const hfTokenEnv = args.hfToken ? pulumi.secret(pulumi.interpolate`HF_TOKEN=${args.hfToken}`) : undefined;
    const spec = workstationContainerSpec(w, image.imageId);
    if (hfTokenEnv) spec.envs = pulumi.all([spec.envs ?? [], hfTokenEnv]).apply(([envs, token]) => [...(envs as string[]), token]);
    this.container = new docker.Container(`${name}-container`, applyOverride(args.overrides, "container", spec), { ...child, dependsOn: [cache] });
    this.baseUrl = workstationBaseUrl(w);
    this.engine = w.engine;
    this.registerOutputs({ baseUrl: this.baseUrl, engine: this.engine, container: this.container.name });
  }
}
