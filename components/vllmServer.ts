import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PART_OF } from "./specs/labels";
import { withOverride, type ChildOverride } from "./specs/merge";
import { awaitTimeouts } from "./specs/timeouts";
import {
  DEFAULT_STARTUP_TIMEOUT_SECONDS,
  RolloutStrategy,
  VLLM_PORT,
  loraVolumeClaimName,
  servedModelNamesOf,
  vllmAwaitSeconds,
  vllmContainerArgs,
  vllmDeploymentSpec,
  vllmResourceNames,
  vllmServiceSpec,
} from "./specs/vllm";
import { parseVllmArgs } from "@llm-platform/capacity/vllmArgs";
import { keda } from "./crds";
import { scaledObjectSpec } from "./specs/schedule";

export { RolloutStrategy } from "./specs/vllm";

/** GPUs of each pod and where such pods may run. */
export interface VllmGpu {
  /** GPUs (slices) per pod; 0 runs on CPU. */
  count: number;
  /** Extended resource to request; default `nvidia.com/gpu` (ClusterAddons.gpuResourceName tells which). */
  resourceName?: string;
  nodeSelector?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
  tolerations?: pulumi.Input<pulumi.Input<k8s.types.input.core.v1.Toleration>[]>;
  /**
   * Dynamic Resource Allocation: the ResourceClaims (one per card, e.g. a GpuCardClaims' claims) the
   * pods share with the other servers placed on those cards; the pods then ask for no `nvidia.com/gpu`.
   */
  claims?: pulumi.Input<string>[];
  /** Wait before vLLM starts until the card has this fraction of its memory free (servers that share cards across modes). */
  waitForFreeMemory?: number;
}

/** One window the server runs in: a KEDA cron trigger (start/end cron in a time zone). */
export interface VllmScheduleWindow {
  /** The mode's name (the trigger's name). */
  name: string;
  start: string;
  end: string;
  timezone: string;
}

/**
 * Run the server only inside its windows: a KEDA ScaledObject (`<name>-schedule`) scales the
 * Deployment to `replicas` while any window is open and to zero `cooldownPeriodSeconds` after.
 * KEDA must be installed (ClusterAddons' keda add-on, or a prerequisite).
 */
export interface VllmSchedule {
  windows: VllmScheduleWindow[];
  pollingIntervalSeconds?: number;
  cooldownPeriodSeconds?: number;
}

export interface VllmResourceList {
  cpu: pulumi.Input<string>;
  memory: pulumi.Input<string>;
}

export interface VllmResources {
  requests: VllmResourceList;
  limits: VllmResourceList;
}

/** The volumes of LoRA adapters whose weights are files on a volume of their own. */
export interface LoraVolumeSettings {
  size: pulumi.Input<string>;
  storageClass?: pulumi.Input<string>;
  /** Extra labels, e.g. the backup tier your backup system selects on. */
  labels?: { [key: string]: pulumi.Input<string> };
}

/** Per-child escape hatches, deep-merged into the child's args last. */
export interface VllmServerOverrides {
  deployment?: ChildOverride;
  service?: ChildOverride;
  /** Merged into the ScaledObject of a scheduled server. */
  scaledObject?: ChildOverride;
  /** Merged into every LoRA volume claim. */
  loraVolume?: ChildOverride;
}

