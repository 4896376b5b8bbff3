import type * as k8s from "@pulumi/kubernetes";
import { fromSecret, resourcesOf } from "./k8s";
import { imageVersion, selectorLabels, standardLabels } from "./labels";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./security";

export const QDRANT_HTTP_PORT = 6333;
export const QDRANT_GRPC_PORT = 6334;
export const QDRANT_SECRET = "qdrant-api-keys";
export const QDRANT_SELECTOR = selectorLabels("qdrant", "rag");

export interface QdrantSpecArgs {
  namespace: string;
  image: string;
  resources: Parameters<typeof resourcesOf>[0];
  storageClaim: string;
  snapshotClaim: string;
}

const apiKeyEnv = () => [
  fromSecret("QDRANT__SERVICE__API_KEY", QDRANT_SECRET, "api-key"),
  fromSecret("QDRANT__SERVICE__READ_ONLY_API_KEY", QDRANT_SECRET, "read-only-api-key"),
];

export function qdrantStatefulSetSpec(a: QdrantSpecArgs): k8s.apps.v1.StatefulSetArgs {
  const labels = standardLabels("qdrant", "rag", "vector-store", imageVersion(a.image));
  const probe = (path: string, failureThreshold: number) => ({ httpGet: { path, port: "http" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold });
  return {
    metadata: { name: "qdrant", namespace: a.namespace, labels },
    spec: {
      serviceName: "qdrant-headless",
      replicas: 1,
      selector: { matchLabels: QDRANT_SELECTOR },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: {
        metadata: { labels, annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": String(QDRANT_HTTP_PORT), "prometheus.io/path": "/metrics" } },
        spec: {
          securityContext: restrictedPodSecurity(1000),
          terminationGracePeriodSeconds: 60,
          containers: [
            {
              name: "qdrant",
              image: a.image,
              ports: [
                { name: "http", containerPort: QDRANT_HTTP_PORT, protocol: "TCP" },
                { name: "grpc", containerPort: QDRANT_GRPC_PORT, protocol: "TCP" },
              ],
              env: [...apiKeyEnv(), { name: "QDRANT__STORAGE__SNAPSHOTS_PATH", value: "/qdrant/snapshots" }, { name: "QDRANT__TELEMETRY_DISABLED", value: "true" }],
              resources: resourcesOf(a.resources),
              // With an API key set, only /livez, /readyz and /healthz answer without one.
              startupProbe: probe("/readyz", 60),
              readinessProbe: probe("/readyz", 3),
              livenessProbe: probe("/livez", 6),
              securityContext: restrictedContainerSecurity(),
              volumeMounts: [
                { name: "storage", mountPath: "/qdrant/storage" },
                { name: "snapshots", mountPath: "/qdrant/snapshots" },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "storage", persistentVolumeClaim: { claimName: a.storageClaim } },
            { name: "snapshots", persistentVolumeClaim: { claimName: a.snapshotClaim } },
            { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
          ],
        },
      },
    },
  };
}

export function qdrantServiceSpecs(namespace: string): { service: k8s.core.v1.ServiceArgs; headless: k8s.core.v1.ServiceArgs } {
  const ports = [
    { name: "http", port: QDRANT_HTTP_PORT, targetPort: "http", protocol: "TCP" },
    { name: "grpc", port: QDRANT_GRPC_PORT, targetPort: "grpc", protocol: "TCP" },
  ];
  return {
    service: { metadata: { name: "qdrant", namespace, labels: standardLabels("qdrant", "rag", "vector-store") }, spec: { type: "ClusterIP", selector: QDRANT_SELECTOR, ports } },
    headless: { metadata: { name: "qdrant-headless", namespace }, spec: { clusterIP: "None", selector: QDRANT_SELECTOR, ports } },
  };
}

export interface Collection {
  name: string;
  vectorSize: number;
  distance: "Cosine" | "Dot" | "Euclid";
}

const curlPod = (image: string, name: string, script: string, env: k8s.types.input.core.v1.EnvVar[]): k8s.types.input.core.v1.PodSpec => ({
  restartPolicy: "OnFailure",
  securityContext: restrictedPodSecurity(100),
  containers: [
    {
      name,
      image,
      command: ["/bin/sh", "-c", script],
      env,
      resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
      securityContext: restrictedContainerSecurity(),
    },
  ],
});

/** Creates the RAG collection if it does not exist, with the embedding model's vector size (idempotent). */
export function collectionJobSpec(namespace: string, c: Collection, curlImage: string): k8s.batch.v1.JobArgs {
  const url = `http://qdrant:${QDRANT_HTTP_PORT}/collections/${c.name}`;
  const body = JSON.stringify({ vectors: { size: c.vectorSize, distance: c.distance } });
  const script = `set -eu
if curl -fsS -H "api-key: $QDRANT_API_KEY" ${url} >/dev/null; then echo "collection ${c.name} exists"; exit 0; fi
curl -fsS -X PUT -H "api-key: $QDRANT_API_KEY" -H 'Content-Type: application/json' --data '${body}' ${url}`;
  return {
    metadata: { name: `qdrant-collection-${c.name}-${c.vectorSize}`, namespace, labels: standardLabels("qdrant-collection", "rag", "vector-store") },
    spec: { backoffLimit: 10, ttlSecondsAfterFinished: 86400, template: { spec: curlPod(curlImage, "create-collection", script, [fromSecret("QDRANT_API_KEY", QDRANT_SECRET, "api-key")]) } },
  };
}

/**
 * Takes a snapshot of the collection, then deletes all but the newest `keep` (snapshot names end in
 * their UTC creation time, so they sort by age). `$QDRANT` is the Qdrant base URL.
 */
export function snapshotScript(collection: string, keep: number): string {
  return `set -eu
api="$QDRANT/collections/${collection}/snapshots"
curl -fsS -X POST -H "api-key: $QDRANT_API_KEY" "$api?wait=true" >/dev/null
names=$(curl -fsS -H "api-key: $QDRANT_API_KEY" "$api" | grep -o '"name" *: *"[^"]*"' | sed 's/.*"\\([^"]*\\)"$/\\1/' | sort)
count=$(printf '%s\\n' "$names" | grep -c . || true)
echo "snapshot taken; $count on the volume, keeping the newest ${keep}"
if [ "$count" -gt ${keep} ]; then
  printf '%s\\n' "$names" | head -n $((count - ${keep})) | while read -r name; do
    curl -fsS -X DELETE -H "api-key: $QDRANT_API_KEY" "$api/$name?wait=true" >/dev/null
    echo "deleted old snapshot $name"
  done
fi`;
}

/** Scheduled snapshots of the collection onto the snapshot volume, the newest `keep` retained (back the volume up or copy off-site). */
export function snapshotCronJobSpec(namespace: string, collection: string, schedule: string, keep: number, curlImage: string): k8s.batch.v1.CronJobArgs {
  const env = [fromSecret("QDRANT_API_KEY", QDRANT_SECRET, "api-key"), { name: "QDRANT", value: `http://qdrant:${QDRANT_HTTP_PORT}` }];
  return {
    metadata: { name: `qdrant-snapshot-${collection}`, namespace, labels: standardLabels("qdrant-snapshot", "rag", "vector-store") },
    spec: {
      schedule,
      concurrencyPolicy: "Forbid",
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: { spec: { backoffLimit: 2, template: { spec: curlPod(curlImage, "snapshot", snapshotScript(collection, keep), env) } } },
    },
  };
}
