import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { fromSecret, resourcesOf, type ComputeResources } from "./k8s";
import { imageVersion, selectorLabels, standardLabels } from "./labels";
import { SECRET_HASH_ANNOTATION } from "./gatewayCrypto";
import { DATABASE, POSTGRES_PORT, POSTGRES_SECRET_KEYS, schemaCheckContainer } from "./gatewayData";
import { LIMITS_MODULE_FILE, limitsEnv, type RequestLimits } from "./gatewayLimits";
import { JOB_ANNOTATIONS, hardenedContainer, hardenedPod } from "./gatewayPods";

type EnvVar = k8s.types.input.core.v1.EnvVar;

export const LITELLM_PORT = 4000;
/** The LiteLLM image's user: its files are world-readable, and v1.93.1+ runs Prisma for any UID. */
const LITELLM_UID = 1000;

/** Secrets the gateway's pods read, by role. */
export interface GatewaySecretNames {
  /** Master and salt keys. */
  keys: string;
  /** Postgres admin and application passwords. */
  postgres: string;
  redis: string;
  /** Provider credentials (written by External Secrets). */
  providers: string;
}

export interface GatewaySpecArgs {
  namespace: pulumi.Input<string>;
  /** Deployment/Service name, and the ConfigMap holding config.yaml. */
  name: string;
  configMap: string;
  instance: string;
  image: string;
  replicas: number;
  resources: ComputeResources;
  secrets: GatewaySecretNames;
  /** Host names of the Postgres and Redis Services. */
  postgresHost: string;
  /** Hash of config.yaml and the limits hook: a change rolls the pods (LiteLLM reads them only at start). */
  configHash: string;
  /** Digest of every generated secret the pods read: a rotation rolls them. */
  secretHash: pulumi.Input<string>;
  /** Env vars of provider credentials, each from the provider Secret. */
  providerEnv: string[];
  /** Further credentials the gateway generated or was given (e.g. a workstation's API key): the Secret and its keys, each an env var. */
  extraEnv?: { secret: string; names: string[] };
  limits: RequestLimits;
  /** Origins LiteLLM answers CORS for; [] none (the edge in front answers CORS). */
  corsOrigins: string[];
}

/** The database URL; Kubernetes expands $(POSTGRES_PASSWORD) from the variable before it: the password never appears in the spec. */
function databaseEnv(a: Pick<GatewaySpecArgs, "secrets" | "postgresHost">): EnvVar[] {
  return [
    fromSecret("POSTGRES_PASSWORD", a.secrets.postgres, POSTGRES_SECRET_KEYS.app),
    { name: "DATABASE_URL", value: `postgresql://${DATABASE.appRole}:$(POSTGRES_PASSWORD)@${a.postgresHost}:${POSTGRES_PORT}/${DATABASE.name}` },
  ];
}

/** Env the proxy needs: master/salt keys, the database URL, the Redis password, provider keys, the request caps. */
export function litellmEnv(a: GatewaySpecArgs): EnvVar[] {
  return [
    fromSecret("LITELLM_MASTER_KEY", a.secrets.keys, "master-key"),
    fromSecret("LITELLM_SALT_KEY", a.secrets.keys, "salt-key"),
    ...databaseEnv(a),
    fromSecret("REDIS_PASSWORD", a.secrets.redis, "password"),
    ...a.providerEnv.map((name) => fromSecret(name, a.secrets.providers, name)),
    ...(a.extraEnv?.names ?? []).map((name) => fromSecret(name, a.extraEnv!.secret, name)),
    limitsEnv(a.limits),
    ...corsEnv(a.corsOrigins),
  ];
}

/**
 * LiteLLM's own CORS (BerriAI/litellm#18265): proxy_server reads these at start, environment before
 * config; an explicitly empty origin list stays empty (no origin allowed), where unset means every
 * origin with credentials. Behind an edge that answers CORS, LiteLLM must answer none: NGINX Gateway
 * Fabric adds its headers with `add_header`, so a second Access-Control-Allow-Origin from LiteLLM would
 * make browsers refuse the answer, and a preflight ingress-nginx passes on (unlisted origin) must not be
 * allowed behind its back.
 */
export function corsEnv(origins: string[]): EnvVar[] {
  return [
    { name: "LITELLM_CORS_ALLOW_ORIGINS", value: origins.join(",") },
    { name: "LITELLM_CORS_ALLOW_CREDENTIALS", value: "false" },
  ];
}

