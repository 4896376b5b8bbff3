import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { QdrantConfig } from "../config/gatewaySchema";
import { pdbSpec } from "./specs/k8s";
import { applyOverride, type Overrides } from "./specs/merge";
import {
  QDRANT_HTTP_PORT,
  QDRANT_SECRET,
  QDRANT_SELECTOR,
  collectionJobSpec,
  qdrantServiceSpecs,
  qdrantStatefulSetSpec,
  snapshotCronJobSpec,
  type Collection,
} from "./specs/qdrant";
import { volumeClaimSpec, type BackupTier } from "./specs/storage";

export interface QdrantStoreArgs {
  namespace: string;
  settings: QdrantConfig;
  /** The RAG collection, sized for the configured embedding model. */
  collection: Collection;
  storage: { size: string; storageClass?: string; backupTier: BackupTier; backupTierLabel: string };
  /** protect + retainOnDelete on the volumes and the StatefulSet. */
  protect: boolean;
  /** Image of the setup Jobs (collection, snapshots): sh and curl. */
  curlImage: string;
  overrides?: Overrides<{ statefulSet: k8s.apps.v1.StatefulSetArgs; service: k8s.core.v1.ServiceArgs; storage: k8s.core.v1.PersistentVolumeClaimArgs }>;
}

/**
 * The shared vector database (seeds 000, 001): one Qdrant on a protected GFS-tier volume, a snapshot
 * volume filled by a CronJob, a read-write and a read-only API key, and the RAG collection.
 */
export class QdrantStore extends pulumi.ComponentResource {
  public readonly service: k8s.core.v1.Service;
  public readonly url: string;
  public readonly apiKey: pulumi.Output<string>;
  public readonly readOnlyApiKey: pulumi.Output<string>;

  constructor(name: string, args: QdrantStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:data:QdrantStore", name, {}, opts);
    const ns = args.namespace;
    const child = { parent: this };
    const keep = { ...child, protect: args.protect, retainOnDelete: args.protect };
    const key = (role: string) => new random.RandomPassword(`${name}-${role}`, { length: 40, special: false }, child);
    this.apiKey = pulumi.secret(key("api-key").result);
    this.readOnlyApiKey = pulumi.secret(key("read-only-api-key").result);
    const secret = new k8s.core.v1.Secret(
      `${name}-api-keys`,
      { metadata: { name: QDRANT_SECRET, namespace: ns }, type: "Opaque", stringData: { "api-key": this.apiKey, "read-only-api-key": this.readOnlyApiKey } },
      child,
    );
    const claim = (role: string, claimName: string, size: string, backupTier: BackupTier) =>
      new k8s.core.v1.PersistentVolumeClaim(
        `${name}-${role}`,
        applyOverride(
          args.overrides,
          "storage",
          volumeClaimSpec({ name: claimName, namespace: ns, size, storageClass: args.storage.storageClass, accessMode: "ReadWriteOnce", backupTier, backupTierLabel: args.storage.backupTierLabel }),
        ),
        keep,
      );
    const storage = claim("storage", "qdrant-storage", args.storage.size, args.storage.backupTier);
    const snapshots = claim("snapshots", "qdrant-snapshots", String(args.settings.snapshotStorage), "daily");
    const statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      applyOverride(args.overrides, "statefulSet", qdrantStatefulSetSpec({ namespace: ns, image: args.settings.image, resources: args.settings.resources, storageClaim: "qdrant-storage", snapshotClaim: "qdrant-snapshots" })),
      { ...keep, dependsOn: [storage, snapshots, secret] },
    );
    const services = qdrantServiceSpecs(ns);
    this.service = new k8s.core.v1.Service(`${name}-service`, applyOverride(args.overrides, "service", services.service), child);
    new k8s.core.v1.Service(`${name}-headless`, services.headless, child);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, pdbSpec(ns, "qdrant", QDRANT_SELECTOR), child);
    new k8s.batch.v1.Job(`${name}-collection`, collectionJobSpec(ns, args.collection, args.curlImage), { ...child, dependsOn: [statefulSet, this.service] });
    new k8s.batch.v1.CronJob(`${name}-snapshots`, snapshotCronJobSpec(ns, args.collection.name, args.settings.snapshotSchedule, args.settings.snapshotRetain, args.curlImage), child);
    this.url = `http://qdrant.${ns}.svc.cluster.local:${QDRANT_HTTP_PORT}`;
    this.registerOutputs({ url: this.url, collection: args.collection.name });
  }
}
