import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { secretHash } from "./specs/gatewayCrypto";
import { qdrantStoreNames } from "./specs/gatewayNames";
import { withOverride, type ChildOverride } from "./specs/merge";
import {
  QDRANT_HTTP_PORT,
  QdrantAccess,
  collectionJobSpec,
  qdrantClientToken,
  qdrantMetricsToken,
  qdrantSelector,
  qdrantServiceSpecs,
  qdrantStatefulSetSpec,
  snapshotCronJobSpec,
  type Collection,
} from "./specs/qdrant";
import { BackupTier, volumeClaimSpec } from "./specs/storage";
import type { ResourceQuantities, S3BucketArgs, VolumeArgs } from "./specs/gatewayArgs";

export { Distance, QdrantAccess } from "./specs/qdrant";
export type { Collection } from "./specs/qdrant";

export const DEFAULT_QDRANT_IMAGE = "qdrant/qdrant:v1.15.4-unprivileged";

/** Scheduled snapshots, shipped to a volume Qdrant never mounts or to an S3-compatible bucket. */
export interface QdrantSnapshotArgs {
  /** Cron schedule; default hourly at :17. */
  schedule?: string;
  /** Snapshots kept on the backup volume; default 24. */
  retain?: number;
  /** Qdrant's own snapshot directory (staging, one snapshot at a time); default 20Gi. */
  stagingSize?: pulumi.Input<string>;
  /** The backup volume (default 40Gi, daily tier). */
  volume?: VolumeArgs;
  s3?: S3BucketArgs;
}

/** A client token: access to the collection until a Unix time. */
export interface QdrantReader {
  access: QdrantAccess;
  /** Expiry (seconds since the epoch) written into the token's `exp`. */
  expiresAt: number;
}

/** The metrics scraper's token (global read-only: what Qdrant asks for on /metrics), until a Unix time. */
export interface QdrantMetricsReader {
  /** Expiry (seconds since the epoch) written into the token's `exp`. */
  expiresAt: number;
}

export interface QdrantStoreOverrides {
  statefulSet?: ChildOverride;
  service?: ChildOverride;
  storage?: ChildOverride;
  snapshotCronJob?: ChildOverride;
  collectionJob?: ChildOverride;
}

export interface QdrantStoreArgs {
  namespace: pulumi.Input<string>;
  /** Default qdrant/qdrant:v1.15.4-unprivileged (runs as UID 1000). */
  image?: string;
  resources?: ResourceQuantities;
  /** The collection, sized for the embedding model. */
  collection: Collection;
  storage: VolumeArgs;
  snapshots?: QdrantSnapshotArgs;
  /** Per-client tokens scoped to the collection. */
  clients?: { [name: string]: QdrantReader };
  /** A read-only token for Prometheus, kept in Secret `<name>-metrics-token` (key `token`); default none. */
  metricsReader?: QdrantMetricsReader;
  /** Image of the setup Jobs (collection, snapshots): sh and curl; default curlimages/curl:8.16.0. */
  curlImage?: string;
  backupTierLabel?: string;
  /** Raise by one to rotate the API key (and re-sign every client token). */
  apiKeyRotation?: number;
  /** protect the volumes, the StatefulSet and the API key. */
  protect?: boolean;
  retainOnDelete?: boolean;
  overrides?: QdrantStoreOverrides;
}

/**
 * The shared vector database (seeds 000, 001): one Qdrant on a protected GFS-tier volume, with JWT RBAC:
 * the generated API key is the admin credential, and each client gets its own token scoped to the
 * collection, with an expiry (no collection-wide shared read key). Snapshots are taken on a schedule
 * and shipped off the pod, where the API key cannot delete them. The pod restarts when the key rotates.
 */
export class QdrantStore extends pulumi.ComponentResource {
  public readonly url: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  public readonly collection: pulumi.Output<string>;
  /** Each client's token (JWT) for the collection. */
  public readonly clientTokens: pulumi.Output<{ [client: string]: string }>;
  /** The Secret with the admin API key (key `api-key`). */
  public readonly apiKeySecretName: pulumi.Output<string>;

