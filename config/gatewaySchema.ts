import { z } from "zod";
import { parseByteQuantity, parseQuantity } from "./quantity";

const DIGEST_OR_TAG = /(@sha256:[a-f0-9]{64}$)|(:[\w][\w.-]{0,127}$)/;
export const pinnedImage = (fallback: string) =>
  z
    .string()
    .refine((ref) => DIGEST_OR_TAG.test(ref) && !/:latest$/.test(ref), {
      error: (issue) => `"${String(issue.input)}" must be pinned to a version tag or digest (never latest or untagged)`,
    })
    .default(fallback);

const cpu = z.union([z.string(), z.number()]).refine((v) => parseQuantity(v) !== undefined, { error: 'must be a CPU quantity ("500m", "2")' });
const bytes = z.union([z.string(), z.number()]).refine((v) => parseByteQuantity(v) !== undefined, {
  error: 'must be a memory/storage quantity with a binary suffix ("512Mi", "8Gi")',
});
const resources = (requests: { cpu: string; memory: string }, limits: { cpu: string; memory: string }) =>
  z
    .strictObject({ requests: z.strictObject({ cpu, memory: bytes }), limits: z.strictObject({ cpu, memory: bytes }) })
    .default({ requests, limits });

/** A provider credential kept in Bitwarden Secrets Manager: the ExternalSecret copies it into a Kubernetes Secret. */
const credential = z.strictObject({
  /** Bitwarden secret ID (UUID) or name in the configured project. */
  bitwardenSecret: z.string().min(1),
});

const providers = z.strictObject({
  /**
   * Seed 003: one value switches where requests go when no in-cluster server serves them, and what the
   * `default` model alias means. `cluster` = the in-cluster vLLM servers.
   */
  default: z.enum(["cluster", "openai", "anthropic", "ollama", "vllm-local", "bedrock", "vertexai"]).default("cluster"),
  openai: z.strictObject({ model: z.string().default("gpt-4o-mini"), apiKey: credential.optional() }).optional(),
  anthropic: z.strictObject({ model: z.string().default("claude-3-5-haiku-latest"), apiKey: credential.optional() }).optional(),
  /** Ollama; apiBase may come from an Ollama workstation instead. */
  ollama: z.strictObject({ apiBase: z.url().optional(), model: z.string().default("llama3.1:8b") }).optional(),
  /** An OpenAI-compatible vLLM outside the cluster (the dev workstation): apiBase from config or the workstation. */
  "vllm-local": z.strictObject({ apiBase: z.url().optional(), model: z.string().default("meta-llama/Llama-3.1-8B-Instruct") }).optional(),
  bedrock: z
    .strictObject({
      model: z.string().default("anthropic.claude-3-5-haiku-20241022-v1:0"),
      region: z.string().default("eu-central-1"),
      accessKeyId: credential.optional(),
      secretAccessKey: credential.optional(),
    })
    .optional(),
  vertexai: z
    .strictObject({
      model: z.string().default("gemini-2.0-flash"),
      project: z.string().min(1),
      location: z.string().default("europe-west4"),
      serviceAccountJson: credential.optional(),
    })
    .optional(),
});

const client = z.strictObject({
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  maxParallelRequests: z.number().int().positive().optional(),
  /** USD per budget period. */
  maxBudget: z.number().positive().optional(),
  budgetDuration: z.string().default("30d"),
  /** Models (adapters) the key may call; absent: all. */
  models: z.array(z.string()).optional(),
});

export const gatewayConfigSchema = z.strictObject({
  replicas: z.number().int().min(1).default(2),
  image: pinnedImage("ghcr.io/berriai/litellm:v1.77.7-stable"),
  resources: resources({ cpu: "500m", memory: "1Gi" }, { cpu: "2", memory: "2Gi" }),
  /** Seconds a request may take end to end (streamed completions take minutes). */
  timeoutSeconds: z.number().int().positive().default(600),
  numRetries: z.number().int().min(0).default(2),
  /** model → models to try when it fails (e.g. local → cloud). */
  fallbacks: z.record(z.string(), z.array(z.string())).default({}),
  /** model → models with a longer context to use when a prompt does not fit (seed 002). */
  contextWindowFallbacks: z.record(z.string(), z.array(z.string())).default({}),
  /** Per-client virtual keys (seed 002: webui, n8n) with their own limits. */
  clients: z.record(z.string().regex(/^[a-z0-9][-a-z0-9]*$/), client).default({}),
  postgres: z
    .strictObject({
      image: pinnedImage("postgres:17.6"),
      storage: bytes.default("10Gi"),
      storageClass: z.string().optional(),
      resources: resources({ cpu: "250m", memory: "512Mi" }, { cpu: "1", memory: "1Gi" }),
    })
    .prefault({}),
  redis: z
    .strictObject({
      image: pinnedImage("redis:7.4.6"),
      resources: resources({ cpu: "100m", memory: "128Mi" }, { cpu: "500m", memory: "256Mi" }),
    })
    .prefault({}),
});

export const qdrantConfigSchema = z.strictObject({
  image: pinnedImage("qdrant/qdrant:v1.15.4-unprivileged"),
  resources: resources({ cpu: "1", memory: "2Gi" }, { cpu: "2", memory: "4Gi" }),
  collection: z
    .strictObject({
      name: z.string().regex(/^[a-z0-9_-]+$/).default("rag"),
      distance: z.enum(["Cosine", "Dot", "Euclid"]).default("Cosine"),
      /** Needed only when no in-cluster embedding server gives it (e.g. embeddings from a cloud provider). */
      vectorSize: z.number().int().positive().optional(),
    })
    .prefault({}),
  /** Cron schedule for collection snapshots onto the snapshot volume. */
  snapshotSchedule: z.string().default("17 * * * *"),
  /** Snapshots kept on the snapshot volume; older ones are deleted after each new one. */
  snapshotRetain: z.number().int().min(1).default(24),
  snapshotStorage: bytes.default("20Gi"),
});

export const secretsConfigSchema = z.strictObject({
  chartVersion: z.string().default("2.9.0"),
  bitwarden: z
    .strictObject({
      organizationId: z.uuid({ error: "must be the Bitwarden organization UUID" }),
      projectId: z.uuid({ error: "must be the Bitwarden Secrets Manager project UUID" }),
      /** An existing Secret (in the external-secrets namespace) holding the machine account's access token. */
      accessTokenSecret: z.strictObject({ name: z.string().min(1), key: z.string().default("token") }),
      apiUrl: z.url().default("https://api.bitwarden.com"),
      identityUrl: z.url().default("https://identity.bitwarden.com"),
    })
    .optional(),
  refreshInterval: z.string().default("1h"),
});

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type ProvidersConfig = z.output<typeof providers>;
export type QdrantConfig = z.output<typeof qdrantConfigSchema>;
export type SecretsConfig = z.output<typeof secretsConfigSchema>;
export const providersConfigSchema = providers;
