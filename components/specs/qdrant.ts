import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { fromSecret, resourcesOf, type ComputeResources } from "./k8s";
import { imageVersion, selectorLabels, standardLabels } from "./labels";
import { SECRET_HASH_ANNOTATION, signJwtHs256 } from "./gatewayCrypto";
import { JOB_ANNOTATIONS, S3_PUT_FUNCTION, TMP_MOUNT, TMP_VOLUME, curlPod, hardenedContainer, hardenedPod, s3Env, type S3Target } from "./gatewayPods";

export const QDRANT_HTTP_PORT = 6333;
export const QDRANT_GRPC_PORT = 6334;
/** The unprivileged image's user. */
const QDRANT_UID = 1000;

export const qdrantSelector = (instance: string) => selectorLabels("qdrant", instance);

type Input<T> = pulumi.Input<T>;

export interface QdrantSpecArgs {
  namespace: Input<string>;
  name: string;
  headlessName: string;
  instance: string;
  image: string;
  resources: ComputeResources;
  storageClaim: string;
  /** Qdrant's own snapshot directory: staging, emptied by the snapshot CronJob after each shipment. */
  snapshotClaim: string;
  apiKeySecret: string;
  /** Digest of the API key: a rotation restarts the pod (Qdrant reads it only at start). */
  secretHash: Input<string>;
}

/**
 * One Qdrant node. The API key is the admin credential and the secret client tokens are signed with:
 * with JWT RBAC on, Qdrant accepts HS256 tokens signed with it whose claims grant access to named
 * collections (qdrant/qdrant src/common/auth). No read-only key: every reader has its own token.
 */