  constructor(name: string, args: QdrantStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:index:QdrantStore", name, {}, { ...opts, aliases: [{ type: "llm-platform:data:QdrantStore" }, ...(opts?.aliases ?? [])] });
    const ns = args.namespace;
    const names = qdrantStoreNames(name);
    const child = { parent: this };
    const keep = { ...child, protect: args.protect ?? false, retainOnDelete: args.retainOnDelete ?? false };
    const tierLabel = args.backupTierLabel ?? "backup-tier";
    const curlImage = args.curlImage ?? "curlimages/curl:8.16.0";
    const snapshots = args.snapshots ?? {};

    const key = new random.RandomPassword(
      `${name}-api-key`,
      { length: 40, special: false, ...(args.apiKeyRotation ? { keepers: { rotation: String(args.apiKeyRotation) } } : {}) },
      keep,
    );
    const apiKey = pulumi.secret(key.result);
    const secret = new k8s.core.v1.Secret(
      `${name}-api-keys`,
      { metadata: { name: names.apiKey, namespace: ns }, type: "Opaque", stringData: { "api-key": apiKey } },
      keep,
    );

    const claim = (role: string, claimName: string, volume: VolumeArgs, tier: BackupTier, override?: ChildOverride) =>
      new k8s.core.v1.PersistentVolumeClaim(
        `${name}-${role}`,
        withOverride(
          volumeClaimSpec({
            name: claimName,
            namespace: ns,
            size: volume.size,
            storageClass: volume.storageClass,
            accessMode: "ReadWriteOnce",
            backupTier: volume.backupTier ?? tier,
            backupTierLabel: tierLabel,
          }),
          override,
        ),
        keep,
      );
    const storage = claim("storage", names.storage, args.storage, BackupTier.Gfs, args.overrides?.storage);
    // Staging only: each snapshot is shipped off and deleted; the copies are on the backup target.
    const staging = claim("snapshots", names.snapshots, { size: snapshots.stagingSize ?? "20Gi", storageClass: args.storage.storageClass }, BackupTier.None);
    const statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      withOverride(
        qdrantStatefulSetSpec({
          namespace: ns,
          name: names.qdrant,
          headlessName: names.headless,
          instance: name,
          image: args.image ?? DEFAULT_QDRANT_IMAGE,
          resources: args.resources ?? { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
          storageClaim: names.storage,
          snapshotClaim: names.snapshots,
          apiKeySecret: names.apiKey,
          secretHash: pulumi.unsecret(apiKey.apply((k) => secretHash(k, { "api-key": k }))),
        }),
        args.overrides?.statefulSet,
      ),
      { ...keep, dependsOn: [storage, staging, secret] },
    );
    const services = qdrantServiceSpecs(ns, { service: names.qdrant, headless: names.headless }, name);
    const service = new k8s.core.v1.Service(`${name}-service`, withOverride(services.service, args.overrides?.service), child);
    new k8s.core.v1.Service(`${name}-headless`, services.headless, child);
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      { metadata: { name: names.qdrant, namespace: ns }, spec: { maxUnavailable: 1, selector: { matchLabels: qdrantSelector(name) } } },
      child,
    );
    const c = args.collection;
    new k8s.batch.v1.Job(
      `${name}-collection`,
      withOverride(
        collectionJobSpec({
          namespace: ns,
          name: `${names.qdrant}-collection-${c.name}-${c.vectorSize}`.slice(0, 63),
          serviceHost: names.qdrant,
          instance: name,
          apiKeySecret: names.apiKey,
          collection: c,
          curlImage,
        }),
        args.overrides?.collectionJob,
      ),
      { ...child, dependsOn: [statefulSet, service] },
    );

    let backupClaim: string | undefined;
    const cronDependsOn: pulumi.Resource[] = [secret];
    if (!snapshots.s3) {
      backupClaim = names.backups;
      cronDependsOn.push(claim("backups", names.backups, snapshots.volume ?? { size: "40Gi" }, BackupTier.Daily));
    }
    const s3 = snapshots.s3;
    new k8s.batch.v1.CronJob(
      `${name}-snapshots`,
      withOverride(
        snapshotCronJobSpec({
          namespace: ns,
          name: `${names.qdrant}-snapshot-${c.name}`.slice(0, 52),
          instance: name,
          serviceHost: names.qdrant,
          apiKeySecret: names.apiKey,
          collection: c.name,
          schedule: snapshots.schedule ?? "17 * * * *",
          keep: snapshots.retain ?? 24,
          curlImage,
          backupClaim,
          s3: s3
            ? { endpoint: s3.endpoint, bucket: s3.bucket, region: s3.region ?? "us-east-1", prefix: s3.prefix ?? "", credentialsSecret: s3.credentialsSecret }
            : undefined,
        }),
        args.overrides?.snapshotCronJob,
      ),
      { ...child, dependsOn: cronDependsOn },
    );

    if (args.metricsReader) {
      const expiresAt = args.metricsReader.expiresAt;
      new k8s.core.v1.Secret(
        `${name}-metrics-token`,
        {
          metadata: { name: names.metricsToken, namespace: ns },
          type: "Opaque",
          stringData: { token: pulumi.secret(apiKey.apply((k) => qdrantMetricsToken(k, expiresAt))) },
        },
        { ...child, dependsOn: [secret] },
      );
    }

    const clients = args.clients ?? {};
    this.clientTokens = pulumi.secret(
      apiKey.apply((k) =>
        Object.fromEntries(
          Object.keys(clients)
            .sort()
            .map((client) => [client, qdrantClientToken(k, client, c.name, clients[client]!.access, clients[client]!.expiresAt)]),
        ),
      ),
    );
    this.url = pulumi.interpolate`http://${names.qdrant}.${ns}.svc.cluster.local:${QDRANT_HTTP_PORT}`;
    this.serviceName = service.metadata.name;
    this.collection = pulumi.output(c.name);
    this.apiKeySecretName = pulumi.output(names.apiKey);
    this.registerOutputs({
      url: this.url,
      serviceName: this.serviceName,
      collection: this.collection,
      clientTokens: this.clientTokens,
      apiKeySecretName: this.apiKeySecretName,
    });
  }
}