export interface VllmServerArgs {
  namespace: pulumi.Input<string>;
  /** The vLLM OpenAI server image (`vllm/vllm-openai`, pinned). */
  image: pulumi.Input<string>;
  /**
   * `vllm serve` arguments: the Hugging Face model id, then flags (as `@llm-platform/capacity`'s
   * renderVllmArgs writes them). The server's names are its `--served-model-name`s and LoRA modules.
   * `--port` is the component's (8000) and is added when absent.
   */
  serveArgs: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * PVC of the model cache (a ModelCache: Hugging Face cache under `huggingface/`), mounted read-only;
   * the server runs offline (HF_HUB_OFFLINE=1), so the model must be there before it starts.
   */
  modelCacheClaim: pulumi.Input<string>;
  /** Default 1. */
  replicas?: pulumi.Input<number>;
  /** Default one `nvidia.com/gpu`. */
  gpu?: VllmGpu;
  resources: VllmResources;
  /** /dev/shm for the engine's shared memory; default 2Gi. */
  shmSize?: pulumi.Input<string>;
  /** Default Recreate (a rolling update would need a second GPU slice and its VRAM). */
  rollout?: RolloutStrategy;
  /** Seconds the startup probe allows for loading and CUDA graph capture; default 1800. */
  startupTimeoutSeconds?: number;
  /** Seconds `pulumi up` waits for the Deployment (and its progress deadline); default the startup window plus 15 minutes. */
  awaitTimeoutSeconds?: number;
  /** LoRA adapters whose `--lora-modules` path is on a volume of their own, mounted read-only at `/adapters/<adapter>`. */
  loraVolumes?: string[];
  /** Size, class and labels of each LoRA volume (required with `loraVolumes`). */
  loraVolume?: LoraVolumeSettings;
  /** protect the LoRA volumes. */
  protectVolumes?: boolean;
  /** Keep the LoRA volumes in the cluster when they leave the stack. */
  retainVolumes?: boolean;
  /** Writable home for caches (torch.compile, Triton, FlashInfer JIT); default 8Gi. */
  homeSize?: pulumi.Input<string>;
  /** Run only inside these windows (KEDA cron ScaledObject); absent: always `replicas`. */
  schedule?: VllmSchedule;
  overrides?: VllmServerOverrides;
}

/**
 * One vLLM server: a Deployment and a Service (`vllm-<name>`) running `vllm serve` on a model from a
 * shared, read-only model cache, hosting several adapters — the gateway maps each plain adapter to the
 * server's own served name (so adding one never changes the command line), and LoRA adapters are
 * modules on the command line, each with its own volume when its weights are files. Runs as UID 1000
 * with a read-only root filesystem, no service-account token and writable caches in emptyDirs.
 * Give it `dependsOn` on the model cache (downloads first) and on the GPU device plugin.
 */
export class VllmServer extends pulumi.ComponentResource {
  public readonly deploymentName: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  /** OpenAI-compatible base URL inside the cluster. */
  public readonly baseUrl: pulumi.Output<string>;
  /** Model names the server answers to: its served name(s) and its LoRA modules. */
  public readonly servedModelNames: pulumi.Output<string[]>;
  /** The Hugging Face model id it serves. */
  public readonly model: pulumi.Output<string>;
  /** PVCs of the LoRA volumes. */
  public readonly loraVolumeClaims: pulumi.Output<string[]>;