export function qdrantStatefulSetSpec(a: QdrantSpecArgs): k8s.apps.v1.StatefulSetArgs {
  const labels = standardLabels("qdrant", a.instance, "vector-store", imageVersion(a.image));
  const probe = (path: string, failureThreshold: number) => ({ httpGet: { path, port: "http" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold });
  return {
    metadata: { name: a.name, namespace: a.namespace, labels },
    spec: {
      serviceName: a.headlessName,
      replicas: 1,
      selector: { matchLabels: qdrantSelector(a.instance) },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: {
        metadata: {
          labels,
          annotations: {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": String(QDRANT_HTTP_PORT),
            "prometheus.io/path": "/metrics",
            [SECRET_HASH_ANNOTATION]: a.secretHash,
          },
        },
        spec: {
          ...hardenedPod(QDRANT_UID),
          terminationGracePeriodSeconds: 60,
          containers: [
            {
              name: "qdrant",
              image: a.image,
              ports: [
                { name: "http", containerPort: QDRANT_HTTP_PORT, protocol: "TCP" },
                { name: "grpc", containerPort: QDRANT_GRPC_PORT, protocol: "TCP" },
              ],
              env: [
                fromSecret("QDRANT__SERVICE__API_KEY", a.apiKeySecret, "api-key"),
                { name: "QDRANT__SERVICE__JWT_RBAC", value: "true" },
                { name: "QDRANT__STORAGE__SNAPSHOTS_PATH", value: "/qdrant/snapshots" },
                { name: "QDRANT__STORAGE__TEMP_PATH", value: "/qdrant/snapshots/tmp" },
                // Qdrant writes an init marker into its working directory unless told where (read-only root).
                { name: "QDRANT_INIT_FILE_PATH", value: "/tmp/.qdrant-initialized" },
                { name: "QDRANT__TELEMETRY_DISABLED", value: "true" },
              ],
              resources: resourcesOf(a.resources),
              // With an API key set, only /livez, /readyz and /healthz answer without one.
              startupProbe: probe("/readyz", 60),
              readinessProbe: probe("/readyz", 3),
              livenessProbe: probe("/livez", 6),
              securityContext: hardenedContainer(),
              volumeMounts: [{ name: "storage", mountPath: "/qdrant/storage" }, { name: "snapshots", mountPath: "/qdrant/snapshots" }, TMP_MOUNT],
            },
          ],
          volumes: [
            { name: "storage", persistentVolumeClaim: { claimName: a.storageClaim } },
            { name: "snapshots", persistentVolumeClaim: { claimName: a.snapshotClaim } },
            { ...TMP_VOLUME, emptyDir: { sizeLimit: "1Gi" } },
          ],
        },
      },
    },
  };
}

export function qdrantServiceSpecs(
  namespace: Input<string>,
  names: { service: string; headless: string },
  instance: string,
): { service: k8s.core.v1.ServiceArgs; headless: k8s.core.v1.ServiceArgs } {
  const ports = [
    { name: "http", port: QDRANT_HTTP_PORT, targetPort: "http", protocol: "TCP" },
    { name: "grpc", port: QDRANT_GRPC_PORT, targetPort: "grpc", protocol: "TCP" },
  ];
  return {
    service: {
      metadata: { name: names.service, namespace, labels: standardLabels("qdrant", instance, "vector-store") },
      spec: { type: "ClusterIP", selector: qdrantSelector(instance), ports },
    },
    headless: { metadata: { name: names.headless, namespace }, spec: { clusterIP: "None", selector: qdrantSelector(instance), ports } },
  };
}

/** Vector distance of a collection. */
export const Distance = { Cosine: "Cosine", Dot: "Dot", Euclid: "Euclid" } as const;
export type Distance = (typeof Distance)[keyof typeof Distance];

export interface Collection {
  name: string;
  vectorSize: number;
  distance: Distance;
}

/** `q ARGS...`: curl with the API key as a header read from stdin (never on the command line). */
const CURL_WITH_KEY = `q() { printf 'header = "api-key: %s"\\n' "$QDRANT_API_KEY" | curl -K - -fsS "$@"; }`;

/** Creates the RAG collection if it does not exist, with the embedding model's vector size (idempotent). */
export function collectionJobSpec(a: {
  namespace: Input<string>;
  serviceHost: string;
  instance: string;
  apiKeySecret: string;
  collection: Collection;
  curlImage: string;
  name: string;
}): k8s.batch.v1.JobArgs {
  const c = a.collection;
  const url = `http://${a.serviceHost}:${QDRANT_HTTP_PORT}/collections/${c.name}`;
  const body = JSON.stringify({ vectors: { size: c.vectorSize, distance: c.distance } });
  const script = `set -eu
${CURL_WITH_KEY}
if q ${url} >/dev/null; then echo "collection ${c.name} exists"; exit 0; fi
q -X PUT -H 'Content-Type: application/json' --data '${body}' ${url}`;
  return {
    metadata: { name: a.name, namespace: a.namespace, labels: standardLabels("qdrant-collection", a.instance, "vector-store"), annotations: JOB_ANNOTATIONS },
    spec: {
      backoffLimit: 10,
      template: { spec: curlPod(a.curlImage, "create-collection", script, [fromSecret("QDRANT_API_KEY", a.apiKeySecret, "api-key")]) },
    },
  };
}

/**
 * Ships snapshots off the Qdrant pod, where the API key (which can delete snapshots) cannot reach them.
 * Takes a snapshot of the collection, then for every snapshot Qdrant holds: downloads it, checks its
 * sha256 against Qdrant's checksum, ships it (to `$BACKUP_DIR`, a volume only this Job mounts, or with
 * `s3_put` to a bucket), and deletes it from Qdrant. Snapshots left by a failed run are shipped by the
 * next. On a volume, all but the newest `keep` are then deleted (names end in their UTC time, so they
 * sort by age). `$QDRANT` is the Qdrant base URL.
 */
export function snapshotScript(collection: string, keep: number, target: "volume" | "s3"): string {
  return `set -eu
${CURL_WITH_KEY}
${target === "s3" ? S3_PUT_FUNCTION : ""}
api="$QDRANT/collections/${collection}/snapshots"
work="\${WORK_DIR:-/work}"
q -X POST "$api?wait=true" >/dev/null
echo "snapshot of ${collection} taken"
q "$api" | tr '{' '\\n' | grep '"name"' | while read -r line; do
  name=$(printf '%s' "$line" | sed 's/.*"name" *: *"\\([^"]*\\)".*/\\1/')
  sum=$(printf '%s' "$line" | sed -n 's/.*"checksum" *: *"\\([0-9a-f]*\\)".*/\\1/p')
  echo "$name \${sum:--}"
done > "$work/listing"
while read -r name checksum; do
  [ -n "$name" ] || continue
  q -o "$work/$name.partial" "$api/$name"
  if [ "$checksum" != "-" ] && [ "$(sha256sum "$work/$name.partial" | cut -d' ' -f1)" != "$checksum" ]; then
    echo "snapshot $name: checksum mismatch, not shipped" >&2; rm -f "$work/$name.partial"; exit 1
  fi
${
  target === "s3"
    ? `  s3_put "$work/$name.partial" "$name"\n  rm -f "$work/$name.partial"`
    : `  mv "$work/$name.partial" "$BACKUP_DIR/$name"\n  echo "shipped $name to the backup volume"`
}
  q -X DELETE "$api/$name?wait=true" >/dev/null
done < "$work/listing"
${
  target === "s3"
    ? ""
    : `count=$(ls -1 "$BACKUP_DIR" | grep -c '\\.snapshot$' || true)
echo "$count snapshot(s) on the backup volume, keeping the newest ${keep}"
if [ "$count" -gt ${keep} ]; then
  ls -1 "$BACKUP_DIR" | grep '\\.snapshot$' | sort | head -n $((count - ${keep})) | while read -r old; do rm -f "$BACKUP_DIR/$old"; echo "deleted old snapshot $old"; done
fi`
}`;
}

export interface SnapshotCronJobArgs {
  namespace: Input<string>;
  name: string;
  instance: string;
  serviceHost: string;
  apiKeySecret: string;
  collection: string;
  schedule: string;
  keep: number;
  curlImage: string;
  /** The backup volume (mounted by this CronJob only), or an S3 bucket. */
  backupClaim?: string;
  s3?: S3Target;
}

/**
 * Scheduled snapshots shipped off the pod. The Job reads the API key from the Secret each run, so a
 * rotation needs no change here; the download scratch space is an emptyDir.
 */
export function snapshotCronJobSpec(a: SnapshotCronJobArgs): k8s.batch.v1.CronJobArgs {
  const env: k8s.types.input.core.v1.EnvVar[] = [
    fromSecret("QDRANT_API_KEY", a.apiKeySecret, "api-key"),
    { name: "QDRANT", value: `http://${a.serviceHost}:${QDRANT_HTTP_PORT}` },
    { name: "WORK_DIR", value: "/work" },
    ...(a.s3 ? s3Env(a.s3) : [{ name: "BACKUP_DIR", value: "/backups" }]),
  ];
  const pod = curlPod(a.curlImage, "snapshot", snapshotScript(a.collection, a.keep, a.s3 ? "s3" : "volume"), env, {
    volumes: [{ name: "work", emptyDir: {} }, ...(a.s3 ? [] : [{ name: "backups", persistentVolumeClaim: { claimName: a.backupClaim! } }])],
    mounts: [{ name: "work", mountPath: "/work" }, ...(a.s3 ? [] : [{ name: "backups", mountPath: "/backups" }])],
  });
  return {
    metadata: { name: a.name, namespace: a.namespace, labels: standardLabels("qdrant-snapshot", a.instance, "vector-store") },
    spec: {
      schedule: a.schedule,
      concurrencyPolicy: "Forbid",
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: { spec: { backoffLimit: 2, template: { metadata: { labels: selectorLabels("qdrant-snapshot", a.instance) }, spec: pod } } },
    },
  };
}

/** Access a client token grants on the collection: `r` search and read, `rw` also write. */
export const QdrantAccess = { Read: "r", ReadWrite: "rw" } as const;
export type QdrantAccess = (typeof QdrantAccess)[keyof typeof QdrantAccess];

/**
 * A client token for one collection: `{"access": [{"collection": c, "access": "r"|"rw"}], "exp": ...}`
 * signed HS256 with the API key (Qdrant's JWT RBAC claims, src/common/auth/claims.rs). `exp` is
 * required: Qdrant treats a token without one as no token.
 */
export function qdrantClientToken(apiKey: string, client: string, collection: string, access: QdrantAccess, expiresAt: number): string {
  return signJwtHs256(apiKey, { sub: client, access: [{ collection, access }], exp: expiresAt });
}

/**
 * The metrics scraper's token: `{"access": "r"}`, global read-only access. Qdrant's /metrics asks for
 * global access (`check_global_access(AccessRequirements::new())` in src/actix/api/service_api.rs,
 * v1.15.4): a collection-scoped token is refused there, so this is the least Qdrant accepts. It can read
 * every collection and change nothing; the API key (manage) never leaves Qdrant's Secret.
 */
export function qdrantMetricsToken(apiKey: string, expiresAt: number): string {
  return signJwtHs256(apiKey, { sub: "metrics", access: "r", exp: expiresAt });
}
