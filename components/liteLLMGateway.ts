import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import type { GatewayConfig } from "../config/gatewaySchema";
import { headlessServiceSpec, postgresStatefulSetSpec, redisDeploymentSpec, serviceSpec } from "./specs/gatewayData";
import { clientsJobSpec } from "./specs/gatewayClients";
import { GATEWAY_SECRETS, LITELLM_PORT, POSTGRES_PORT, REDIS_PORT, litellmDeploymentSpec, litellmServiceSpec, migrationJobSpec } from "./specs/gatewayWorkloads";
import { pdbSpec } from "./specs/k8s";
import { litellmConfig, type GatewayModel } from "./specs/litellmConfig";
import { selectorLabels } from "./specs/labels";
import { applyOverride, type Overrides } from "./specs/merge";
import { volumeClaimSpec, type BackupTier } from "./specs/storage";

export interface LiteLLMGatewayArgs {
  namespace: string;
  settings: GatewayConfig;
  models: GatewayModel[];
  /** Env var names of provider credentials in the `llm-provider-keys` Secret (filled by External Secrets). */
  providerEnv: string[];
  database: { storageClass?: string; backupTier: BackupTier; backupTierLabel: string; protect: boolean };
  /** Image of the client-keys Job: sh and curl. */
  curlImage: string;
  overrides?: Overrides<{
    config: k8s.core.v1.ConfigMapArgs;
    deployment: k8s.apps.v1.DeploymentArgs;
    service: k8s.core.v1.ServiceArgs;
    migrationJob: k8s.batch.v1.JobArgs;
    postgres: k8s.apps.v1.StatefulSetArgs;
    redis: k8s.apps.v1.DeploymentArgs;
  }>;
}

/**
 * The OpenAI-compatible gateway in front of every model (seeds 001, 002): LiteLLM with its generated
 * config, Postgres for virtual keys and spend, Redis for limits shared by replicas, a migration Job
 * that runs once per release, generated master and salt keys, and per-client virtual keys.
 */
export class LiteLLMGateway extends pulumi.ComponentResource {
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly service: k8s.core.v1.Service;
  /** In-cluster OpenAI-compatible base URL. */
  public readonly url: string;
  public readonly masterKey: pulumi.Output<string>;

  constructor(name: string, args: LiteLLMGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:gateway:LiteLLMGateway", name, {}, opts);
    const ns = args.namespace;
    const s = args.settings;
    const child = { parent: this };

    const password = (role: string, length: number) => new random.RandomPassword(`${name}-${role}`, { length, special: false }, child);
    const master = password("master-key", 48);
    const salt = password("salt-key", 48);
    const pg = password("postgres-password", 32);
    const redisPassword = password("redis-password", 32);
    this.masterKey = pulumi.secret(pulumi.interpolate`sk-${master.result}`);
    const secret = (role: string, secretName: string, data: Record<string, pulumi.Input<string>>) =>
      new k8s.core.v1.Secret(`${name}-${role}`, { metadata: { name: secretName, namespace: ns }, type: "Opaque", stringData: data }, child);
    // The salt key encrypts credentials stored in the database: generated once, never rotated.
    const keys = secret("keys", GATEWAY_SECRETS.keys, { "master-key": this.masterKey, "salt-key": salt.result });
    const pgSecret = secret("postgres-secret", GATEWAY_SECRETS.postgres, { password: pg.result });
    const redisSecret = secret("redis-secret", GATEWAY_SECRETS.redis, { password: redisPassword.result });

    const pvcOpts = { ...child, protect: args.database.protect, retainOnDelete: args.database.protect };
    const claim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-postgres-data`,
      volumeClaimSpec({
        name: "litellm-postgres-data",
        namespace: ns,
        size: String(s.postgres.storage),
        storageClass: s.postgres.storageClass ?? args.database.storageClass,
        accessMode: "ReadWriteOnce",
        backupTier: args.database.backupTier,
        backupTierLabel: args.database.backupTierLabel,
      }),
      pvcOpts,
    );
    const postgres = new k8s.apps.v1.StatefulSet(
      `${name}-postgres`,
      applyOverride(args.overrides, "postgres", postgresStatefulSetSpec({ namespace: ns, image: s.postgres.image, resources: s.postgres.resources, claimName: "litellm-postgres-data" })),
      { ...pvcOpts, dependsOn: [claim, pgSecret] },
    );
    const pgService = new k8s.core.v1.Service(`${name}-postgres-service`, headlessServiceSpec(ns, "litellm-postgres", selectorLabels("postgres", "litellm"), POSTGRES_PORT), child);
    const redis = new k8s.apps.v1.Deployment(`${name}-redis`, applyOverride(args.overrides, "redis", redisDeploymentSpec(ns, s.redis.image, s.redis.resources)), { ...child, dependsOn: [redisSecret] });
    const redisService = new k8s.core.v1.Service(`${name}-redis-service`, serviceSpec(ns, "litellm-redis", selectorLabels("redis", "litellm"), REDIS_PORT), child);

    const configYaml = stringify(
      litellmConfig({
        models: args.models,
        numRetries: s.numRetries,
        timeoutSeconds: s.timeoutSeconds,
        fallbacks: s.fallbacks,
        contextWindowFallbacks: s.contextWindowFallbacks,
        redis: { host: "litellm-redis", port: REDIS_PORT },
      }),
      { lineWidth: 0 },
    );
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      applyOverride(args.overrides, "config", { metadata: { name: "litellm-config", namespace: ns }, data: { "config.yaml": configYaml } }),
      child,
    );
    const spec = {
      namespace: ns,
      image: s.image,
      replicas: s.replicas,
      resources: s.resources,
      configHash: createHash("sha256").update(configYaml).digest("hex").slice(0, 16),
      providerEnv: args.providerEnv,
    };
    const migrate = new k8s.batch.v1.Job(`${name}-migrate`, applyOverride(args.overrides, "migrationJob", migrationJobSpec(spec)), {
      ...child,
      dependsOn: [postgres, pgService, keys, config],
    });
    this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, applyOverride(args.overrides, "deployment", litellmDeploymentSpec(spec)), {
      ...child,
      dependsOn: [migrate, redis, redisService, config, keys],
    });
    this.service = new k8s.core.v1.Service(`${name}-service`, applyOverride(args.overrides, "service", litellmServiceSpec(ns)), child);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, pdbSpec(ns, "litellm", selectorLabels("litellm", "gateway")), child);

    if (Object.keys(s.clients).length > 0) {
      const clients = clientsJobSpec(ns, s.clients, args.curlImage);
      const clientsConfig = new k8s.core.v1.ConfigMap(`${name}-clients`, clients.configMap, child);
      new k8s.batch.v1.Job(`${name}-clients-job`, clients.job, { ...child, dependsOn: [this.deployment, this.service, clientsConfig] });
    }

    this.url = `http://litellm.${ns}.svc.cluster.local:${LITELLM_PORT}/v1`;
    this.registerOutputs({ url: this.url, service: this.service.metadata.name, masterKey: this.masterKey });
  }
}
