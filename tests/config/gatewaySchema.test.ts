import { strict as assert } from "node:assert";
import { plainTextCredentialWarnings } from "../../config/gatewayChecks";
import { cronProblem, goDurationSeconds, httpUrlProblem, litellmDurationSeconds } from "../../config/formats";
import { ConfigError, parsePlatformConfig } from "../../config/load";

import { stackConfig, variant } from "../fixtures/stacks";

function issuesOf(raw: Record<string, unknown>): { path: string; message: string }[] {
  try {
    parsePlatformConfig(raw);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.issues;
  }
  assert.fail("expected the config to be rejected");
}

/** The one issue at `path`, with exactly `message`. */
function expectIssue(raw: Record<string, unknown>, path: string, message: string): void {
  const issues = issuesOf(raw);
  const at = issues.filter((i) => i.path === path);
  assert.deepEqual(
    at.map((i) => i.message),
    [message],
    `issues: ${JSON.stringify(issues)}`,
  );
}

const prod = stackConfig("prod");
const dev = stackConfig("dev");
const accepts = (raw: Record<string, unknown>) => assert.doesNotThrow(() => parsePlatformConfig(raw));

describe("gateway, Qdrant and secrets config", () => {
  it("accepts both stacks", () => {
    accepts(prod);
    accepts(dev);
  });

  describe("cron schedules, as Kubernetes' CronJob controller parses them", () => {
    const schedule = (s: string) => variant(prod, (c) => (c.qdrant.snapshotSchedule = s));
    const refused = (s: string, reason: string) =>
      expectIssue(schedule(s), "llm-platform:qdrant.snapshotSchedule", `"${s}" is not a CronJob schedule: ${reason}`);

    it("accepts every field at its bounds, names, lists, ranges, steps and the @ macros", () => {
      for (const s of ["59 23 31 12 6", "0 0 1 1 0", "*/15 0-6,22 * JAN-MAR mon-fri", "5/10 * ? * *", "@daily", "@hourly", "@annually"]) {
        assert.equal(cronProblem(s), undefined, s);
        accepts(schedule(s));
      }
    });

    it("refuses each field one past its bounds", () => {
      refused("60 * * * *", 'minute "60" is outside 0-59');
      refused("0 24 * * *", 'hour "24" is outside 0-23');
      refused("0 0 0 * *", 'day of month "0" is outside 1-31');
      refused("0 0 32 * *", 'day of month "32" is outside 1-31');
      refused("0 0 * 13 *", 'month "13" is outside 1-12');
      refused("0 0 * 0 *", 'month "0" is outside 1-12');
      refused("0 0 * * 7", 'day of week "7" is outside 0-6');
    });

    it("refuses malformed fields, naming the part", () => {
      refused("* * *", "has 3 fields; a schedule has five: minute hour day-of-month month day-of-week");
      refused("*/0 * * * *", 'minute step "0" must be a whole number above 0');
      refused("5-1 * * * *", 'minute range "5-1" runs backwards');
      refused("1,,2 * * * *", 'minute "1,,2" has an empty list item');
      refused("x * * * *", 'minute "x" is not a number');
      refused("0 0 * FOO *", 'month "FOO" is not a number or a name (JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG, SEP, OCT, NOV, DEC)');
      refused("@every 1h", '"@every 1h" is not one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly');
      refused("TZ=UTC 0 * * * *", "a time zone prefix (TZ=...) is not allowed in the schedule; Kubernetes takes it in the CronJob's timeZone field");
    });

    it("checks the Postgres backup schedule too", () => {
      expectIssue(
        variant(prod, (c) => (c.gateway.postgres = { backup: { schedule: "30 2 * *" } })),
        "llm-platform:gateway.postgres.backup.schedule",
        '"30 2 * *" is not a CronJob schedule: has 4 fields; a schedule has five: minute hour day-of-month month day-of-week',
      );
    });
  });

  describe("durations", () => {
    it("reads LiteLLM durations as LiteLLM does, refusing others", () => {
      assert.equal(litellmDurationSeconds("30d"), 30 * 86400);
      assert.equal(litellmDurationSeconds("1mo"), 30 * 86400);
      assert.equal(litellmDurationSeconds("2w"), 14 * 86400);
      assert.equal(litellmDurationSeconds("0d"), undefined);
      expectIssue(
        variant(prod, (c) => (c.gateway.clients.webui.budgetDuration = "30 days")),
        "llm-platform:gateway.clients.webui.budgetDuration",
        '"30 days" is not a duration LiteLLM reads: a whole number and s, m, h, d, w or mo ("30d", "1h", "1mo")',
      );
    });

    it("reads Go durations as External Secrets does", () => {
      assert.equal(goDurationSeconds("1h30m"), 5400);
      assert.equal(goDurationSeconds("0"), 0);
      expectIssue(
        variant(prod, (c) => (c.externalSecrets.refreshInterval = "1 hour")),
        "llm-platform:externalSecrets.refreshInterval",
        '"1 hour" is not a Go duration: numbers with units ns, us, ms, s, m, h ("1h", "30m", "1h30m")',
      );
      expectIssue(
        variant(prod, (c) => (c.externalSecrets.refreshInterval = "1d")),
        "llm-platform:externalSecrets.refreshInterval",
        '"1d" is not a Go duration: numbers with units ns, us, ms, s, m, h ("1h", "30m", "1h30m")',
      );
    });

    it("keeps Qdrant tokens valid past the next monthly re-issue: 32d accepted, 31d refused", () => {
      accepts(variant(prod, (c) => (c.qdrant.clients.webui.validFor = "32d")));
      expectIssue(
        variant(prod, (c) => (c.qdrant.clients.webui.validFor = "31d")),
        "llm-platform:qdrant.clients.webui.validFor",
        '"31d" is too short: tokens are re-issued on the first deploy of each calendar month, so they must stay valid at least 32d',
      );
    });
  });

  describe("URLs, with scheme and port", () => {
    const apiBase = (url: string) => variant(dev, (c) => (c.providers["vllm-local"].apiBase = url));
    it("accepts http(s) base URLs with or without a port", () => {
      for (const url of ["http://gpu-box.lan:8000/v1", "https://ollama.example.com", "http://[fd00::1]:11434"])
        assert.equal(httpUrlProblem(url), undefined, url);
      accepts(apiBase("http://gpu-box.lan:8000/v1"));
    });

    it("refuses what a client could not call, naming why", () => {
      const path = "llm-platform:providers.vllm-local.apiBase";
      expectIssue(apiBase("gpu-box.lan:8000"), path, '"gpu-box.lan:8000" has no scheme: write http://host[:port] or https://host[:port]');
      expectIssue(apiBase("ftp://gpu-box.lan"), path, '"ftp://gpu-box.lan" uses ftp://; use http:// or https://');
      expectIssue(apiBase("http://gpu-box.lan:65536"), path, '"http://gpu-box.lan:65536" has port "65536"; a port is a number from 1 to 65535');
      expectIssue(apiBase("http://gpu-box.lan:0"), path, '"http://gpu-box.lan:0" has port "0"; a port is a number from 1 to 65535');
      expectIssue(apiBase("http://me:pw@gpu-box.lan"), path, '"http://me:pw@gpu-box.lan" carries credentials; keep them out of URLs');
      expectIssue(apiBase("http://:8000"), path, '"http://:8000" has no host');
      accepts(apiBase("http://gpu-box.lan:65535"));
    });

    it("requires HTTPS for Bitwarden", () => {
      expectIssue(
        variant(prod, (c) => (c.externalSecrets.bitwarden.apiUrl = "http://api.bitwarden.com")),
        "llm-platform:externalSecrets.bitwarden.apiUrl",
        '"http://api.bitwarden.com" uses http://; use https://',
      );
    });
  });

  describe("model names in client allowlists and fallbacks", () => {
    // Prod's adapters, its embedding and rerank servers, its provider and default.
    const known = "have: chatbot, rag, code, microservices, embedding, reranker, openai, default";
    const unknown = (name: string) =>
      `"${name}" is not a model the gateway serves (${known}); name an adapter, an embedding or rerank server, a configured provider or default`;

    it("refuses a client model that names nothing the gateway serves", () => {
      expectIssue(
        variant(prod, (c) => (c.gateway.clients.n8n.models = ["code", "gpt-5"])),
        "llm-platform:gateway.clients.n8n.models[1]",
        unknown("gpt-5"),
      );
    });

    it("refuses fallbacks from or to an unknown model, or to itself", () => {
      expectIssue(
        variant(prod, (c) => (c.gateway.fallbacks = { chatbot: ["anthropic"] })),
        "llm-platform:gateway.fallbacks.chatbot[0]",
        unknown("anthropic"),
      );
      expectIssue(
        variant(prod, (c) => (c.gateway.contextWindowFallbacks = { chatbott: ["openai"] })),
        "llm-platform:gateway.contextWindowFallbacks.chatbott",
        unknown("chatbott"),
      );
      expectIssue(
        variant(prod, (c) => (c.gateway.fallbacks = { chatbot: ["chatbot"] })),
        "llm-platform:gateway.fallbacks.chatbot[0]",
        '"chatbot" falls back to itself; name another model',
      );
    });

    it("accepts a provider once it is configured", () => {
      const raw = variant(prod, (c) => {
        c.providers.anthropic = { apiKey: { bitwardenSecret: "a" } };
        c.gateway.fallbacks = { chatbot: ["anthropic"] };
      });
      accepts(raw);
    });
  });

  describe("limits", () => {
    it("refuses a client cap above the gateway's", () => {
      accepts(variant(prod, (c) => (c.gateway.clients.n8n.maxTokens = 4096)));
      expectIssue(
        variant(prod, (c) => (c.gateway.clients.n8n.maxTokens = 4097)),
        "llm-platform:gateway.clients.n8n.maxTokens",
        "4097 is above gateway.limits.maxTokens (4096); a client cap can only lower the gateway's",
      );
    });

    it("refuses resource requests above their limits, at each of the gateway's and Qdrant's containers", () => {
      accepts(variant(prod, (c) => (c.gateway.resources = { requests: { cpu: "2", memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } })));
      expectIssue(
        variant(prod, (c) => (c.gateway.resources = { requests: { cpu: "2100m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } })),
        "llm-platform:gateway.resources.requests.cpu",
        "2100m is above the limit 2; Kubernetes refuses a request above its limit: lower the request or raise limits.cpu",
      );
      expectIssue(
        variant(prod, (c) => (c.qdrant.resources = { requests: { cpu: "1", memory: "5Gi" }, limits: { cpu: "2", memory: "4Gi" } })),
        "llm-platform:qdrant.resources.requests.memory",
        "5Gi is above the limit 4Gi; Kubernetes refuses a request above its limit: lower the request or raise limits.memory",
      );
      expectIssue(
        variant(prod, (c) => (c.gateway.redis = { resources: { requests: { cpu: "1", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } } })),
        "llm-platform:gateway.redis.resources.requests.cpu",
        "1 is above the limit 500m; Kubernetes refuses a request above its limit: lower the request or raise limits.cpu",
      );
    });
  });

  describe("moved and refused keys", () => {
    it("points the old Postgres volume keys at storage.postgres", () => {
      expectIssue(
        variant(prod, (c) => (c.gateway.postgres = { storage: "20Gi" })),
        "llm-platform:gateway.postgres.storage",
        "has moved: set llm-platform:storage.postgres.size instead",
      );
      expectIssue(
        variant(prod, (c) => (c.gateway.postgres = { storageClass: "x" })),
        "llm-platform:gateway.postgres.storageClass",
        "has moved: set llm-platform:storage.postgres.storageClass instead",
      );
    });

    it("refuses a credential given as a value instead of a Bitwarden reference", () => {
      expectIssue(
        variant(prod, (c) => (c.providers.openai.apiKey = "sk-live-abc")),
        "llm-platform:providers.openai.apiKey",
        "must be a Bitwarden reference {bitwardenSecret: <secret id>}, not the credential itself",
      );
    });

    it("requires a Bitwarden project for backup bucket credentials", () => {
      const raw = variant(dev, (c) => {
        delete c.externalSecrets;
        delete c.providers.openai;
        c.gateway.fallbacks = {};
        c.qdrant.backup = {
          s3: { endpoint: "https://s3.example.com", bucket: "snaps", accessKeyId: { bitwardenSecret: "a" }, secretAccessKey: { bitwardenSecret: "b" } },
        };
      });
      expectIssue(
        raw,
        "llm-platform:externalSecrets.bitwarden",
        "is required: qdrant.backup.s3 credentials come from Bitwarden Secrets Manager (organizationId, projectId, accessTokenSecret)",
      );
    });

    it("separates retention from protection, and Postgres' volume from Qdrant's", () => {
      const config = parsePlatformConfig(dev);
      assert.equal(config.platform.retainStatefulData, false);
      assert.equal(parsePlatformConfig(prod).platform.retainStatefulData, true);
      assert.equal(config.storage.postgres.size, "2Gi");
      assert.equal(parsePlatformConfig(variant(dev, (c) => delete c.storage.postgres)).storage.postgres.size, "10Gi");
    });
  });

  describe("plain-text credentials in stack files", () => {
    const never = () => false;
    const warning = (path: string) => ({
      path,
      message: `looks like a credential in plain text in the stack file: keep it in Bitwarden (a {bitwardenSecret: <id>} reference), or encrypt it with pulumi config set --secret --path '${path}' <value>`,
    });

    it("finds none in the shipped stacks (Bitwarden IDs and Secret names are not credentials)", () => {
      assert.deepEqual(plainTextCredentialWarnings(prod, never), []);
      assert.deepEqual(plainTextCredentialWarnings(dev, never), []);
    });

    it("warns about a key that looks like one, at any depth, naming the command", () => {
      const raw = variant(prod, (c) => (c.providers.openai.apiKey = "sk-proj-0123456789abcdefghij"));
      assert.deepEqual(plainTextCredentialWarnings(raw, never), [warning("llm-platform:providers.openai.apiKey")]);
      const deep = variant(
        prod,
        (c) =>
          (c.gateway.postgres = {
            backup: { s3: { endpoint: "https://s3", bucket: "b", accessKeyId: "AKIAABCDEFGHIJKLMNOP", secretAccessKey: { bitwardenSecret: "x" } } },
          }),
      );
      assert.deepEqual(plainTextCredentialWarnings(deep, never), [warning("llm-platform:gateway.postgres.backup.s3.accessKeyId")]);
    });

    it("warns about a value under a credential's name even when it does not look like a key", () => {
      const raw = variant(prod, (c) => (c.qdrant.password = "hunter2"));
      assert.deepEqual(plainTextCredentialWarnings(raw, never), [warning("llm-platform:qdrant.password")]);
    });

    it("stays quiet for keys the stack encrypts (pulumi config set --secret)", () => {
      const raw = variant(prod, (c) => (c.providers.openai.apiKey = "sk-proj-0123456789abcdefghij"));
      assert.deepEqual(
        plainTextCredentialWarnings(raw, (key) => key === "llm-platform:providers"),
        [],
      );
    });
  });
});
