import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import { contentHash, secretHash } from "./specs/gatewayCrypto";
import { METRICS_READER, METRICS_READER_CLIENT, clientsJobSpec, clientsConfigData, type GatewayClient } from "./specs/gatewayClients";
import {
  POSTGRES_PORT,
  POSTGRES_SECRET_KEYS,
  REDIS_PORT,
  postgresBackupCronJobSpec,
  postgresSetupJobSpec,
  postgresStatefulSetSpec,
  redisConf,
  redisDeploymentSpec,
  serviceSpec,
} from "./specs/gatewayData";
import { LIMITS_MODULE, LIMITS_MODULE_FILE } from "./specs/gatewayLimits";
import { liteLLMGatewayNames } from "./specs/gatewayNames";
import { LITELLM_PORT, litellmDeploymentSpec, litellmServiceSpec, migrationJobSpec } from "./specs/gatewayWorkloads";
import { selectorLabels } from "./specs/labels";
import { litellmConfig, type GatewayModel } from "./specs/litellmConfig";
import { withOverride, type ChildOverride } from "./specs/merge";
import { BackupTier, volumeClaimSpec } from "./specs/storage";
import type { ResourceQuantities, S3BucketArgs, VolumeArgs } from "./specs/gatewayArgs";

export { ModelMode } from "./specs/litellmConfig";
export type { GatewayModel } from "./specs/litellmConfig";
export type { GatewayClient } from "./specs/gatewayClients";
export { BackupTier } from "./specs/storage";
export type { ResourceQuantities, S3BucketArgs, VolumeArgs } from "./specs/gatewayArgs";

/**
 * The first release whose images run Prisma migrations offline as any UID: the root images since v1.93.0
 * (BerriAI/litellm#33853), the non_root image since v1.93.1 (#34325): see docs/gateway.md.
 */
export const DEFAULT_LITELLM_IMAGE = "ghcr.io/berriai/litellm:v1.93.1";

export interface GatewayPostgresArgs {
  /** Default postgres:17.6. */
  image?: string;
  resources?: ResourceQuantities;
  /** The data volume (protected and retained with the component's settings). */
  storage: VolumeArgs;
}

/** Logical backups (pg_dump): to a volume only the backup Job mounts, or to an S3-compatible bucket. */
export interface GatewayBackupArgs {
  /** Cron schedule; default "30 2 * * *". */
  schedule?: string;
  /** Dumps kept on the volume; default 14. */
  retain?: number;
  volume?: VolumeArgs;
  s3?: S3BucketArgs;
}

export interface GatewayRedisArgs {
  /** Default redis:7.4.6. */
  image?: string;
  resources?: ResourceQuantities;
}

/** Caps on every request (the gateway's limits hook). */
export interface GatewayRequestLimits {
  /** Largest max_tokens; requests without one get it. Default 4096. */
  maxTokens?: number;
  /** Largest n / best_of. Default 1. */
  maxN?: number;
  /** Largest prompt or input, in MiB. Default 8. */
  maxRequestSizeMiB?: number;
}

/** Raise a number by one to rotate that credential. The salt key is never rotated. */
export interface GatewayRotation {
  masterKey?: number;
  postgresPassword?: number;
  postgresAdminPassword?: number;
  redisPassword?: number;
  /** Per client: raise to issue the client a new key (the old one is revoked). */
  clients?: { [client: string]: number };
  /** The /metrics reader's key (with `metrics`). */
  metricsKey?: number;
}

/** Per-child escape hatches, deep-merged into each child's args last. */
export interface LiteLLMGatewayOverrides {
  config?: ChildOverride;
  deployment?: ChildOverride;
  service?: ChildOverride;
  migrationJob?: ChildOverride;
  postgres?: ChildOverride;
  postgresVolume?: ChildOverride;
  postgresSetupJob?: ChildOverride;
  redis?: ChildOverride;
  clientsJob?: ChildOverride;
  backupCronJob?: ChildOverride;
  backupVolume?: ChildOverride;
}

