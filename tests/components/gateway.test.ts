import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { LiteLLMGateway } from "../../components/liteLLMGateway";
import { LIMITS_CALLBACK, LIMITS_MODULE, LIMITS_MODULE_FILE } from "../../components/specs/gatewayLimits";
import { SCHEMA_CHECK_SCRIPT } from "../../components/specs/gatewayData";
import { ConfigError, parsePlatformConfig } from "../../config/load";
import { gatewayModels } from "../../platform/gateway";
import { planServers } from "../../platform/servers";
import { isSecretValue, kubernetesNames, renderComponents, unwrap, valueOf, type Rendering } from "../fixtures/components";
import { WORKLOADS, envOf, expectedHash, gatewayArgs, generated, podOf } from "../fixtures/gatewayComponents";
import { planStack, type StackPlan } from "../fixtures/plans";
import { stackConfig, variant } from "../fixtures/stacks";

const SECRET = "kubernetes:core/v1:Secret";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
const JOB = "kubernetes:batch/v1:Job";
const CRONJOB = "kubernetes:batch/v1:CronJob";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const COMPONENT = "llm-platform:index:LiteLLMGateway";

describe("LiteLLMGateway component", () => {
  let r: Rendering;
  let gw: LiteLLMGateway;
  before(async () => {
    r = await renderComponents(() => {
      const g = new LiteLLMGateway(
        "gw",
        gatewayArgs({ protect: true, retainOnDelete: false, overrides: { deployment: { spec: { revisionHistoryLimit: 3 } } } }),
      );
      // A second instance in the same namespace: every Kubernetes name derives from the component's name.
      new LiteLLMGateway(
        "gw-b",
        gatewayArgs({ backups: { s3: { endpoint: "https://s3.example.com", bucket: "dumps", credentialsSecret: "gw-b-s3" } }, retainOnDelete: true }),
      );
      return g;
    });
    gw = (r as unknown as { result: LiteLLMGateway }).result;
  });
  const inputs = (type: string, name: string) => unwrap(r.get(type, name).inputs);

  it("derives every Kubernetes name from the component name, so two instances share a namespace", () => {
    const names = kubernetesNames(r.resources);
    assert.equal(new Set(names).size, names.length, names.join("\n"));
    assert.equal(inputs(DEPLOYMENT, "gw-deployment").metadata.name, "gw-litellm");
    assert.equal(inputs("kubernetes:core/v1:Service", "gw-service").metadata.name, "gw-litellm");
    assert.equal(inputs(STATEFULSET, "gw-postgres").metadata.name, "gw-postgres");
    assert.equal(inputs(PVC, "gw-postgres-data").metadata.name, "gw-postgres-data");
    assert.equal(inputs(DEPLOYMENT, "gw-b-redis").metadata.name, "gw-b-redis");
    assert.deepEqual(inputs(DEPLOYMENT, "gw-deployment").spec.selector.matchLabels, {
      "app.kubernetes.io/name": "litellm",
      "app.kubernetes.io/instance": "gw",
    });
  });

  it("parents every child to its component and keeps the old type token as an alias", () => {
    const own = r.resources.filter((x) => x.name.startsWith("gw-") && !x.name.startsWith("gw-b") && x.type !== COMPONENT);
    assert.ok(own.length > 20);
    for (const child of own) assert.equal(child.parent, r.get(COMPONENT, "gw").urn, child.name);
    assert.ok(r.get(COMPONENT, "gw").aliases.includes("llm-platform:gateway:LiteLLMGateway"));
  });

  it("protects the data and the credentials that own or encrypt it; retention is its own setting", () => {
    for (const [type, name] of [
      [PVC, "gw-postgres-data"],
      [STATEFULSET, "gw-postgres"],
      [PASSWORD, "gw-salt-key"],
      [PASSWORD, "gw-postgres-password"],
      [PASSWORD, "gw-postgres-app-password"],
      [SECRET, "gw-keys"],
      [SECRET, "gw-postgres-secret"],
      [PVC, "gw-postgres-backups"],
    ]) {
      const x = r.get(type!, name!);
      assert.equal(x.protect, true, name);
      assert.equal(x.retainOnDelete, false, `${name}: protect does not imply retain`);
      if (type === PVC && name === "gw-postgres-backups") continue; // gw-b ships dumps to S3
      const b = r.get(type!, name!.replace("gw-", "gw-b-"));
      assert.deepEqual([b.protect, b.retainOnDelete], [false, true], `${name}: retain without protect`);
    }
    for (const name of ["gw-master-key", "gw-redis-password", "gw-client-webui"]) assert.equal(r.get(PASSWORD, name).protect, false, name);
  });

  it("marks every generated credential secret where the engine receives it", () => {
    const secrets: [string, string][] = [
      ["gw-keys", "master-key"],
      ["gw-keys", "salt-key"],
      ["gw-postgres-secret", "admin-password"],
      ["gw-postgres-secret", "password"],
      ["gw-redis-secret", "password"],
      ["gw-redis-secret", "redis.conf"],
      ["gw-client-webui", "key"],
      ["gw-client-n8n", "key"],
    ];
    for (const [resource, key] of secrets) {
      const data = r.get(SECRET, resource).inputs.stringData;
      // The whole map or the value carries Pulumi's secret marker (the provider also wraps Secret data).
      assert.ok(isSecretValue(data) || isSecretValue(data[key]), `${resource}.${key}`);
      assert.ok(key in unwrap(data), `${resource}.${key} written`);
    }
    assert.equal(unwrap(r.get(SECRET, "gw-keys").inputs).stringData["master-key"], `sk-${generated("gw-master-key")}`);
  });

  it("exports the master key and each client's key as secret outputs", async () => {
    assert.equal(await pulumi.isSecret(gw.masterKey), true);
    assert.equal(await pulumi.isSecret(gw.clientKeys), true);
    assert.deepEqual(await valueOf(gw.clientKeys), { n8n: `sk-${generated("gw-client-n8n")}`, webui: `sk-${generated("gw-client-webui")}` });
    assert.deepEqual(await valueOf(gw.clientKeySecrets), { n8n: "gw-litellm-client-n8n", webui: "gw-litellm-client-webui" });
    assert.equal(await valueOf(gw.url), "http://gw-litellm.llm.svc.cluster.local:4000/v1");
    assert.equal(await valueOf(gw.serviceName), "gw-litellm");
  });

  it("rotates a credential only when its knob is raised (keepers), never the salt key", async () => {
    const rotated = await renderComponents(
      () => new LiteLLMGateway("rot", gatewayArgs({ rotation: { postgresPassword: 2, redisPassword: 1, masterKey: 3, clients: { webui: 1 } } })),
    );
    const keepers = (name: string) => unwrap(rotated.get(PASSWORD, name).inputs).keepers;
    assert.deepEqual(keepers("rot-postgres-app-password"), { rotation: "2" });
    assert.deepEqual(keepers("rot-redis-password"), { rotation: "1" });
    assert.deepEqual(keepers("rot-master-key"), { rotation: "3" });
    assert.deepEqual(keepers("rot-client-webui"), { rotation: "1" });
    assert.equal(keepers("rot-client-n8n"), undefined);
    assert.equal(keepers("rot-salt-key"), undefined);
    assert.equal(inputs(PASSWORD, "gw-postgres-app-password").keepers, undefined, "rotation 0: no keepers, so existing stacks do not rotate on upgrade");
  });

  it("restarts every consumer when a secret it reads changes: a keyed digest in the pod template", () => {
    const salt = generated("gw-salt-key");
    const app = generated("gw-postgres-app-password");
    const redis = generated("gw-redis-password");
    const annotation = (type: string, name: string) => r.get(type, name).inputs.spec.template.metadata.annotations["llm-platform.io/secret-hash"];
    const litellm = annotation(DEPLOYMENT, "gw-deployment");
    assert.ok(!isSecretValue(litellm), "a one-way digest, not a secret");
    assert.equal(litellm, expectedHash(salt, { master: `sk-${generated("gw-master-key")}`, salt, app, redis }));
    assert.equal(annotation(DEPLOYMENT, "gw-redis"), expectedHash(salt, { redis }));
    assert.equal(annotation(STATEFULSET, "gw-postgres"), expectedHash(salt, { admin: generated("gw-postgres-password") }));
    assert.ok(!litellm.includes(app.slice(0, 8)));
  });

  it("sets the application role's password in a Job named after it, which runs before the gateway restarts", () => {
    const setup = r.get(JOB, "gw-postgres-setup");
    const name = unwrap(setup.inputs).metadata.name;
    assert.equal(
      name,
      `gw-postgres-setup-${expectedHash(generated("gw-salt-key"), { admin: generated("gw-postgres-password"), app: generated("gw-postgres-app-password") }).slice(0, 8)}`,
    );
    assert.ok(setup.dependencies.includes(r.get(STATEFULSET, "gw-postgres").urn));
    const migrate = r.get(JOB, "gw-migrate");
    assert.ok(migrate.dependencies.includes(setup.urn), "migrations run as the role the setup Job configured");
    assert.ok(r.get(DEPLOYMENT, "gw-deployment").dependencies.includes(migrate.urn));
    assert.ok(r.get(DEPLOYMENT, "gw-deployment").dependencies.includes(setup.urn), "a rotated password is set before the gateway's pods restart");
    const env = envOf(podOf(setup).containers[0]);
    assert.deepEqual(env.PGUSER, "postgres");
    assert.deepEqual(env.APP_PASSWORD, { secretKeyRef: { name: "gw-postgres", key: "password" } });
    assert.deepEqual(env.PGPASSWORD, { secretKeyRef: { name: "gw-postgres", key: "admin-password" } });
  });

  it("runs LiteLLM as a non-superuser role; Postgres' superuser is only the image's admin", () => {
    const env = envOf(podOf(r.get(DEPLOYMENT, "gw-deployment")).containers[0]);
    assert.equal(env.DATABASE_URL, "postgresql://litellm:$(POSTGRES_PASSWORD)@gw-postgres:5432/litellm");
    assert.deepEqual(env.POSTGRES_PASSWORD, { secretKeyRef: { name: "gw-postgres", key: "password" } });
    const pg = envOf(podOf(r.get(STATEFULSET, "gw-postgres")).containers[0]);
    assert.equal(pg.POSTGRES_USER, "postgres");
    assert.deepEqual(pg.POSTGRES_PASSWORD, { secretKeyRef: { name: "gw-postgres", key: "admin-password" } });
    assert.match(
      podOf(r.get(STATEFULSET, "gw-postgres")).containers[0].lifecycle.postStart.exec.command[2],
      /ALTER ROLE :"admin_user" PASSWORD :'admin_password'/,
    );
  });

  it("migrates with the database URL only, then fails unless LiteLLM's tables exist", () => {
    const pod = podOf(r.get(JOB, "gw-migrate"));
    const migrate = pod.initContainers[0];
    assert.equal(migrate.image, "ghcr.io/berriai/litellm:v1.93.1");
    assert.deepEqual(migrate.command, ["litellm", "--skip_server_startup", "--config", "/app/config/config.yaml"]);
    const secretRefs = (migrate.env as any[]).filter((e) => e.valueFrom).map((e) => `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
    assert.deepEqual(secretRefs, ["gw-postgres/password"], "no master, salt, Redis or provider secret");
    assert.equal(envOf(migrate).DISABLE_SCHEMA_UPDATE, "false");
    assert.equal(pod.containers[0].name, "check-schema");
    assert.equal(pod.containers[0].command[2], SCHEMA_CHECK_SCRIPT);
    assert.match(SCHEMA_CHECK_SCRIPT, /LiteLLM_VerificationToken/);
    assert.equal(unwrap(r.get(JOB, "gw-migrate").inputs).metadata.name, "gw-litellm-migrate-v1-93-1");
  });

  it("configures only open-source LiteLLM features, caps through its pre-call hook, and no Prometheus callback without `metrics`", () => {
    const cm = inputs(CONFIGMAP, "gw-config");
    const config = parse(cm.data["config.yaml"]);
    assert.deepEqual(config.litellm_settings.callbacks, [LIMITS_CALLBACK]);
    assert.doesNotMatch(cm.data["config.yaml"], /prometheus|max_request_size_mb/);
    assert.equal(cm.data[LIMITS_MODULE_FILE], LIMITS_MODULE);
    const pod = podOf(r.get(DEPLOYMENT, "gw-deployment"));
    assert.deepEqual(
      pod.volumes[0].configMap.items.map((i: any) => i.path),
      ["config.yaml", LIMITS_MODULE_FILE],
    );
    assert.deepEqual(JSON.parse(envOf(pod.containers[0]).LLM_PLATFORM_LIMITS), { maxTokens: 4096, maxN: 1, maxRequestBytes: 8 * 1024 * 1024 });
    assert.equal(
      inputs(DEPLOYMENT, "gw-deployment").spec.template.metadata.annotations["prometheus.io/scrape"],
      undefined,
      "no scrape annotation: /metrics needs a key",
    );
    assert.throws(() => r.get(SECRET, "gw-metrics-key"), "no /metrics key without metrics");
    assert.equal(inputs(DEPLOYMENT, "gw-deployment").spec.revisionHistoryLimit, 3, "per-child override merged last");
  });

  it("keeps the Redis password off the command line: a config file from the Secret", () => {
    const pod = podOf(r.get(DEPLOYMENT, "gw-redis"));
    assert.deepEqual(pod.containers[0].command, ["redis-server", "/etc/redis/redis.conf"]);
    assert.equal(pod.containers[0].args, undefined);
    assert.deepEqual(pod.volumes.find((v: any) => v.name === "config").secret, { secretName: "gw-redis", items: [{ key: "redis.conf", path: "redis.conf" }] });
    assert.match(inputs(SECRET, "gw-redis-secret").stringData["redis.conf"], new RegExp(`^requirepass ${generated("gw-redis-password")}\n`));
  });

  it("hardens every pod: no API token, read-only root filesystem, restricted", () => {
    const workloads = r.resources.filter((x) => WORKLOADS.includes(x.type) && x.name.startsWith("gw-"));
    assert.ok(workloads.length >= 8, workloads.map((w) => w.name).join(", "));
    for (const w of workloads) {
      const pod = podOf(w);
      assert.equal(pod.automountServiceAccountToken, false, w.name);
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${w.name}/${c.name}`);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${w.name}/${c.name}`);
      }
    }
  });

  it("lets failed Jobs be replaced on the next update and keeps them in the state (no TTL)", () => {
    const jobs = r.ofType(JOB);
    assert.ok(jobs.length >= 6);
    for (const job of jobs) {
      const props = unwrap(job.inputs);
      assert.equal(props.metadata.annotations["pulumi.com/replaceUnready"], "true", job.name);
      assert.equal(props.spec.ttlSecondsAfterFinished, undefined, job.name);
    }
  });

  it("keeps each client's generated key in its own Secret and hands it to the keys Job, never in the ConfigMap", () => {
    const job = r.get(JOB, "gw-clients-job");
    const pod = podOf(job);
    const keys = pod.volumes.find((v: any) => v.name === "keys").projected.sources;
    assert.deepEqual(keys, [
      { secret: { name: "gw-litellm-client-n8n", items: [{ key: "key", path: "n8n" }] } },
      { secret: { name: "gw-litellm-client-webui", items: [{ key: "key", path: "webui" }] } },
    ]);
    const cm = inputs(CONFIGMAP, "gw-clients");
    assert.doesNotMatch(JSON.stringify(cm.data), /generated-|sk-/);
    assert.deepEqual(JSON.parse(cm.data["n8n.json"]).metadata, { client: "n8n", managed_by: "llm-platform", max_tokens: 1024 });
    assert.ok(job.dependencies.includes(r.get(SECRET, "gw-client-n8n").urn));
    assert.equal(pod.containers[0].image, "ghcr.io/berriai/litellm:v1.93.1", "the LiteLLM image's Python runs the reconciler");
  });

  it("reruns the keys Job when a key changes, and still runs with no client to revoke removed ones", async () => {
    const none = await renderComponents(() => new LiteLLMGateway("solo", gatewayArgs({ clients: {} })));
    const job = unwrap(none.get(JOB, "solo-clients-job").inputs);
    assert.match(job.metadata.name, /^solo-litellm-clients-[0-9a-f]{8}$/);
    assert.deepEqual(podOf(none.get(JOB, "solo-clients-job")).volumes.find((v: any) => v.name === "keys").projected.sources, []);
    const a = unwrap(r.get(JOB, "gw-clients-job").inputs).metadata.name;
    const b = unwrap(r.get(JOB, "gw-b-clients-job").inputs).metadata.name;
    assert.notEqual(a.slice(-8), b.slice(-8), "same clients, different keys: different Job");
  });

  it("backs Postgres up to its own volume, or to S3 without a volume", () => {
    const cron = inputs(CRONJOB, "gw-postgres-backup");
    assert.equal(cron.spec.schedule, "30 2 * * *");
    const pod = podOf(r.get(CRONJOB, "gw-postgres-backup"));
    assert.equal(pod.volumes.find((v: any) => v.name === "backups").persistentVolumeClaim.claimName, "gw-postgres-backups");
    assert.match(pod.containers[0].command[2], /pg_dump --format=custom/);
    assert.equal(inputs(PVC, "gw-postgres-backups").spec.storageClassName, "nfs");
    assert.equal(inputs(PVC, "gw-postgres-backups").metadata.labels["backup-tier"], "daily");
    assert.throws(() => r.get(PVC, "gw-b-postgres-backups"));
    const s3 = podOf(r.get(CRONJOB, "gw-b-postgres-backup"));
    assert.equal(s3.initContainers[0].name, "dump");
    assert.deepEqual(envOf(s3.containers[0]).AWS_SECRET_ACCESS_KEY, { secretKeyRef: { name: "gw-b-s3", key: "AWS_SECRET_ACCESS_KEY" } });
    assert.equal(envOf(s3.containers[0]).S3_ENDPOINT, "https://s3.example.com");
  });

  it("answers no CORS itself unless told which origins: the edge in front answers CORS (BerriAI/litellm#18265)", async () => {
    const env = envOf(podOf(r.get(DEPLOYMENT, "gw-deployment")).containers[0]);
    // Set but empty: LiteLLM allows no origin (unset would mean every origin, with credentials).
    assert.equal(env.LITELLM_CORS_ALLOW_ORIGINS, "");
    assert.equal(env.LITELLM_CORS_ALLOW_CREDENTIALS, "false");
    const listed = await renderComponents(() => new LiteLLMGateway("gw", gatewayArgs({ corsOrigins: ["https://a.example", "https://b.example"] })));
    assert.equal(envOf(podOf(listed.get(DEPLOYMENT, "gw-deployment")).containers[0]).LITELLM_CORS_ALLOW_ORIGINS, "https://a.example,https://b.example");
  });

  it("with `metrics`, records LiteLLM's open-source Prometheus metrics behind a key, and makes a key that may call /metrics only", async () => {
    const m = await renderComponents(() => new LiteLLMGateway("gw", gatewayArgs({ metrics: true, rotation: { metricsKey: 2 } })));
    const config = parse(unwrap(m.get(CONFIGMAP, "gw-config").inputs).data["config.yaml"]);
    assert.deepEqual(config.litellm_settings.callbacks, [LIMITS_CALLBACK, "prometheus"]);
    assert.equal(config.litellm_settings.require_auth_for_metrics_endpoint, true);
    assert.equal(config.litellm_settings.prometheus_initialize_budget_metrics, true);
    const secret = m.get(SECRET, "gw-metrics-key");
    assert.equal(unwrap(secret.inputs).metadata.name, "gw-litellm-metrics");
    assert.ok(isSecretValue(secret.inputs.stringData), "the key is a secret where the engine receives it");
    assert.equal(unwrap(secret.inputs).stringData.key, `sk-${generated("gw-metrics-key")}`);
    assert.deepEqual(unwrap(m.get(PASSWORD, "gw-metrics-key").inputs).keepers, { rotation: "2" });
    // Reconciled like a client's key, with /metrics as its only route: it can call no model and no admin route.
    assert.deepEqual(JSON.parse(unwrap(m.get(CONFIGMAP, "gw-clients").inputs).data["metrics-reader.json"]), {
      key_alias: "metrics-reader",
      metadata: { client: "metrics-reader", managed_by: "llm-platform" },
      models: [],
      allowed_routes: ["/metrics"],
    });
    const job = m.get(JOB, "gw-clients-job");
    assert.ok(
      podOf(job)
        .volumes.find((v: any) => v.name === "keys")
        .projected.sources.some((s: any) => s.secret.name === "gw-litellm-metrics" && s.secret.items[0].path === "metrics-reader"),
    );
    assert.ok(job.dependencies.includes(secret.urn), "the key's Secret exists before the Job reads it");
    assert.notEqual(unwrap(job.inputs).metadata.name, unwrap(r.get(JOB, "gw-clients-job").inputs).metadata.name, "adding the reader reruns the Job");
    assert.deepEqual(Object.keys(await valueOf((m as unknown as { result: LiteLLMGateway }).result.clientKeys)).sort(), ["n8n", "webui"], "not a client's key");
    await assert.rejects(
      renderComponents(() => new LiteLLMGateway("gw", gatewayArgs({ clients: { "metrics-reader": {} } }))),
      /the client name "metrics-reader" is the \/metrics reader's key alias; name the client otherwise/,
    );
  });

  it("refuses names Kubernetes cannot hold, naming them", async () => {
    await assert.rejects(
      renderComponents(() => new LiteLLMGateway("gw", gatewayArgs({ clients: { ["a-very-long-client-name-that-keeps-going-and-going"]: {} } }))),
      /Kubernetes names longer than 63 characters \(gw-litellm-client-a-very-long-client-name-that-keeps-going-and-going\); use a shorter component or client name/,
    );
  });
});

const byName = (plan: StackPlan, type: string, name: string) => plan.resources.find((r) => r.type === type && r.props.metadata?.name === name)!;

function litellmConfigOf(plan: StackPlan): any {
  return parse(byName(plan, CONFIGMAP, "gateway-litellm-config").props.data["config.yaml"]);
}

describe("LiteLLMGateway in the stacks", () => {
  let prod: StackPlan;
  let dev: StackPlan;
  before(async () => {
    prod = await planStack("prod");
    dev = await planStack("dev");
  });

  it("routes every adapter to its in-cluster vLLM (by the server's served name) with the seed's concurrency limits, and prod's cloud provider under its name", () => {
    const config = litellmConfigOf(prod);
    const chatbot = config.model_list.find((m: any) => m.model_name === "chatbot");
    // vLLM serves only the server's own name (`--served-model-name llm`): a plain adapter is a gateway
    // alias of it, so the gateway asks vLLM for `llm` whatever the adapter's name.
    assert.deepEqual(chatbot.litellm_params, {
      model: "hosted_vllm/llm",
      api_base: "http://vllm-llm.llm-inference.svc.cluster.local:8000/v1",
      max_parallel_requests: 4,
    });
    assert.deepEqual(chatbot.model_info, { mode: "chat", max_input_tokens: 8192 });
    for (const adapter of ["rag", "code", "microservices"]) {
      assert.equal(config.model_list.find((m: any) => m.model_name === adapter).litellm_params.model, "hosted_vllm/llm", adapter);
    }
    assert.deepEqual(
      config.model_list.map((m: any) => m.model_name),
      ["chatbot", "rag", "code", "microservices", "embedding", "reranker", "openai", "default"],
    );
    assert.deepEqual(config.model_list.find((m: any) => m.model_name === "openai").litellm_params, {
      model: "openai/gpt-4o-mini",
      api_key: "os.environ/OPENAI_API_KEY",
    });
  });

  it("sends prod's overflow and outages to the cloud provider", () => {
    const router = litellmConfigOf(prod).router_settings;
    for (const adapter of ["chatbot", "rag", "code", "microservices"]) {
      assert.ok(
        router.fallbacks.some((f: any) => JSON.stringify(f) === JSON.stringify({ [adapter]: ["openai"] })),
        adapter,
      );
      assert.ok(
        router.context_window_fallbacks.some((f: any) => JSON.stringify(f) === JSON.stringify({ [adapter]: ["openai"] })),
        adapter,
      );
    }
    const es = prod.resources.find((r) => r.type === "kubernetes:external-secrets.io/v1:ExternalSecret" && r.props.metadata.name === "gateway-provider-keys")!;
    assert.equal(es.props.metadata.namespace, "llm-gateway");
    assert.deepEqual(
      es.props.spec.data.map((d: any) => d.secretKey),
      ["OPENAI_API_KEY"],
    );
    const env = envOf(byName(prod, DEPLOYMENT, "gateway-litellm").props.spec.template.spec.containers[0]);
    assert.deepEqual(env.OPENAI_API_KEY, { secretKeyRef: { name: "gateway-provider-keys", key: "OPENAI_API_KEY" } });
  });

  it("shares limits across replicas through Redis and keeps every secret out of the config", () => {
    const config = litellmConfigOf(prod);
    assert.equal(config.router_settings.redis_host, "gateway-redis");
    assert.equal(config.router_settings.redis_password, "os.environ/REDIS_PASSWORD");
    assert.equal(config.general_settings.master_key, "os.environ/LITELLM_MASTER_KEY");
    assert.equal(config.general_settings.database_url, "os.environ/DATABASE_URL");
    assert.doesNotMatch(JSON.stringify(config), /sk-|\[generated/);
  });

  it("gives prod the seed's clients with per-key tokens per minute and budgets", () => {
    const cm = prod.resources.find((r) => r.type === CONFIGMAP && r.props.metadata.name.startsWith("gateway-litellm-clients-"))!;
    const webui = JSON.parse(cm.props.data["webui.json"]);
    const n8n = JSON.parse(cm.props.data["n8n.json"]);
    for (const key of [webui, n8n]) {
      assert.ok(key.tpm_limit > 0 && key.max_budget > 0 && key.budget_duration === "30d", JSON.stringify(key));
      assert.equal(key.metadata.managed_by, "llm-platform");
    }
    assert.deepEqual(n8n.models, ["microservices", "code", "rag", "embedding", "reranker"], "the fixture's gateway.clients.n8n.models");
  });

  it("exports each client's key as one secret output and the master key only as the admin's", async () => {
    assert.equal(await pulumi.isSecret(prod.outputs.clientKeys as pulumi.Output<unknown>), true);
    assert.deepEqual(Object.keys(await valueOf(prod.outputs.clientKeys as pulumi.Output<Record<string, string>>)).sort(), ["n8n", "webui"]);
    assert.equal(await pulumi.isSecret(prod.outputs.gatewayAdminMasterKey as pulumi.Output<unknown>), true);
    assert.equal(prod.outputs.gatewayMasterKey, undefined, "no client-facing master key output");
    assert.equal(prod.outputs.qdrantReadOnlyApiKey, undefined, "no collection-wide shared read key");
  });

  it("keeps Postgres on its own storage class, protected and retained in prod", () => {
    const pvc = byName(prod, PVC, "gateway-postgres-data");
    assert.equal(pvc.props.spec.storageClassName, "proxmox-csi");
    assert.deepEqual([pvc.opts?.protect, pvc.opts?.retainOnDelete], [true, true]);
    assert.equal(pvc.props.metadata.labels["backup-tier"], "gfs");
    assert.equal(byName(prod, STATEFULSET, "gateway-postgres").opts?.protect, true);
    const moved = variant(stackConfig("prod"), (c) => (c.storage.qdrant.storageClass = "other-class"));
    assert.equal(parsePlatformConfig(moved).storage.postgres.storageClass, "proxmox-csi", "changing Qdrant's class leaves Postgres where it is");
    assert.equal(byName(dev, PVC, "gateway-postgres-data").opts?.protect, false);
  });

  it("declares per-client virtual keys with their own limits (dev)", () => {
    const cm = dev.resources.find((r) => r.type === CONFIGMAP && r.props.metadata.name.startsWith("gateway-litellm-clients-"))!;
    assert.deepEqual(JSON.parse(cm.props.data["n8n.json"]), {
      key_alias: "n8n",
      metadata: { client: "n8n", managed_by: "llm-platform" },
      rpm_limit: 30,
      max_parallel_requests: 2,
      models: ["microservices", "code"],
    });
  });

  const modelsFor = (raw: Record<string, unknown>) => {
    const config = parsePlatformConfig(raw);
    return gatewayModels(config, planServers(config));
  };

  it("admits each adapter at its configured rpm and tpm, in-cluster or at the default provider", () => {
    const limits = (c: any) => (c.adapters.code = { ...c.adapters.code, rpm: 120, tpm: 200000 });
    for (const raw of [variant(stackConfig("prod"), limits), variant(stackConfig("dev"), limits)]) {
      const code = modelsFor(raw).find((m) => m.name === "code")!;
      assert.equal(code.rpm, 120);
      assert.equal(code.tpm, 200000);
      assert.equal(modelsFor(raw).find((m) => m.name === "chatbot")!.rpm, undefined);
    }
  });

  describe("provider switching (seed 003)", () => {
    const dev = stackConfig("dev");

    it("sends the adapters to the workstation's vLLM with default vllm-local", () => {
      const chatbot = modelsFor(dev).find((m) => m.name === "chatbot")!;
      assert.equal(chatbot.model, "hosted_vllm/hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4");
      assert.equal(chatbot.apiBase, "http://gpu-box.lan:8000/v1");
    });

    it("switches every adapter and `default` to OpenAI with one value", () => {
      const models = modelsFor(variant(dev, (c) => (c.providers.default = "openai")));
      for (const name of ["chatbot", "rag", "code", "microservices", "default"]) {
        const m = models.find((x) => x.name === name)!;
        assert.equal(m.model, "openai/gpt-4o-mini", name);
        assert.deepEqual(m.params, { api_key: "os.environ/OPENAI_API_KEY" });
      }
    });

    it("refuses a default provider without credentials, naming the key", () => {
      const raw = variant(dev, (c) => {
        c.providers.default = "bedrock";
        c.providers.bedrock = { region: "eu-west-1" };
      });
      assert.throws(
        () => parsePlatformConfig(raw),
        (e: unknown) =>
          e instanceof ConfigError &&
          /llm-platform:providers\.default: default provider "bedrock" cannot be used: missing providers\.bedrock\.accessKeyId\.bitwardenSecret \(AWS_ACCESS_KEY_ID\), providers\.bedrock\.secretAccessKey\.bitwardenSecret/.test(
            e.message,
          ),
      );
    });

    it("refuses an unconfigured default provider and credentials without Bitwarden", () => {
      assert.throws(() => parsePlatformConfig(variant(dev, (c) => (c.providers.default = "vertexai"))), /providers\.vertexai is not configured/);
      assert.throws(
        () => parsePlatformConfig(variant(dev, (c) => delete c.externalSecrets)),
        /llm-platform:externalSecrets\.bitwarden: is required: provider credentials come from Bitwarden/,
      );
    });
  });
});