  constructor(name: string, args: VllmServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:index:VllmServer", name, {}, { ...opts, aliases: [{ type: "llm-platform:inference:VllmAdapter" }, ...(opts?.aliases ?? [])] });
    const loraAdapters = args.loraVolumes ?? [];
    if (loraAdapters.length > 0 && !args.loraVolume)
      throw new Error(`VllmServer ${name}: loraVolumes (${loraAdapters.join(", ")}) need loraVolume (size, storage class)`);
    const protect = args.protectVolumes ?? false;
    const retain = args.retainVolumes ?? false;

    const loraClaims = loraAdapters.map((adapter) => {
      const claimName = loraVolumeClaimName(name, adapter);
      new k8s.core.v1.PersistentVolumeClaim(
        `${name}-lora-${adapter}`,
        withOverride(
          {
            metadata: {
              name: claimName,
              namespace: args.namespace,
              labels: { "app.kubernetes.io/part-of": PART_OF, "llm-platform.io/server": name, "llm-platform.io/adapter": adapter, ...args.loraVolume!.labels },
            },
            spec: {
              accessModes: ["ReadWriteOnce"],
              storageClassName: args.loraVolume!.storageClass,
              resources: { requests: { storage: args.loraVolume!.size } },
            },
          } satisfies k8s.core.v1.PersistentVolumeClaimArgs,
          args.overrides?.loraVolume,
        ),
        { parent: this, protect, retainOnDelete: retain },
      );
      return { adapter, claimName };
    });

    const startupTimeoutSeconds = args.startupTimeoutSeconds ?? DEFAULT_STARTUP_TIMEOUT_SECONDS;
    const awaitSeconds = args.awaitTimeoutSeconds ?? vllmAwaitSeconds(startupTimeoutSeconds);
    const containerArgs = pulumi.output(args.serveArgs).apply((a) => vllmContainerArgs(a, VLLM_PORT));
    const workload = {
      name,
      namespace: args.namespace,
      image: args.image,
      args: containerArgs,
      replicas: args.replicas ?? 1,
      gpu: {
        count: args.gpu?.count ?? 1,
        resourceName: args.gpu?.resourceName ?? "nvidia.com/gpu",
        nodeSelector: args.gpu?.nodeSelector,
        tolerations: args.gpu?.tolerations,
        claims: args.gpu?.claims,
      },
      resources: args.resources,
      shmSize: args.shmSize ?? "2Gi",
      rollout: args.rollout ?? RolloutStrategy.Recreate,
      startupTimeoutSeconds,
      progressDeadlineSeconds: awaitSeconds,
      modelCacheClaim: args.modelCacheClaim,
      loraVolumes: loraClaims,
      homeSize: args.homeSize,
      externallyScaled: args.schedule !== undefined,
      waitForGpuMemory:
        args.gpu?.waitForFreeMemory !== undefined && (args.gpu.claims?.length ?? 0) > 0
          ? { gpuMemoryUtilization: args.gpu.waitForFreeMemory, timeoutSeconds: startupTimeoutSeconds }
          : undefined,
    };
    // Pulumi would give up after 10 minutes (the provider's default Deployment await), long before a first load.
    // A scheduled server's replicas are KEDA's: created at 0, then never sent again (its ScaledObject scales it).
    const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, withOverride(vllmDeploymentSpec(workload), args.overrides?.deployment), {
      parent: this,
      customTimeouts: awaitTimeouts(awaitSeconds),
      ...(args.schedule ? { ignoreChanges: ["spec.replicas"] } : {}),
    });
    if (args.schedule) {
      if (args.schedule.windows.length === 0) throw new Error(`VllmServer ${name}: schedule needs at least one window`);
      new keda.v1alpha1.ScaledObject(
        `${name}-schedule`,
        withOverride(
          scaledObjectSpec({
            name: `${vllmResourceNames(name).deployment}-schedule`,
            namespace: args.namespace,
            deployment: vllmResourceNames(name).deployment,
            labels: { "app.kubernetes.io/part-of": PART_OF, "llm-platform.io/server": name },
            replicas: args.replicas ?? 1,
            windows: args.schedule.windows,
            pollingIntervalSeconds: args.schedule.pollingIntervalSeconds ?? 30,
            cooldownPeriodSeconds: args.schedule.cooldownPeriodSeconds ?? 60,
          }),
          args.overrides?.scaledObject,
        ) as keda.v1alpha1.ScaledObjectArgs,
        { parent: this, dependsOn: [deployment] },
      );
    }
    const service = new k8s.core.v1.Service(`${name}-service`, withOverride(vllmServiceSpec(workload), args.overrides?.service), { parent: this });

    this.deploymentName = deployment.metadata.name;
    this.serviceName = service.metadata.name;
    this.baseUrl = pulumi.interpolate`http://${vllmResourceNames(name).service}.${args.namespace}.svc.cluster.local:${VLLM_PORT}/v1`;
    this.servedModelNames = containerArgs.apply(servedModelNamesOf);
    this.model = containerArgs.apply((a) => parseVllmArgs(a).model ?? "");
    this.loraVolumeClaims = pulumi.output(loraClaims.map((c) => c.claimName));
    this.registerOutputs({
      deploymentName: this.deploymentName,
      serviceName: this.serviceName,
      baseUrl: this.baseUrl,
      servedModelNames: this.servedModelNames,
      model: this.model,
      loraVolumeClaims: this.loraVolumeClaims,
    });
  }
}
