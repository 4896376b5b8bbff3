import { strict as assert } from "node:assert";
import { parse } from "yaml";
import { ConfigError, parsePlatformConfig } from "../../config/load";
import { gatewayModels } from "../../platform/gateway";
import { planServers } from "../../platform/servers";
import { planStack, type StackPlan } from "../fixtures/plans";
import { stackConfig, variant } from "../fixtures/stacks";

const byName = (plan: StackPlan, type: string, name: string) => plan.resources.find((r) => r.type === type && r.props.metadata?.name === name)!;

function litellmConfigOf(plan: StackPlan): any {
  return parse(byName(plan, "kubernetes:core/v1:ConfigMap", "litellm-config").props.data["config.yaml"]);
}

describe("LiteLLMGateway", () => {
  let prod: StackPlan;
  let dev: StackPlan;
  before(async () => {
    prod = await planStack("prod");
    dev = await planStack("dev");
  });

  it("routes every adapter to its in-cluster vLLM with the seed's concurrency limits", () => {
    const config = litellmConfigOf(prod);
    const chatbot = config.model_list.find((m: any) => m.model_name === "chatbot");
    assert.deepEqual(chatbot.litellm_params, {
      model: "hosted_vllm/chatbot",
      api_base: "http://vllm-llm.llm-inference.svc.cluster.local:8000/v1",
      max_parallel_requests: 4,
    });
    assert.deepEqual(chatbot.model_info, { mode: "chat", max_input_tokens: 8192 });
    assert.deepEqual(
      config.model_list.map((m: any) => m.model_name),
      ["chatbot", "rag", "code", "microservices", "embedding", "default"],
    );
    const embedding = config.model_list.find((m: any) => m.model_name === "embedding");
    assert.equal(embedding.model_info.mode, "embedding");
    assert.equal(embedding.litellm_params.api_base, "http://vllm-embedding.llm-inference.svc.cluster.local:8000/v1");
  });

  it("shares limits across replicas through Redis and keeps every secret out of the config", () => {
    const config = litellmConfigOf(prod);
    assert.equal(config.router_settings.redis_host, "litellm-redis");
    assert.equal(config.router_settings.redis_password, "os.environ/REDIS_PASSWORD");
    assert.equal(config.router_settings.routing_strategy, "simple-shuffle");
    assert.equal(config.general_settings.master_key, "os.environ/LITELLM_MASTER_KEY");
    assert.equal(config.general_settings.database_url, "os.environ/DATABASE_URL");
    assert.doesNotMatch(JSON.stringify(config), /sk-|\[generated/);
  });

  it("runs ≥ 2 replicas in prod with probes, migrations outside the pods and a PDB", () => {
    const d = byName(prod, "kubernetes:apps/v1:Deployment", "litellm").props;
    assert.equal(d.spec.replicas, 2);
    const c = d.spec.template.spec.containers[0];
    assert.equal(c.image, "ghcr.io/berriai/litellm:v1.77.7-stable");
    assert.deepEqual(c.env[0], { name: "DISABLE_SCHEMA_UPDATE", value: "true" });
    assert.equal(c.readinessProbe.httpGet.path, "/health/readiness");
    assert.equal(c.livenessProbe.httpGet.path, "/health/liveliness");
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e]));
    assert.deepEqual(env.LITELLM_SALT_KEY.valueFrom, { secretKeyRef: { name: "litellm-keys", key: "salt-key" } });
    assert.equal(env.DATABASE_URL.value, "postgresql://litellm:$(POSTGRES_PASSWORD)@litellm-postgres:5432/litellm");
    assert.equal(d.spec.template.metadata.annotations["prometheus.io/scrape"], "true");
    const job = byName(prod, "kubernetes:batch/v1:Job", "litellm-migrate-v1-77-7-stable").props;
    assert.deepEqual(job.spec.template.spec.containers[0].command, ["litellm", "--skip_server_startup", "--config", "/app/config/config.yaml"]);
    assert.equal(byName(prod, "kubernetes:policy/v1:PodDisruptionBudget", "litellm").props.spec.maxUnavailable, 1);
  });

  it("generates master, salt and database keys as Pulumi secrets", () => {
    const keys = byName(prod, "kubernetes:core/v1:Secret", "litellm-keys").props;
    assert.equal(keys.stringData["master-key"], "sk-[generated at deploy time]");
    const randoms = prod.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.name);
    assert.deepEqual(randoms.sort(), ["gateway-master-key", "gateway-postgres-password", "gateway-redis-password", "gateway-salt-key", "qdrant-api-key", "qdrant-read-only-api-key"]);
  });

  it("keeps Postgres on a protected GFS volume", () => {
    const pvc = prod.resources.find((r) => r.props.metadata?.name === "litellm-postgres-data")!;
    assert.equal(pvc.opts?.protect, true);
    assert.equal(pvc.props.metadata.labels["backup-tier"], "gfs");
    assert.equal(byName(prod, "kubernetes:apps/v1:StatefulSet", "litellm-postgres").opts?.protect, true);
  });

  it("declares per-client virtual keys with their own limits (dev)", () => {
    const cm = dev.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.props.metadata.name.startsWith("litellm-clients-"))!;
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

  it("refuses a fractional adapter rpm, naming the key", () => {
    assert.throws(
      () => parsePlatformConfig(variant(stackConfig("prod"), (c) => (c.adapters.code.rpm = 0.5))),
      /llm-platform:adapters\.code\.rpm: must be a whole number \(requests per minute\)/,
    );
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
          /llm-platform:providers\.default: default provider "bedrock" cannot be used: missing providers\.bedrock\.accessKeyId\.bitwardenSecret \(AWS_ACCESS_KEY_ID\), providers\.bedrock\.secretAccessKey\.bitwardenSecret/.test(e.message),
      );
    });

    it("refuses an unconfigured default provider and credentials without Bitwarden", () => {
      assert.throws(() => parsePlatformConfig(variant(dev, (c) => (c.providers.default = "vertexai"))), /providers\.vertexai is not configured/);
      assert.throws(() => parsePlatformConfig(variant(dev, (c) => delete c.externalSecrets)), /llm-platform:externalSecrets\.bitwarden: is required: provider credentials come from Bitwarden/);
    });
  });
});

