import { parseByteQuantity, parseQuantity } from "./quantity";
import type { PlatformConfig } from "./schema";
import { configuredProviders, providerCredentials } from "./providers";

/** A problem found across several keys: the key path (without the namespace) and what to do. */
export interface GatewayIssue {
  path: (string | number)[];
  message: string;
}

type Checked = Pick<PlatformConfig, "adapters" | "servers" | "providers" | "gateway" | "qdrant" | "externalSecrets">;

/**
 * The names a request's `model` may take at the gateway: every adapter, every pooling server (embedding
 * or rerank), every configured provider and `default` (platform/gateway.ts builds the model list from the same keys).
 */
export function gatewayModelNames(config: Pick<PlatformConfig, "adapters" | "servers" | "providers">): string[] {
  const embed = Object.entries(config.servers)
    .filter(([, s]) => s.task === "embed" || s.task === "score")
    .map(([name]) => name);
  return [...new Set([...Object.keys(config.adapters), ...embed, ...configuredProviders(config.providers), "default"])];
}

function unknownModel(name: string, known: string[]): string {
  return `"${name}" is not a model the gateway serves (have: ${known.join(", ")}); name an adapter, an embedding or rerank server, a configured provider or default`;
}

type Resources = PlatformConfig["gateway"]["resources"];

function requestsAboveLimits(path: (string | number)[], r: Resources): GatewayIssue[] {
  const issues: GatewayIssue[] = [];
  const cpu = [parseQuantity(r.requests.cpu), parseQuantity(r.limits.cpu)];
  if (cpu[0] !== undefined && cpu[1] !== undefined && cpu[0] > cpu[1]) {
    issues.push({
      path: [...path, "requests", "cpu"],
      message: `${r.requests.cpu} is above the limit ${r.limits.cpu}; Kubernetes refuses a request above its limit: lower the request or raise limits.cpu`,
    });
  }
  const memory = [parseByteQuantity(r.requests.memory), parseByteQuantity(r.limits.memory)];
  if (memory[0] !== undefined && memory[1] !== undefined && memory[0] > memory[1]) {
    issues.push({
      path: [...path, "requests", "memory"],
      message: `${r.requests.memory} is above the limit ${r.limits.memory}; Kubernetes refuses a request above its limit: lower the request or raise limits.memory`,
    });
  }
  return issues;
}

/**
 * Checks across the gateway, providers, Qdrant and secrets keys that no single field can make: model
 * names in client allowlists and fallbacks, per-client caps under the global cap, resource requests
 * under limits, credentials that need a Bitwarden store.
 */
export function gatewayConfigIssues(config: Checked): GatewayIssue[] {
  const issues: GatewayIssue[] = [];
  const known = gatewayModelNames(config);
  const g = config.gateway;
  for (const [name, c] of Object.entries(g.clients)) {
    for (const [i, model] of (c.models ?? []).entries()) {
      if (!known.includes(model)) issues.push({ path: ["gateway", "clients", name, "models", i], message: unknownModel(model, known) });
    }
    if (c.maxTokens !== undefined && c.maxTokens > g.limits.maxTokens) {
      issues.push({
        path: ["gateway", "clients", name, "maxTokens"],
        message: `${c.maxTokens} is above gateway.limits.maxTokens (${g.limits.maxTokens}); a client cap can only lower the gateway's`,
      });
    }
  }
  for (const key of ["fallbacks", "contextWindowFallbacks"] as const) {
    for (const [model, targets] of Object.entries(g[key])) {
      if (!known.includes(model)) issues.push({ path: ["gateway", key, model], message: unknownModel(model, known) });
      for (const [i, target] of targets.entries()) {
        if (!known.includes(target)) issues.push({ path: ["gateway", key, model, i], message: unknownModel(target, known) });
        else if (target === model) issues.push({ path: ["gateway", key, model, i], message: `"${model}" falls back to itself; name another model` });
      }
    }
  }
  issues.push(...requestsAboveLimits(["gateway", "resources"], g.resources));
  issues.push(...requestsAboveLimits(["gateway", "postgres", "resources"], g.postgres.resources));
  issues.push(...requestsAboveLimits(["gateway", "redis", "resources"], g.redis.resources));
  issues.push(...requestsAboveLimits(["qdrant", "resources"], config.qdrant.resources));
  if (!config.externalSecrets.bitwarden) {
    const needs = [
      ...(providerCredentials(config.providers).length > 0 ? ["provider credentials"] : []),
      ...(g.postgres.backup.s3 ? ["gateway.postgres.backup.s3 credentials"] : []),
      ...(config.qdrant.backup.s3 ? ["qdrant.backup.s3 credentials"] : []),
    ];
    if (needs.length > 0) {
      issues.push({
        path: ["externalSecrets", "bitwarden"],
        message: `is required: ${needs.join(" and ")} come from Bitwarden Secrets Manager (organizationId, projectId, accessTokenSecret)`,
      });
    }
  }
  return issues;
}

/** Keys whose string values are credentials when given directly (rather than as a Bitwarden reference). */
const CREDENTIAL_KEYS = /^(apiKey|password|token|secret|secretAccessKey|accessKeyId|serviceAccountJson|privateKey|masterKey|saltKey)$/i;

/** Values that look like credentials whatever their key (provider keys, cloud keys, tokens, private keys). */
const CREDENTIAL_VALUES = [
  /^sk-[A-Za-z0-9_-]{16,}/, // OpenAI, Anthropic (sk-ant-), LiteLLM virtual keys
  /^(AKIA|ASIA)[0-9A-Z]{16}$/, // AWS access key IDs
  /^hf_[A-Za-z0-9]{20,}$/, // Hugging Face
  /^(ghp|gho|ghs|github_pat)_[A-Za-z0-9_]{20,}/, // GitHub
  /^xox[abprs]-/, // Slack
  /^eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\./, // JWTs
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /"private_key"\s*:/, // a service-account JSON pasted in
];

/** The top-level keys this check reads (gateway, providers, Qdrant, secrets, storage). */
export const CREDENTIAL_CHECKED_KEYS = ["gateway", "providers", "qdrant", "externalSecrets", "storage"];

/**
 * Warnings for credentials written in plain text in a stack file: a string under a credential-named key,
 * or a value that looks like a key or token. Keys the stack encrypts (`secure:`) are skipped: the CLI
 * reports a top-level key as secret when any value under it was set with `--secret`.
 */
export function plainTextCredentialWarnings(raw: Record<string, unknown>, isSecret: (topLevelKey: string) => boolean): { path: string; message: string }[] {
  const warnings: { path: string; message: string }[] = [];
  const visit = (value: unknown, path: string[]) => {
    if (Array.isArray(value)) return value.forEach((v, i) => visit(v, [...path, String(i)]));
    if (value && typeof value === "object") return Object.entries(value).forEach(([k, v]) => visit(v, [...path, k]));
    if (typeof value !== "string") return;
    const key = path[path.length - 1]!;
    if (key === "bitwardenSecret") return;
    if (CREDENTIAL_KEYS.test(key) || CREDENTIAL_VALUES.some((re) => re.test(value))) {
      const full = `llm-platform:${path.join(".")}`;
      warnings.push({
        path: full,
        message: `looks like a credential in plain text in the stack file: keep it in Bitwarden (a {bitwardenSecret: <id>} reference), or encrypt it with pulumi config set --secret --path '${full}' <value>`,
      });
    }
  };
  for (const key of CREDENTIAL_CHECKED_KEYS) {
    if (raw[key] !== undefined && !isSecret(`llm-platform:${key}`)) visit(raw[key], [key]);
  }
  return warnings;
}