/** CPU-driven horizontal scaling of the proxy (it is stateless: limits and spend live in Redis and Postgres). */
export interface GatewayAutoscaling {
  minReplicas: number;
  maxReplicas: number;
  /** Average CPU utilization (of requests) the autoscaler keeps; default 70. */
  targetCpuUtilizationPercent?: number;
}

/**
 * The gateway's HorizontalPodAutoscaler (autoscaling/v2): CPU utilization of the pods' requests, from
 * minReplicas to maxReplicas; scale-down waits 5 minutes (the default stabilization) so a burst does
 * not flap. The PDB (maxUnavailable 1) keeps at least minReplicas − 1 serving through node drains.
 */
export function gatewayAutoscalerSpec(
  namespace: pulumi.Input<string>,
  deployment: string,
  a: GatewayAutoscaling,
): k8s.autoscaling.v2.HorizontalPodAutoscalerArgs {
  return {
    metadata: { name: deployment, namespace },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: a.targetCpuUtilizationPercent ?? 70 } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  };
}

export interface LiteLLMGatewayArgs {
  namespace: pulumi.Input<string>;
  /** Default ghcr.io/berriai/litellm:v1.93.1 (runs its Prisma migrations offline as any UID). */
  image?: string;
  /** Default 2. */
  replicas?: number;
  /** A HorizontalPodAutoscaler (autoscaling/v2, CPU) owns the replica count; `replicas` is then the count at creation. */
  autoscaling?: GatewayAutoscaling;
  resources?: ResourceQuantities;
  /** LiteLLM's model list. */
  models: GatewayModel[];
  /** Default 2. */
  numRetries?: number;
  /** Default 600. */
  timeoutSeconds?: number;
  /** model → models to try when it fails. */
  fallbacks?: { [model: string]: string[] };
  /** model → models with a longer context, for prompts that do not fit. */
  contextWindowFallbacks?: { [model: string]: string[] };
  limits?: GatewayRequestLimits;
  /** Virtual keys, one per client, generated here and kept in a Secret per client. */
  clients?: { [name: string]: GatewayClient };
  /** Env var names of provider credentials, each a key of the provider Secret. */
  providerEnv?: string[];
  /** The provider Secret (written by External Secrets); default `<component>-provider-keys`. */
  providerSecretName?: string;
  /**
   * Further credentials the providers read as `os.environ/<NAME>` (e.g. a dev workstation's vLLM API
   * key), kept in a Secret of the gateway's (`<component>-litellm-env`) and passed as env vars.
   */
  extraSecretEnv?: { [name: string]: pulumi.Input<string> };
  /**
   * Serve LiteLLM's Prometheus metrics (its `prometheus` callback, open source since v1.80) on /metrics,
   * and make a key that may call /metrics and nothing else, for the scraper: Secret
   * `<component>-litellm-metrics`, key `key` (alias `metrics-reader`). Default off.
   */
  metrics?: boolean;
  /**
   * Browser origins LiteLLM itself answers CORS for; default none, for an edge in front that answers
   * CORS (two answers would make browsers refuse both). LiteLLM's own default, when unset, is every origin.
   */
  corsOrigins?: string[];
  postgres: GatewayPostgresArgs;
  backups?: GatewayBackupArgs;
  redis?: GatewayRedisArgs;
  /** sh + curl image of the S3 upload; default curlimages/curl:8.16.0. */
  curlImage?: string;
  /** Label the backup system selects volumes by; default backup-tier. */
  backupTierLabel?: string;
  rotation?: GatewayRotation;
  /** protect the data volume, the StatefulSet and the credentials that own or encrypt data. */
  protect?: boolean;
  /** retainOnDelete on the same resources. */
  retainOnDelete?: boolean;
  overrides?: LiteLLMGatewayOverrides;
}

const keepers = (rotation: number | undefined) => (rotation ? { keepers: { rotation: String(rotation) } } : {});

