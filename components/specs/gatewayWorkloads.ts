import type * as k8s from "@pulumi/kubernetes";
import { fromSecret, resourcesOf, type ComputeResources } from "./k8s";
import { imageVersion, selectorLabels, standardLabels } from "./labels";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./security";

type Resources = ComputeResources;
type EnvVar = k8s.types.input.core.v1.EnvVar;

export const LITELLM_PORT = 4000;
export const POSTGRES_PORT = 5432;
export const REDIS_PORT = 6379;
/** Secret names the gateway's pods read (explicit names: manifests and policies refer to them). */
export const GATEWAY_SECRETS = { keys: "litellm-keys", postgres: "litellm-postgres", redis: "litellm-redis", providers: "llm-provider-keys" };

export interface GatewaySpecArgs {
  namespace: string;
  image: string;
  replicas: number;
  resources: Resources;
  /** Hash of config.yaml: a config change rolls the pods (LiteLLM reads it only at start). */
  configHash: string;
  /** Env vars of provider credentials, each from the provider Secret. */
  providerEnv: string[];
}

/** Env every LiteLLM container needs: master/salt keys, the database URL, Redis password. */
export function litellmEnv(providerEnv: string[]): EnvVar[] {
  return [
    fromSecret("LITELLM_MASTER_KEY", GATEWAY_SECRETS.keys, "master-key"),
    fromSecret("LITELLM_SALT_KEY", GATEWAY_SECRETS.keys, "salt-key"),
    fromSecret("POSTGRES_PASSWORD", GATEWAY_SECRETS.postgres, "password"),
    // Kubernetes expands $(POSTGRES_PASSWORD) from the variable above: the password never appears in the spec.
    { name: "DATABASE_URL", value: `postgresql://litellm:$(POSTGRES_PASSWORD)@litellm-postgres:${POSTGRES_PORT}/litellm` },
    fromSecret("REDIS_PASSWORD", GATEWAY_SECRETS.redis, "password"),
    ...providerEnv.map((name) => fromSecret(name, GATEWAY_SECRETS.providers, name)),
  ];
}

function litellmPod(a: GatewaySpecArgs, container: k8s.types.input.core.v1.Container, restartPolicy?: string): k8s.types.input.core.v1.PodSpec {
  return {
    securityContext: restrictedPodSecurity(),
    ...(restartPolicy ? { restartPolicy } : {}),
    containers: [
      {
        ...container,
        image: a.image,
        imagePullPolicy: "IfNotPresent",
        securityContext: restrictedContainerSecurity(),
        volumeMounts: [
          { name: "config", mountPath: "/app/config", readOnly: true },
          { name: "tmp", mountPath: "/tmp" },
        ],
      },
    ],
    volumes: [
      { name: "config", configMap: { name: "litellm-config" } },
      { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
    ],
  };
}

export function litellmDeploymentSpec(a: GatewaySpecArgs): k8s.apps.v1.DeploymentArgs {
  const labels = standardLabels("litellm", "gateway", "gateway", imageVersion(a.image));
  const probe = (path: string, failureThreshold: number) => ({ httpGet: { path, port: "http" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold });
  return {
    metadata: { name: "litellm", namespace: a.namespace, labels },
    spec: {
      replicas: a.replicas,
      selector: { matchLabels: selectorLabels("litellm", "gateway") },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: {
          labels,
          annotations: { "llm-platform.io/config-hash": a.configHash, "prometheus.io/scrape": "true", "prometheus.io/port": String(LITELLM_PORT), "prometheus.io/path": "/metrics/" },
        },
        spec: {
          ...litellmPod(a, {
            name: "litellm",
            args: ["--config", "/app/config/config.yaml", "--port", String(LITELLM_PORT)],
            ports: [{ name: "http", containerPort: LITELLM_PORT, protocol: "TCP" }],
            // Schema changes run once in the migration Job, never racing across replicas or rollouts.
            env: [{ name: "DISABLE_SCHEMA_UPDATE", value: "true" }, ...litellmEnv(a.providerEnv)],
            resources: resourcesOf(a.resources),
            startupProbe: probe("/health/liveliness", 30),
            readinessProbe: probe("/health/readiness", 3),
            livenessProbe: probe("/health/liveliness", 6),
          }),
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selectorLabels("litellm", "gateway") } },
          ],
        },
      },
    },
  };
}

/** Job name per LiteLLM release: an upgrade creates a new Job, which must finish before the Deployment changes. */
export function migrationJobName(image: string): string {
  return `litellm-migrate-${(imageVersion(image) ?? "pinned").toLowerCase().replace(/[^a-z0-9-]/g, "-")}`.slice(0, 63).replace(/-+$/, "");
}

export function migrationJobSpec(a: GatewaySpecArgs): k8s.batch.v1.JobArgs {
  return {
    metadata: { name: migrationJobName(a.image), namespace: a.namespace, labels: standardLabels("litellm-migrate", "gateway", "gateway", imageVersion(a.image)) },
    spec: {
      backoffLimit: 3,
      ttlSecondsAfterFinished: 86400,
      template: {
        metadata: { labels: selectorLabels("litellm-migrate", "gateway") },
        spec: litellmPod(
          a,
          {
            name: "migrate",
            command: ["litellm", "--skip_server_startup", "--config", "/app/config/config.yaml"],
            env: [{ name: "DISABLE_SCHEMA_UPDATE", value: "false" }, ...litellmEnv([])],
            resources: resourcesOf(a.resources),
          },
          "OnFailure",
        ),
      },
    },
  };
}

export function litellmServiceSpec(namespace: string): k8s.core.v1.ServiceArgs {
  return {
    metadata: { name: "litellm", namespace, labels: standardLabels("litellm", "gateway", "gateway") },
    spec: { type: "ClusterIP", selector: selectorLabels("litellm", "gateway"), ports: [{ name: "http", port: LITELLM_PORT, targetPort: "http", protocol: "TCP" }] },
  };
}

