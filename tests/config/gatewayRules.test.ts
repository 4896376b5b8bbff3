import { strict as assert } from "node:assert";
import { freshParser, ruleChecks, SCHEMA_MODULES } from "../fixtures/freshConfig";
import { stackConfig, variant } from "../fixtures/stacks";

/**
 * The gateway, Qdrant and External Secrets parts of the schema (config/gatewaySchema.ts): their
 * documented defaults, and a failing case per rule with its exact message. Each test evaluates config/
 * afresh once (tests/fixtures/freshConfig.ts), so a mutation run sees the schema the test checks.
 */
const PROD = stackConfig("prod");
const prod = () => structuredClone(PROD);
const { parse, reset } = freshParser([...SCHEMA_MODULES, "config/gatewaySchema.ts"]);
const { refuses, accepts } = ruleChecks(parse, PROD);

describe("gateway, Qdrant and External Secrets config (#23)", () => {
  beforeEach(reset);

  it("defaults of the gateway: LiteLLM pinned, 2 replicas, its limits, Postgres and Redis", () => {
    const gateway = parse(variant(prod(), (c) => delete c.gateway)).gateway;
    assert.deepEqual(gateway, {
      replicas: 2,
      image: "ghcr.io/berriai/litellm:v1.93.1",
      resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
      timeoutSeconds: 600,
      numRetries: 2,
      fallbacks: {},
      contextWindowFallbacks: {},
      clients: {},
      limits: { maxTokens: 4096, maxN: 1, maxRequestSizeMiB: 8 },
      rotation: { masterKey: 0, postgresPassword: 0, postgresAdminPassword: 0, redisPassword: 0 },
      postgres: {
        image: "postgres:17.6",
        resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        backup: { schedule: "30 2 * * *", retain: 14, size: "10Gi" },
      },
      redis: { image: "redis:7.4.6", resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } } },
    });
    const autoscaling = parse(variant(prod(), (c) => (c.gateway = { autoscaling: {} }))).gateway.autoscaling;
    assert.deepEqual(autoscaling, { minReplicas: 2, maxReplicas: 4, targetCpuUtilizationPercent: 70 });
  });

  it("defaults of Qdrant and External Secrets", () => {
    const config = parse(
      variant(prod(), (c) => (delete c.qdrant, (c.externalSecrets = { bitwarden: { ...c.externalSecrets.bitwarden, accessTokenSecret: { name: "bw" } } }))),
    );
    assert.deepEqual(config.qdrant, {
      image: "qdrant/qdrant:v1.15.4-unprivileged",
      resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
      collection: { name: "rag", distance: "Cosine" },
      snapshotSchedule: "17 * * * *",
      snapshotRetain: 24,
      snapshotStorage: "20Gi",
      backup: { size: "40Gi" },
      clients: {},
      rotation: { apiKey: 0 },
    });
    const { bitwarden, ...externalSecrets } = config.externalSecrets;
    assert.deepEqual(externalSecrets, { chartVersion: "2.9.0", refreshInterval: "1h" });
    assert.deepEqual(
      [bitwarden!.accessTokenSecret, bitwarden!.apiUrl, bitwarden!.identityUrl],
      [{ name: "bw", key: "token" }, "https://api.bitwarden.com", "https://identity.bitwarden.com"],
    );
    const client = parse(variant(prod(), (c) => (c.qdrant = { clients: { n8n: {} } }))).qdrant.clients.n8n;
    assert.deepEqual(client, { access: "r", validFor: "90d" });
    const gatewayClient = parse(variant(prod(), (c) => (c.gateway = { clients: { webui: {} } }))).gateway.clients.webui;
    assert.deepEqual(gatewayClient, { budgetDuration: "30d", rotation: 0 });
  });

  it("images: a version tag or a digest, never latest or untagged", () => {
    const msg = (v: string) => `"${v}" must be pinned to a version tag or digest (never latest or untagged)`;
    for (const bad of ["ghcr.io/berriai/litellm", "ghcr.io/berriai/litellm:latest", "ghcr.io/berriai/litellm:-x"]) {
      refuses((c) => (c.gateway = { image: bad }), "gateway.image", msg(bad));
    }
    accepts((c) => (c.gateway = { image: `ghcr.io/berriai/litellm@sha256:${"a".repeat(64)}` }));
    accepts((c) => (c.gateway = { image: "ghcr.io/berriai/litellm:v1.93.1" }));
    refuses((c) => (c.images = { vllm: "vllm/vllm-openai:latest" }), "images.vllm", msg("vllm/vllm-openai:latest"));
    refuses((c) => (c.qdrant = { image: "qdrant/qdrant" }), "qdrant.image", msg("qdrant/qdrant"));
  });

  it("quantities, schedules and durations", () => {
    refuses(
      (c) => (c.gateway = { resources: { requests: { cpu: "lots", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } } }),
      "gateway.resources.requests.cpu",
      'must be a CPU quantity ("500m", "2")',
    );
    refuses(
      (c) => (c.gateway = { resources: { requests: { cpu: "1", memory: "1GB" }, limits: { cpu: "2", memory: "2Gi" } } }),
      "gateway.resources.requests.memory",
      'must be a memory/storage quantity with a binary suffix ("512Mi", "8Gi")',
    );
    refuses(
      (c) => (c.qdrant = { snapshotSchedule: "every hour" }),
      "qdrant.snapshotSchedule",
      '"every hour" is not a CronJob schedule: has 2 fields; a schedule has five: minute hour day-of-month month day-of-week',
    );
    refuses(
      (c) => (c.gateway = { clients: { webui: { budgetDuration: "30 days" } } }),
      "gateway.clients.webui.budgetDuration",
      '"30 days" is not a duration LiteLLM reads: a whole number and s, m, h, d, w or mo ("30d", "1h", "1mo")',
    );
    refuses(
      (c) => (c.externalSecrets = { refreshInterval: "1 hour" }),
      "externalSecrets.refreshInterval",
      '"1 hour" is not a Go duration: numbers with units ns, us, ms, s, m, h ("1h", "30m", "1h30m")',
    );
    refuses((c) => (c.gateway = { clients: { WebUI: {} } }), "gateway.clients.WebUI", "\"WebUI\" is not a client name: lower-case letters, digits and '-'");
  });

  it("counts: rotations whole and 0 or more, autoscaling bounds", () => {
    refuses((c) => (c.gateway = { rotation: { masterKey: 0.5 } }), "gateway.rotation.masterKey", "must be a whole number: raise it by one to rotate");
    refuses((c) => (c.gateway = { autoscaling: { minReplicas: 3, maxReplicas: 2 } }), "gateway.autoscaling", "maxReplicas must be at least minReplicas");
    accepts((c) => (c.gateway = { autoscaling: { minReplicas: 3, maxReplicas: 3 } }));
  });

  it("Qdrant tokens stay valid past the monthly re-issue: at least 32 days", () => {
    refuses(
      (c) => (c.qdrant = { clients: { n8n: { validFor: "31d" } } }),
      "qdrant.clients.n8n.validFor",
      '"31d" is too short: tokens are re-issued on the first deploy of each calendar month, so they must stay valid at least 32d',
    );
    accepts((c) => (c.qdrant = { clients: { n8n: { validFor: "32d" } } }));
  });

  it("moved keys name where they went", () => {
    refuses((c) => (c.gateway = { postgres: { storage: "10Gi" } }), "gateway.postgres.storage", "has moved: set llm-platform:storage.postgres.size instead");
    refuses(
      (c) => (c.gateway = { postgres: { storageClass: "fast" } }),
      "gateway.postgres.storageClass",
      "has moved: set llm-platform:storage.postgres.storageClass instead",
    );
  });

  it("Bitwarden: UUIDs, a credential is a reference never the secret itself", () => {
    const bitwarden = { organizationId: "x", projectId: "y", accessTokenSecret: { name: "bw" } };
    refuses((c) => (c.externalSecrets = { bitwarden }), "externalSecrets.bitwarden.organizationId", "must be the Bitwarden organization UUID");
    refuses((c) => (c.externalSecrets = { bitwarden }), "externalSecrets.bitwarden.projectId", "must be the Bitwarden Secrets Manager project UUID");
    refuses(
      (c) => ((c.providers = { default: "openai", openai: { apiKey: "sk-123" } }), Object.values(c.adapters).forEach((a: any) => delete a.server)),
      "providers.openai.apiKey",
      "must be a Bitwarden reference {bitwardenSecret: <secret id>}, not the credential itself",
    );
  });
});
