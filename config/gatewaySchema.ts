import { z } from "zod";
import { cronProblem, goDurationSeconds, httpUrlProblem, litellmDurationSeconds } from "./formats";
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
  z.strictObject({ requests: z.strictObject({ cpu, memory: bytes }), limits: z.strictObject({ cpu, memory: bytes }) }).default({ requests, limits });

/** A CronJob schedule, checked as Kubernetes' CronJob controller parses it. */
export const cronSchedule = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `"${value}" is not a CronJob schedule: ${problem}` });
});

/** A LiteLLM duration (`budget_duration`): a whole number and s, m, h, d, w or mo. */
export const litellmDuration = z.string().refine((v) => litellmDurationSeconds(v) !== undefined, {
  error: (i) => `"${String(i.input)}" is not a duration LiteLLM reads: a whole number and s, m, h, d, w or mo ("30d", "1h", "1mo")`,
});

/** A Go duration, as External Secrets parses refreshInterval. */
export const goDuration = z.string().refine((v) => goDurationSeconds(v) !== undefined, {
  error: (i) => `"${String(i.input)}" is not a Go duration: numbers with units ns, us, ms, s, m, h ("1h", "30m", "1h30m")`,
});

/** An HTTP(S) base URL: scheme, host and (optional) port checked as a client would parse them. */
export const httpUrl = (schemes: string[] = ["http", "https"]) =>
  z.string().superRefine((value, ctx) => {
    const problem = httpUrlProblem(value, schemes);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const rotation = z.number().int({ error: "must be a whole number: raise it by one to rotate" }).min(0).default(0);

/** A key that moved elsewhere: refused with the new key's name, so a stack file is fixed, not silently ignored. */
const moved = (to: string) =>
  z
    .unknown()
    .refine((v) => v === undefined, { error: `has moved: set llm-platform:${to} instead` })
    .optional();

/** A provider credential kept in Bitwarden Secrets Manager: the ExternalSecret copies it into a Kubernetes Secret. */
const credential = z.strictObject(
  {
    /** Bitwarden secret ID (UUID) or name in the configured project. */
    bitwardenSecret: z.string().min(1),
  },
  { error: (i) => (typeof i.input === "string" ? "must be a Bitwarden reference {bitwardenSecret: <secret id>}, not the credential itself" : undefined) },
);

const providers = z.strictObject({
  /**
   * Seed 003: one value switches where requests go when no in-cluster server serves them, and what the
   * `default` model alias means. `cluster` = the in-cluster vLLM servers.
   */
  default: z.enum(["cluster", "openai", "anthropic", "ollama", "vllm-local", "bedrock", "vertexai"]).default("cluster"),
  openai: z.strictObject({ model: z.string().default("gpt-4o-mini"), apiKey: credential.optional() }).optional(),
  anthropic: z.strictObject({ model: z.string().default("claude-3-5-haiku-latest"), apiKey: credential.optional() }).optional(),
  /** Ollama; apiBase may come from an Ollama workstation instead. */
  ollama: z.strictObject({ apiBase: httpUrl().optional(), model: z.string().default("llama3.1:8b") }).optional(),
  /** An OpenAI-compatible vLLM outside the cluster (the dev workstation): apiBase from config or the workstation. */
  "vllm-local": z.strictObject({ apiBase: httpUrl().optional(), model: z.string().default("meta-llama/Llama-3.1-8B-Instruct") }).optional(),
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

/** An S3-compatible bucket backups are shipped to (credentials from Bitwarden; give them write access only). */
const s3Target = z.strictObject({
  endpoint: httpUrl(),
  bucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: (i) => `"${String(i.input)}" is not an S3 bucket name (3-63 lower-case letters, digits, '.', '-')` }),
  region: z.string().min(1).default("us-east-1"),
  /** Key prefix inside the bucket, without leading or trailing slash. */
  prefix: z
    .string()
    .regex(/^([A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*)?$/, {
      error: (i) => `"${String(i.input)}" is not a key prefix: letters, digits, '_', '.', '-' separated by single '/', no leading or trailing '/'`,
    })
    .default(""),
  accessKeyId: credential,
  secretAccessKey: credential,
});

const clientName = z.string().regex(/^[a-z0-9][-a-z0-9]*$/, { error: (i) => `"${String(i.input)}" is not a client name: lower-case letters, digits and '-'` });

const client = z.strictObject({
  rpm: z.number().int().positive().optional(),
  /** Tokens per minute: the per-client control of GPU time. */
  tpm: z.number().int().positive().optional(),
  maxParallelRequests: z.number().int().positive().optional(),
  /** USD per budget period (spend on priced models, e.g. the cloud fallback). */
  maxBudget: z.number().positive().optional(),
  budgetDuration: litellmDuration.default("30d"),
  /** Models (adapters, embedding servers, providers, `default`) the key may call; absent: all. */
  models: z.array(z.string().min(1)).optional(),
  /** A lower max_tokens cap than gateway.limits.maxTokens for this client. */
  maxTokens: z.number().int().positive().optional(),
  /** Raise by one to issue the client a new key (the old one is revoked). */
  rotation,
});

export const gatewayConfigSchema = z.strictObject({
  replicas: z.number().int().min(1).default(2),
  /** A HorizontalPodAutoscaler on CPU between minReplicas and maxReplicas (the compute budget counts maxReplicas); absent: fixed `replicas`. */
  autoscaling: z
    .strictObject({
      minReplicas: z.number().int().min(1).default(2),
      maxReplicas: z.number().int().min(1).default(4),
      targetCpuUtilizationPercent: z.number().int().min(1).max(100).default(70),
    })
    .refine((a) => a.maxReplicas >= a.minReplicas, { error: "maxReplicas must be at least minReplicas" })
    .optional(),
  /** v1.93.1: the first release whose images bake the Prisma CLI and engines for any UID (migrations work offline as UID 1000). */
  image: pinnedImage("ghcr.io/berriai/litellm:v1.93.1"),
  resources: resources({ cpu: "500m", memory: "1Gi" }, { cpu: "2", memory: "2Gi" }),
  /** Seconds a request may take end to end (streamed completions take minutes). */
  timeoutSeconds: z.number().int().positive().default(600),
  numRetries: z.number().int().min(0).default(2),
  /** model → models to try when it fails (e.g. local → cloud). */
  fallbacks: z.record(z.string(), z.array(z.string())).default({}),
  /** model → models with a longer context to use when a prompt does not fit (seed 002). */
  contextWindowFallbacks: z.record(z.string(), z.array(z.string())).default({}),
  /** Per-client virtual keys (seed 002: webui, n8n) with their own limits. */
  clients: z.record(clientName, client).default({}),
  /** Caps on every request, enforced by the gateway before it reaches a model (GPU abuse limits). */
  limits: z
    .strictObject({
      /** Largest max_tokens a request may ask for; requests without one get this cap. */
      maxTokens: z.number().int().positive().default(4096),
      /** Largest `n` (and `best_of`): completions generated per request. */
      maxN: z.number().int().positive().default(1),
      /** Largest prompt/input a request may carry, in MiB (the edge's body limit is the first line). */
      maxRequestSizeMiB: z.number().positive().default(8),
    })
    .prefault({}),
  /** Raise a number by one to rotate that credential (the salt key is never rotated). */
  rotation: z.strictObject({ masterKey: rotation, postgresPassword: rotation, postgresAdminPassword: rotation, redisPassword: rotation }).prefault({}),
  postgres: z
    .strictObject({
      image: pinnedImage("postgres:17.6"),
      storage: moved("storage.postgres.size"),
      storageClass: moved("storage.postgres.storageClass"),
      resources: resources({ cpu: "250m", memory: "512Mi" }, { cpu: "1", memory: "1Gi" }),
      /** Logical backups (pg_dump) to a volume of their own (storage.backups) or an S3-compatible bucket. */
      backup: z
        .strictObject({
          schedule: cronSchedule.default("30 2 * * *"),
          /** Dumps kept on the backup volume (an S3 bucket keeps what its lifecycle rules keep). */
          retain: z.number().int().min(1).default(14),
          size: bytes.default("10Gi"),
          s3: s3Target.optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  redis: z
    .strictObject({
      image: pinnedImage("redis:7.4.6"),
      resources: resources({ cpu: "100m", memory: "128Mi" }, { cpu: "500m", memory: "256Mi" }),
    })
    .prefault({}),
});

/** Shortest validity of a Qdrant client token: tokens are re-issued each calendar month, so they must outlive one. */
export const MIN_TOKEN_VALIDITY_DAYS = 32;

const qdrantClient = z.strictObject({
  /** `r`: search and read the collection; `rw`: also write it (ingestion). */
  access: z.enum(["r", "rw"]).default("r"),
  /** How long each issued token stays valid (d, w or mo). */
  validFor: litellmDuration
    .refine((v) => (litellmDurationSeconds(v) ?? 0) >= MIN_TOKEN_VALIDITY_DAYS * 86400, {
      error: (i) =>
        `"${String(i.input)}" is too short: tokens are re-issued on the first deploy of each calendar month, so they must stay valid at least ${MIN_TOKEN_VALIDITY_DAYS}d`,
    })
    .default("90d"),
});

export const qdrantConfigSchema = z.strictObject({
  image: pinnedImage("qdrant/qdrant:v1.15.4-unprivileged"),
  resources: resources({ cpu: "1", memory: "2Gi" }, { cpu: "2", memory: "4Gi" }),
  collection: z
    .strictObject({
      name: z
        .string()
        .regex(/^[a-z0-9_-]+$/)
        .default("rag"),
      distance: z.enum(["Cosine", "Dot", "Euclid"]).default("Cosine"),
      /** Needed only when no in-cluster embedding server gives it (e.g. embeddings from a cloud provider). */
      vectorSize: z.number().int().positive().optional(),
    })
    .prefault({}),
  /** Cron schedule of collection snapshots, each shipped off the Qdrant pod. */
  snapshotSchedule: cronSchedule.default("17 * * * *"),
  /** Snapshots kept on the backup volume; older ones are deleted after each new one. */
  snapshotRetain: z.number().int().min(1).default(24),
  /** Qdrant's own snapshot directory (staging: one snapshot at a time, shipped and deleted). */
  snapshotStorage: bytes.default("20Gi"),
  /** Where snapshots go: a backup volume the Qdrant pod never mounts (storage.backups), or an S3-compatible bucket. */
  backup: z.strictObject({ size: bytes.default("40Gi"), s3: s3Target.optional() }).prefault({}),
  /** Per-client tokens scoped to the collection (Qdrant JWT RBAC), each with an expiry. */
  clients: z.record(clientName, qdrantClient).default({}),
  /** Raise by one to rotate the API key (every client token is re-issued with it). */
  rotation: z.strictObject({ apiKey: rotation }).prefault({}),
});

export const secretsConfigSchema = z.strictObject({
  chartVersion: z.string().default("2.9.0"),
  bitwarden: z
    .strictObject({
      organizationId: z.uuid({ error: "must be the Bitwarden organization UUID" }),
      projectId: z.uuid({ error: "must be the Bitwarden Secrets Manager project UUID" }),
      /** An existing Secret (in the external-secrets namespace) holding the machine account's access token. */
      accessTokenSecret: z.strictObject({ name: z.string().min(1), key: z.string().default("token") }),
      apiUrl: httpUrl(["https"]).default("https://api.bitwarden.com"),
      identityUrl: httpUrl(["https"]).default("https://identity.bitwarden.com"),
    })
    .optional(),
  refreshInterval: goDuration.default("1h"),
});

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type ProvidersConfig = z.output<typeof providers>;
export type QdrantConfig = z.output<typeof qdrantConfigSchema>;
export type SecretsConfig = z.output<typeof secretsConfigSchema>;
export type S3TargetConfig = z.output<typeof s3Target>;
export const providersConfigSchema = providers;
