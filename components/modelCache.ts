import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { SecretKeyReference } from "./specs/k8s";
import { withOverride, type ChildOverride } from "./specs/merge";
import { PART_OF } from "./specs/labels";
import {
  DEFAULT_DOWNLOAD_EXCLUDE,
  DEFAULT_DOWNLOAD_TIMEOUT_SECONDS,
  DEFAULT_HF_ENDPOINT,
  MODEL_CACHE_HF_DIR,
  downloadAwaitSeconds,
  downloadJobName,
  downloadJobSpec,
  modelKey,
  type CachedModel,
} from "./specs/modelCache";
import { awaitTimeouts } from "./specs/timeouts";

export type { CachedModel } from "./specs/modelCache";

/** How pods share the cache volume. */
export const CacheAccessMode = {
  /** Every server and replica on any node (needs an RWX storage class such as NFS). */
  ReadWriteMany: "ReadWriteMany",
  /** One node only: the download Job and the servers must land on the same node. */
  ReadWriteOnce: "ReadWriteOnce",
} as const;
export type CacheAccessMode = (typeof CacheAccessMode)[keyof typeof CacheAccessMode];

/** The cache's volume (a PVC named after the component). */
export interface ModelCacheVolume {
  size: pulumi.Input<string>;
  storageClass?: pulumi.Input<string>;
  /** Default ReadWriteMany. */
  accessMode?: CacheAccessMode;
  /** Extra labels, e.g. the backup tier your backup system selects on. */
  labels?: { [key: string]: pulumi.Input<string> };
}

/** A key of an existing Secret. */
export type { SecretKeyReference };

/** Per-child escape hatches, deep-merged into the child's args last. */
export interface ModelCacheOverrides {
  volume?: ChildOverride;
  /** Merged into every download Job. */
  downloadJob?: ChildOverride;
}

export interface ModelCacheArgs {
  namespace: pulumi.Input<string>;
  /** Image of the download Jobs: sh and curl (e.g. curlimages/curl, pinned). */
  image: pulumi.Input<string>;
  /** The model revisions to download; one Job each, named by id and revision. */
  models: CachedModel[];
  volume: ModelCacheVolume;
  /** protect the volume (refuse to delete it). */
  protect?: boolean;
  /** Keep the volume in the cluster when it leaves the stack. */
  retainOnDelete?: boolean;
  /** Hugging Face token Secret (in `namespace`): required by gated models, optional for the others. */
  hfTokenSecret?: SecretKeyReference;
  /** Hub endpoint (a mirror); default https://huggingface.co. */
  hfEndpoint?: pulumi.Input<string>;
  /** Repo files not to download (shell patterns); default: formats vLLM never reads (`original/*`, ONNX, GGUF, TF/Flax). */
  exclude?: pulumi.Input<pulumi.Input<string>[]>;
  /** Seconds one download may take (the Job's activeDeadlineSeconds); `pulumi up` waits that long plus 10 minutes. Default 3600. */
  downloadTimeoutSeconds?: number;
  /** Where the Jobs run (e.g. the GPU nodes, where the servers will read the cache). */
  nodeSelector?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
  tolerations?: pulumi.Input<pulumi.Input<k8s.types.input.core.v1.Toleration>[]>;
  resources?: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;
  overrides?: ModelCacheOverrides;
}

/**
 * A shared Hugging Face model cache: one volume (the PVC is named after the component) and one Job
 * per model revision that downloads it into the Hugging Face cache layout under `huggingface/`.
 * Servers mount the volume read-only and run offline (VllmServer does); give them
 * `dependsOn: [cache]` so they start after every download has completed. A new revision is a new
 * Job; a failed Job is replaced on the next `up`.
 */
export class ModelCache extends pulumi.ComponentResource {
  /** The PVC servers mount (read-only); resolves once every download Job has completed. */
  public readonly claimName: pulumi.Output<string>;
  /** Directory inside the volume that is HF_HOME (`huggingface`). */
  public readonly hfHomeSubPath: pulumi.Output<string>;
  /** `id@revision` of every cached model. */
  public readonly models: pulumi.Output<string[]>;
  /** Names of the download Jobs. */
  public readonly downloadJobNames: pulumi.Output<string[]>;

  constructor(name: string, args: ModelCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:index:ModelCache", name, {}, opts);
    const gatedWithoutToken = args.models.filter((m) => m.gated && !args.hfTokenSecret).map((m) => m.id);
    if (gatedWithoutToken.length > 0) {
      throw new Error(
        `ModelCache ${name}: gated model(s) ${gatedWithoutToken.join(", ")} need hfTokenSecret (a Secret with a Hugging Face token that has access)`,
      );
    }
    const unique = new Map(args.models.map((m) => [modelKey(m), m]));
    const timeoutSeconds = args.downloadTimeoutSeconds ?? DEFAULT_DOWNLOAD_TIMEOUT_SECONDS;
    const volume = args.volume;

    const claim = new k8s.core.v1.PersistentVolumeClaim(
      name,
      withOverride(
        {
          metadata: {
            name,
            namespace: args.namespace,
            labels: { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/component": "model-cache", ...volume.labels },
          },
          spec: {
            accessModes: [volume.accessMode ?? CacheAccessMode.ReadWriteMany],
            storageClassName: volume.storageClass,
            resources: { requests: { storage: volume.size } },
          },
        } satisfies k8s.core.v1.PersistentVolumeClaimArgs,
        args.overrides?.volume,
      ),
      // Adopts a volume of the same name that an earlier version of this program declared at the stack root.
      { parent: this, protect: args.protect ?? false, retainOnDelete: args.retainOnDelete ?? false, aliases: [{ name, parent: pulumi.rootStackResource }] },
    );

    const exclude = pulumi.output(args.exclude ?? DEFAULT_DOWNLOAD_EXCLUDE).apply((patterns) => patterns.join(" "));
    const jobs: k8s.batch.v1.Job[] = [];
    for (const [key, model] of unique) {
      const job = new k8s.batch.v1.Job(
        `${name}-download-${key}`,
        withOverride(
          downloadJobSpec({
            cache: name,
            namespace: args.namespace,
            image: args.image,
            model,
            claimName: claim.metadata.name,
            hfTokenSecret: args.hfTokenSecret,
            endpoint: args.hfEndpoint ?? DEFAULT_HF_ENDPOINT,
            exclude,
            timeoutSeconds,
            nodeSelector: args.nodeSelector,
            tolerations: args.tolerations,
            resources: args.resources,
          }),
          args.overrides?.downloadJob,
        ),
        // The provider waits 10 minutes for a Job by default; a download may take its whole deadline.
        { parent: this, dependsOn: [claim], customTimeouts: awaitTimeouts(downloadAwaitSeconds(timeoutSeconds)) },
      );
      jobs.push(job);
    }

    // The claim's name carries the download Jobs: whatever mounts it (a VllmServer) waits for every download.
    this.claimName = pulumi.all([claim.metadata.name, ...jobs.map((job) => job.metadata.name)]).apply(([claimName]) => claimName);
    this.hfHomeSubPath = pulumi.output(MODEL_CACHE_HF_DIR);
    this.models = pulumi.output([...unique.values()].map((m) => `${m.id}@${m.revision ?? "main"}`));
    this.downloadJobNames = pulumi.output([...unique.values()].map((m) => downloadJobName(name, m)));
    this.registerOutputs({ claimName: this.claimName, hfHomeSubPath: this.hfHomeSubPath, models: this.models, downloadJobNames: this.downloadJobNames });
  }
}