/**
 * The OpenAI-compatible gateway in front of every model (seeds 001, 002): LiteLLM with its generated
 * config and request caps, Postgres (a non-superuser application role) for virtual keys and spend,
 * logical backups shipped off the database's volume, Redis for limits shared by replicas, a migration
 * Job per release that fails on an incomplete schema, generated master and salt keys, and one virtual
 * key per client, generated here and reconciled by a Job (removed clients are revoked). Pods restart
 * when the generated secrets they read change. Kubernetes names derive from the component's name.
 */
export class LiteLLMGateway extends pulumi.ComponentResource {
  /** In-cluster OpenAI-compatible base URL. */
  public readonly url: pulumi.Output<string>;
  /** The proxy's Service (the edge routes here). */
  public readonly serviceName: pulumi.Output<string>;
  public readonly deploymentName: pulumi.Output<string>;
  /** The admin (master) key: never hand it to a client. */
  public readonly masterKey: pulumi.Output<string>;
  /** Each client's virtual key. */
  public readonly clientKeys: pulumi.Output<{ [client: string]: string }>;
  /** The Secret holding each client's key (key `key`). */
  public readonly clientKeySecrets: pulumi.Output<{ [client: string]: string }>;
  /** The Secret the provider credentials must be written to. */
  public readonly providerSecretName: pulumi.Output<string>;
  /** The Postgres Service. */
  public readonly databaseServiceName: pulumi.Output<string>;