describe("BitwardenSecrets", () => {
  let dev: StackPlan;
  before(async () => {
    dev = await planStack("dev");
  });

  it("reads provider keys through one ExternalSecret from the Bitwarden store", () => {
    const es = dev.resources.find((r) => r.type === "kubernetes:external-secrets.io/v1:ExternalSecret")!.props;
    assert.equal(es.metadata.namespace, "llm-gateway");
    assert.deepEqual(es.spec.secretStoreRef, { name: "bitwarden", kind: "ClusterSecretStore" });
    assert.deepEqual(es.spec.data, [{ secretKey: "OPENAI_API_KEY", remoteRef: { key: "3f2b7c1e-8a4d-4f5b-9c6e-1d2a3b4c5d6e" } }]);
    const store = dev.resources.find((r) => r.type === "kubernetes:external-secrets.io/v1:ClusterSecretStore")!.props;
    const bw = store.spec.provider.bitwardensecretsmanager;
    assert.equal(bw.bitwardenServerSDKURL, "https://bitwarden-sdk-server.external-secrets.svc.cluster.local:9998");
    assert.equal(bw.organizationID, "7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b");
    assert.deepEqual(bw.caProvider, { type: "Secret", name: "bitwarden-tls-certs", namespace: "external-secrets", key: "ca.crt" });
  });

  it("passes the gateway the keys as env from the Secret, never literals", () => {
    const c = dev.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.props.metadata.name === "litellm")!.props.spec.template.spec.containers[0];
    assert.deepEqual(c.env.find((e: any) => e.name === "OPENAI_API_KEY").valueFrom, { secretKeyRef: { name: "llm-provider-keys", key: "OPENAI_API_KEY" } });
  });

});
