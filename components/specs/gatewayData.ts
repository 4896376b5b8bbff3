import type * as k8s from "@pulumi/kubernetes";
import { imageVersion, selectorLabels, standardLabels } from "./labels";
import { GATEWAY_SECRETS, POSTGRES_PORT, REDIS_PORT } from "./gatewayWorkloads";
import { fromSecret, resourcesOf } from "./k8s";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./security";

type Resources = Parameters<typeof resourcesOf>[0];
/** UID of the postgres and redis users in their official images. */
const IMAGE_UID = 999;

export interface PostgresSpecArgs {
  namespace: string;
  image: string;
  resources: Resources;
  /** The PVC holding the data directory (created separately so it can be protected). */
  claimName: string;
}

/** Postgres for LiteLLM's virtual keys, budgets and spend logs: one replica on a protected volume. */
export function postgresStatefulSetSpec(a: PostgresSpecArgs): k8s.apps.v1.StatefulSetArgs {
  const labels = standardLabels("postgres", "litellm", "database", imageVersion(a.image));
  return {
    metadata: { name: "litellm-postgres", namespace: a.namespace, labels },
    spec: {
      serviceName: "litellm-postgres",
      replicas: 1,
      selector: { matchLabels: selectorLabels("postgres", "litellm") },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: {
        metadata: { labels },
        spec: {
          securityContext: restrictedPodSecurity(IMAGE_UID),
          containers: [
            {
              name: "postgres",
              image: a.image,
              ports: [{ name: "postgres", containerPort: POSTGRES_PORT, protocol: "TCP" }],
              env: [
                { name: "POSTGRES_USER", value: "litellm" },
                { name: "POSTGRES_DB", value: "litellm" },
                fromSecret("POSTGRES_PASSWORD", GATEWAY_SECRETS.postgres, "password"),
                { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
              ],
              resources: resourcesOf(a.resources),
              readinessProbe: { exec: { command: ["pg_isready", "-U", "litellm", "-d", "litellm"] }, periodSeconds: 10, failureThreshold: 3 },
              livenessProbe: { exec: { command: ["pg_isready", "-U", "litellm", "-d", "litellm"] }, periodSeconds: 20, failureThreshold: 6 },
              securityContext: restrictedContainerSecurity(),
              volumeMounts: [
                { name: "data", mountPath: "/var/lib/postgresql/data" },
                { name: "run", mountPath: "/var/run/postgresql" },
              ],
            },
          ],
          volumes: [
            { name: "data", persistentVolumeClaim: { claimName: a.claimName } },
            { name: "run", emptyDir: { sizeLimit: "64Mi" } },
          ],
        },
      },
    },
  };
}

export function headlessServiceSpec(namespace: string, name: string, selector: Record<string, string>, port: number): k8s.core.v1.ServiceArgs {
  return {
    metadata: { name, namespace },
    spec: { clusterIP: "None", selector, ports: [{ name: "tcp", port, targetPort: port, protocol: "TCP" }] },
  };
}

export function serviceSpec(namespace: string, name: string, selector: Record<string, string>, port: number): k8s.core.v1.ServiceArgs {
  return { metadata: { name, namespace }, spec: { type: "ClusterIP", selector, ports: [{ name: "tcp", port, targetPort: port, protocol: "TCP" }] } };
}

/** Redis for LiteLLM's rate-limit and parallel-request counters (shared by all replicas; no persistence needed). */
export function redisDeploymentSpec(namespace: string, image: string, resources: Resources): k8s.apps.v1.DeploymentArgs {
  const labels = standardLabels("redis", "litellm", "cache", imageVersion(image));
  return {
    metadata: { name: "litellm-redis", namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorLabels("redis", "litellm") },
      template: {
        metadata: { labels },
        spec: {
          securityContext: restrictedPodSecurity(IMAGE_UID),
          containers: [
            {
              name: "redis",
              image,
              args: ["--requirepass", "$(REDIS_PASSWORD)", "--save", "", "--appendonly", "no"],
              env: [fromSecret("REDIS_PASSWORD", GATEWAY_SECRETS.redis, "password")],
              ports: [{ name: "redis", containerPort: REDIS_PORT, protocol: "TCP" }],
              resources: resourcesOf(resources),
              readinessProbe: { tcpSocket: { port: REDIS_PORT }, periodSeconds: 10 },
              livenessProbe: { tcpSocket: { port: REDIS_PORT }, periodSeconds: 20 },
              securityContext: restrictedContainerSecurity(),
              volumeMounts: [{ name: "data", mountPath: "/data" }],
            },
          ],
          volumes: [{ name: "data", emptyDir: { sizeLimit: "256Mi" } }],
        },
      },
    },
  };
}