/** A writable HOME and /tmp (read-only root filesystem); Python writes no bytecode next to the read-only config. */
const RUNTIME_ENV: EnvVar[] = [
  { name: "HOME", value: "/tmp" },
  { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
];

function litellmContainer(a: GatewaySpecArgs, container: k8s.types.input.core.v1.Container): k8s.types.input.core.v1.Container {
  return {
    ...container,
    image: a.image,
    imagePullPolicy: "IfNotPresent",
    securityContext: hardenedContainer(),
    volumeMounts: [
      { name: "config", mountPath: "/app/config", readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
    ],
  };
}

function litellmVolumes(a: GatewaySpecArgs): k8s.types.input.core.v1.Volume[] {
  return [
    {
      name: "config",
      configMap: {
        name: a.configMap,
        items: [
          { key: "config.yaml", path: "config.yaml" },
          { key: LIMITS_MODULE_FILE, path: LIMITS_MODULE_FILE },
        ],
      },
    },
    { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
  ];
}

export function litellmDeploymentSpec(a: GatewaySpecArgs): k8s.apps.v1.DeploymentArgs {
  const labels = standardLabels("litellm", a.instance, "gateway", imageVersion(a.image));
  const probe = (path: string, failureThreshold: number) => ({ httpGet: { path, port: "http" }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold });
  return {
    metadata: { name: a.name, namespace: a.namespace, labels },
    spec: {
      replicas: a.replicas,
      selector: { matchLabels: selectorLabels("litellm", a.instance) },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations: { "llm-platform.io/config-hash": a.configHash, [SECRET_HASH_ANNOTATION]: a.secretHash } },
        spec: {
          ...hardenedPod(LITELLM_UID),
          containers: [
            litellmContainer(a, {
              name: "litellm",
              args: ["--config", "/app/config/config.yaml", "--port", String(LITELLM_PORT)],
              ports: [{ name: "http", containerPort: LITELLM_PORT, protocol: "TCP" }],
              // Schema changes run once in the migration Job, never racing across replicas or rollouts.
              env: [{ name: "DISABLE_SCHEMA_UPDATE", value: "true" }, ...RUNTIME_ENV, ...litellmEnv(a)],
              resources: resourcesOf(a.resources),
              startupProbe: probe("/health/liveliness", 30),
              readinessProbe: probe("/health/readiness", 3),
              livenessProbe: probe("/health/liveliness", 6),
            }),
          ],
          volumes: litellmVolumes(a),
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: selectorLabels("litellm", a.instance) },
            },
          ],
        },
      },
    },
  };
}

/** Job name per LiteLLM release: an upgrade creates a new Job, which must finish before the Deployment changes. */
export function migrationJobName(name: string, image: string): string {
  return `${name}-migrate-${(imageVersion(image) ?? "pinned").toLowerCase().replace(/[^a-z0-9-]/g, "-")}`.slice(0, 63).replace(/-+$/, "");
}

/**
 * The migration Job: LiteLLM applies its Prisma migrations in an init container (with only the database
 * URL: no master, salt or Redis secret), then a Postgres client checks that the schema really exists.
 */
export function migrationJobSpec(a: GatewaySpecArgs & { postgresImage: string }): k8s.batch.v1.JobArgs {
  return {
    metadata: {
      name: migrationJobName(a.name, a.image),
      namespace: a.namespace,
      labels: standardLabels("litellm-migrate", a.instance, "gateway", imageVersion(a.image)),
      annotations: JOB_ANNOTATIONS,
    },
    spec: {
      backoffLimit: 3,
      template: {
        metadata: { labels: selectorLabels("litellm-migrate", a.instance) },
        spec: {
          restartPolicy: "OnFailure",
          ...hardenedPod(LITELLM_UID),
          initContainers: [
            litellmContainer(a, {
              name: "migrate",
              command: ["litellm", "--skip_server_startup", "--config", "/app/config/config.yaml"],
              env: [{ name: "DISABLE_SCHEMA_UPDATE", value: "false" }, ...RUNTIME_ENV, ...databaseEnv(a)],
              resources: resourcesOf(a.resources),
            }),
          ],
          containers: [
            {
              ...schemaCheckContainer({ image: a.postgresImage, host: a.postgresHost, secretName: a.secrets.postgres }),
              securityContext: { ...hardenedContainer(), runAsUser: 999, runAsGroup: 999 },
            },
          ],
          volumes: litellmVolumes(a),
        },
      },
    },
  };
}

export function litellmServiceSpec(namespace: pulumi.Input<string>, name: string, instance: string): k8s.core.v1.ServiceArgs {
  return {
    metadata: { name, namespace, labels: standardLabels("litellm", instance, "gateway") },
    spec: {
      type: "ClusterIP",
      selector: selectorLabels("litellm", instance),
      ports: [{ name: "http", port: LITELLM_PORT, targetPort: "http", protocol: "TCP" }],
    },
  };
}