  constructor(name: string, args: LiteLLMGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:index:LiteLLMGateway", name, {}, { ...opts, aliases: [{ type: "llm-platform:gateway:LiteLLMGateway" }, ...(opts?.aliases ?? [])] });
    const ns = args.namespace;
    const names = liteLLMGatewayNames(name);
    const child = { parent: this };
    const keep = { ...child, protect: args.protect ?? false, retainOnDelete: args.retainOnDelete ?? false };
    const rotation = args.rotation ?? {};
    const clients = args.clients ?? {};
    const image = args.image ?? DEFAULT_LITELLM_IMAGE;
    const postgresImage = args.postgres.image ?? "postgres:17.6";
    const tierLabel = args.backupTierLabel ?? "backup-tier";
    const providerSecret = args.providerSecretName ?? names.providerKeys;
    const tooLong = [names.litellm, names.postgresBackups, `${names.litellm}-clients-00000000`, ...Object.keys(clients).map(names.clientKey)].filter(
      (n) => n.length > 63,
    );
    if (tooLong.length > 0)
      throw new Error(`LiteLLMGateway ${name}: Kubernetes names longer than 63 characters (${tooLong.join(", ")}); use a shorter component or client name`);
    if (METRICS_READER in clients)
      throw new Error(`LiteLLMGateway ${name}: the client name "${METRICS_READER}" is the /metrics reader's key alias; name the client otherwise`);

    const password = (role: string, length: number, rotate: number | undefined, opts: pulumi.CustomResourceOptions) =>
      new random.RandomPassword(`${name}-${role}`, { length, special: false, ...keepers(rotate) }, opts);
    const master = password("master-key", 48, rotation.masterKey, child);
    // The salt key encrypts credentials LiteLLM stores in its database: generated once, never rotated, kept with the data.
    const salt = password("salt-key", 48, undefined, keep);
    const adminPassword = password("postgres-password", 32, rotation.postgresAdminPassword, keep);
    const appPassword = password("postgres-app-password", 32, rotation.postgresPassword, keep);
    const redisPassword = password("redis-password", 32, rotation.redisPassword, child);
    this.masterKey = pulumi.secret(pulumi.interpolate`sk-${master.result}`);
    const saltKey = pulumi.secret(salt.result);
    const admin = pulumi.secret(adminPassword.result);
    const app = pulumi.secret(appPassword.result);
    const redisPw = pulumi.secret(redisPassword.result);

    const secret = (role: string, secretName: string, data: Record<string, pulumi.Input<string>>, opts: pulumi.CustomResourceOptions = child) =>
      new k8s.core.v1.Secret(`${name}-${role}`, { metadata: { name: secretName, namespace: ns }, type: "Opaque", stringData: data }, opts);
    const keysSecret = secret("keys", names.keys, { "master-key": this.masterKey, "salt-key": saltKey }, keep);
    const pgSecret = secret("postgres-secret", names.postgres, { [POSTGRES_SECRET_KEYS.admin]: admin, [POSTGRES_SECRET_KEYS.app]: app }, keep);
    const redisSecret = secret("redis-secret", names.redis, { password: redisPw, "redis.conf": pulumi.secret(redisPw.apply(redisConf)) });

    const clientKeys: Record<string, pulumi.Output<string>> = {};
    const clientSecrets: k8s.core.v1.Secret[] = [];
    for (const client of Object.keys(clients).sort()) {
      const key = password(`client-${client}`, 48, rotation.clients?.[client], child);
      clientKeys[client] = pulumi.secret(pulumi.interpolate`sk-${key.result}`);
      clientSecrets.push(secret(`client-${client}`, names.clientKey(client), { key: clientKeys[client]! }));
    }
    // The scraper's key: /metrics only (allowed_routes), reconciled by the clients Job like any client's.
    const metricsKey = args.metrics ? pulumi.secret(pulumi.interpolate`sk-${password("metrics-key", 48, rotation.metricsKey, child).result}`) : undefined;
    const metricsSecret = metricsKey ? secret("metrics-key", names.metricsKey, { key: metricsKey }) : undefined;
    const extraEnvNames = Object.keys(args.extraSecretEnv ?? {}).sort();
    const extraEnv = Object.fromEntries(extraEnvNames.map((n) => [n, pulumi.secret(args.extraSecretEnv![n]!)]));
    const extraSecret = extraEnvNames.length > 0 ? secret("extra-env", `${names.litellm}-env`, extraEnv) : undefined;
    // One-way digests keyed with the salt key: safe in pod templates, and they change with every rotation.
    const digest = (values: Record<string, pulumi.Input<string>>) =>
      pulumi.unsecret(pulumi.all([saltKey, pulumi.all(values)]).apply(([s, v]) => secretHash(s, v as Record<string, string>)));

    // Postgres: data volume, the database, the application role, logical backups.
    const claim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-postgres-data`,
      withOverride(
        volumeClaimSpec({
          name: names.postgresData,
          namespace: ns,
          size: args.postgres.storage.size,
          storageClass: args.postgres.storage.storageClass,
          accessMode: "ReadWriteOnce",
          backupTier: args.postgres.storage.backupTier ?? BackupTier.Gfs,
          backupTierLabel: tierLabel,
          labels: selectorLabels("postgres", name),
        }),
        args.overrides?.postgresVolume,
      ),
      keep,
    );
    const postgres = new k8s.apps.v1.StatefulSet(
      `${name}-postgres`,
      withOverride(
        postgresStatefulSetSpec({
          namespace: ns,
          name: names.postgres,
          instance: name,
          image: postgresImage,
          resources: args.postgres.resources ?? { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
          claimName: names.postgresData,
          secretName: names.postgres,
          secretHash: digest({ admin }),
        }),
        args.overrides?.postgres,
      ),
      { ...keep, dependsOn: [claim, pgSecret] },
    );
    const pgService = new k8s.core.v1.Service(
      `${name}-postgres-service`,
      serviceSpec(ns, names.postgres, selectorLabels("postgres", name), POSTGRES_PORT),
      child,
    );
    const setupName = pulumi.unsecret(
      pulumi.all([saltKey, admin, app]).apply(([s, a, p]) => `${names.postgres}-setup-${secretHash(s, { admin: a, app: p }).slice(0, 8)}`),
    );
    const setup = new k8s.batch.v1.Job(
      `${name}-postgres-setup`,
      withOverride(
        postgresSetupJobSpec({ namespace: ns, name: setupName, instance: name, image: postgresImage, host: names.postgres, secretName: names.postgres }),
        args.overrides?.postgresSetupJob,
      ),
      { ...child, dependsOn: [postgres, pgService, pgSecret] },
    );

    const redis = new k8s.apps.v1.Deployment(
      `${name}-redis`,
      withOverride(
        redisDeploymentSpec({
          namespace: ns,
          name: names.redis,
          instance: name,
          image: args.redis?.image ?? "redis:7.4.6",
          resources: args.redis?.resources ?? { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          secretName: names.redis,
          secretHash: digest({ redis: redisPw }),
        }),
        args.overrides?.redis,
      ),
      { ...child, dependsOn: [redisSecret] },
    );
    const redisService = new k8s.core.v1.Service(`${name}-redis-service`, serviceSpec(ns, names.redis, selectorLabels("redis", name), REDIS_PORT), child);

    const configYaml = stringify(
      litellmConfig({
        models: args.models,
        numRetries: args.numRetries ?? 2,
        timeoutSeconds: args.timeoutSeconds ?? 600,
        fallbacks: args.fallbacks ?? {},
        contextWindowFallbacks: args.contextWindowFallbacks ?? {},
        redis: { host: names.redis, port: REDIS_PORT },
        metrics: args.metrics ?? false,
      }),
      { lineWidth: 0 },
    );
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      withOverride(
        { metadata: { name: names.config, namespace: ns }, data: { "config.yaml": configYaml, [LIMITS_MODULE_FILE]: LIMITS_MODULE } },
        args.overrides?.config,
      ),
      child,
    );
    const limits = {
      maxTokens: args.limits?.maxTokens ?? 4096,
      maxN: args.limits?.maxN ?? 1,
      maxRequestBytes: Math.round((args.limits?.maxRequestSizeMiB ?? 8) * 1024 * 1024),
    };
    const spec = {
      namespace: ns,
      name: names.litellm,
      configMap: names.config,
      instance: name,
      image,
      replicas: args.replicas ?? 2,
      resources: args.resources ?? { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
      secrets: { keys: names.keys, postgres: names.postgres, redis: names.redis, providers: providerSecret },
      postgresHost: names.postgres,
      configHash: contentHash(configYaml + LIMITS_MODULE + JSON.stringify(limits), 16),
      secretHash: digest({ master: this.masterKey, salt: saltKey, app, redis: redisPw, ...extraEnv }),
      providerEnv: args.providerEnv ?? [],
      extraEnv: extraSecret ? { secret: `${names.litellm}-env`, names: extraEnvNames } : undefined,
      limits,
      corsOrigins: args.corsOrigins ?? [],
    };
    const migrate = new k8s.batch.v1.Job(`${name}-migrate`, withOverride(migrationJobSpec({ ...spec, postgresImage }), args.overrides?.migrationJob), {
      ...child,
      dependsOn: [setup, config],
    });
    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      withOverride(litellmDeploymentSpec(args.autoscaling ? { ...spec, replicas: args.autoscaling.minReplicas } : spec), args.overrides?.deployment),
      {
        ...child,
        // The autoscaler owns the replica count once it runs: Pulumi sets it at creation only.
        ...(args.autoscaling ? { ignoreChanges: ["spec.replicas"] } : {}),
        // After the setup Job: a rotated database password is set before the pods that use it restart.
        dependsOn: [setup, migrate, redis, redisService, config, keysSecret, ...(extraSecret ? [extraSecret] : [])],
      },
    );
    const service = new k8s.core.v1.Service(`${name}-service`, withOverride(litellmServiceSpec(ns, names.litellm, name), args.overrides?.service), child);
    if (args.autoscaling) {
      new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, gatewayAutoscalerSpec(ns, names.litellm, args.autoscaling), {
        ...child,
        dependsOn: [deployment],
      });
    }
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      { metadata: { name: names.litellm, namespace: ns }, spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels("litellm", name) } } },
      child,
    );

    // Virtual keys: reconciled on every change of a client, its limits or its key; removed clients are revoked.
    const managed: { [client: string]: GatewayClient } = { ...clients, ...(metricsKey ? { [METRICS_READER]: METRICS_READER_CLIENT } : {}) };
    const managedKeys: Record<string, pulumi.Output<string>> = { ...clientKeys, ...(metricsKey ? { [METRICS_READER]: metricsKey } : {}) };
    const clientsHash = contentHash(JSON.stringify(clientsConfigData(managed)));
    const jobName = pulumi.unsecret(
      pulumi
        .all([saltKey, pulumi.all(managedKeys)])
        .apply(([s, k]) => `${names.litellm}-clients-${contentHash(clientsHash + secretHash(s, k as Record<string, string>), 8)}`),
    );
    const job = clientsJobSpec({
      namespace: ns,
      name: jobName,
      instance: name,
      image,
      clients: managed,
      keySecrets: {
        ...Object.fromEntries(Object.keys(clientKeys).map((c) => [c, names.clientKey(c)])),
        ...(metricsKey ? { [METRICS_READER]: names.metricsKey } : {}),
      },
      keysSecret: names.keys,
      gatewayUrl: `http://${names.litellm}:${LITELLM_PORT}`,
    });
    const clientsConfig = new k8s.core.v1.ConfigMap(`${name}-clients`, job.configMap, child);
    new k8s.batch.v1.Job(`${name}-clients-job`, withOverride(job.job, args.overrides?.clientsJob), {
      ...child,
      dependsOn: [deployment, service, clientsConfig, ...clientSecrets, ...(metricsSecret ? [metricsSecret] : [])],
    });

    if (args.backups) {
      const b = args.backups;
      let backupClaim: string | undefined;
      const dependsOn: pulumi.Resource[] = [setup];
      if (!b.s3) {
        backupClaim = names.postgresBackups;
        const volume = b.volume ?? { size: "10Gi" };
        dependsOn.push(
          new k8s.core.v1.PersistentVolumeClaim(
            `${name}-postgres-backups`,
            withOverride(
              volumeClaimSpec({
                name: backupClaim,
                namespace: ns,
                size: volume.size,
                storageClass: volume.storageClass,
                accessMode: "ReadWriteOnce",
                backupTier: volume.backupTier ?? BackupTier.Daily,
                backupTierLabel: tierLabel,
              }),
              args.overrides?.backupVolume,
            ),
            keep,
          ),
        );
      }
      new k8s.batch.v1.CronJob(
        `${name}-postgres-backup`,
        withOverride(
          postgresBackupCronJobSpec({
            namespace: ns,
            name: `${names.postgres}-backup`,
            instance: name,
            image: postgresImage,
            curlImage: args.curlImage ?? "curlimages/curl:8.16.0",
            host: names.postgres,
            secretName: names.postgres,
            schedule: b.schedule ?? "30 2 * * *",
            retain: b.retain ?? 14,
            claimName: backupClaim,
            s3: b.s3
              ? {
                  endpoint: b.s3.endpoint,
                  bucket: b.s3.bucket,
                  region: b.s3.region ?? "us-east-1",
                  prefix: b.s3.prefix ?? "",
                  credentialsSecret: b.s3.credentialsSecret,
                }
              : undefined,
          }),
          args.overrides?.backupCronJob,
        ),
        { ...child, dependsOn },
      );
    }

    this.url = pulumi.interpolate`http://${names.litellm}.${ns}.svc.cluster.local:${LITELLM_PORT}/v1`;
    this.serviceName = service.metadata.name;
    this.deploymentName = deployment.metadata.name;
    this.clientKeys = pulumi.secret(pulumi.all(clientKeys));
    this.clientKeySecrets = pulumi.output(Object.fromEntries(Object.keys(clientKeys).map((c) => [c, names.clientKey(c)])));
    this.providerSecretName = pulumi.output(providerSecret);
    this.databaseServiceName = pgService.metadata.name;
    this.registerOutputs({
      url: this.url,
      serviceName: this.serviceName,
      deploymentName: this.deploymentName,
      masterKey: this.masterKey,
      clientKeys: this.clientKeys,
      clientKeySecrets: this.clientKeySecrets,
      providerSecretName: this.providerSecretName,
      databaseServiceName: this.databaseServiceName,
    });
  }
}
