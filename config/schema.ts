import { z } from "zod";
import { MODEL_CATALOG, isDigestPinned } from "@llm-platform/capacity";
import { parseByteQuantity, parseQuantity } from "./quantity";
import { edgeConfigSchema } from "./edgeSchema";
import { workstationConfigSchema } from "./workstationSchema";
import { gatewayConfigSchema, pinnedImage, providersConfigSchema, qdrantConfigSchema, secretsConfigSchema } from "./gatewaySchema";
import { providerCredentials, providerProblems } from "./providers";

/** RFC 1123 label, as Kubernetes requires for names of Services, namespaces and most objects. */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dnsName = z
  .string()
  .max(63, { error: "must be at most 63 characters (a DNS-1123 label)" })
  .regex(DNS_1123_LABEL, {
    error: (issue) =>
      `"${String(issue.input)}" is not a DNS-1123 label: use lower-case letters, digits and '-', starting and ending with a letter or digit`,
  });

const cpuQuantity = z.union([z.string(), z.number()]).refine((v) => parseQuantity(v) !== undefined, {
  error: (issue) => `"${String(issue.input)}" is not a CPU quantity: use cores ("4", "0.5") or millicores ("500m")`,
});

const byteQuantity = z.union([z.string(), z.number()]).refine((v) => parseByteQuantity(v) !== undefined, {
  error: (issue) =>
    `"${String(issue.input)}" is not a memory/storage quantity: use a whole number of bytes with a binary suffix ("8Gi", "512Mi"); "GB" and "m" are not valid here`,
});

const wholeCount = (what: string) =>
  z
    .number({ error: `must be a whole number of ${what}` })
    .int({ error: `must be a whole number of ${what} (fractions such as 0.5 are not schedulable)` })
    .min(0, { error: `must be 0 or more ${what}` });

const positiveInt = (what: string) =>
  z.number({ error: `must be a whole number (${what})` }).int({ error: `must be a whole number (${what})` }).min(1, {
    error: `must be at least 1 (${what})`,
  });

const labels = z.record(z.string(), z.string());

const toleration = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().optional(),
});

const resourceList = z.strictObject({ cpu: cpuQuantity, memory: byteQuantity });

export const resourcesSchema = z.strictObject({ requests: resourceList, limits: resourceList });

const hostNode = z.strictObject({
  gpus: wholeCount("GPUs"),
  /** Memory of one GPU as the driver reports it (nvidia-smi), in GiB; required when gpus > 0. */
  gpuMemoryGiB: z
    .number({ error: "must be the memory of one GPU in GiB (e.g. 10)" })
    .positive({ error: "must be more than 0 GiB" })
    .optional(),
  gpuProduct: z.string().min(1).optional(),
  cpu: cpuQuantity,
  memory: byteQuantity,
});

const hostSchema = z.strictObject({
  nodes: z.record(dnsName, hostNode).refine((nodes) => Object.keys(nodes).length > 0, {
    error: "needs at least one node",
  }),
  /** CPU and memory the kubelet, system daemons and eviction threshold keep back on every node. */
  systemReserved: resourceList.default({ cpu: "2", memory: "8Gi" }),
  gpuNodeSelector: labels.default({ "nvidia.com/gpu.present": "true" }),
  gpuTolerations: z.array(toleration).default([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]),
  /** What each storage class can provision (the policy pack's storage budget); "default" for claims without a class. */
  storageCapacity: z.record(z.string(), byteQuantity).default({ default: "500Gi" }),
});

const gpuSharingSchema = z.discriminatedUnion(
  "mode",
  [
    z.strictObject({
      mode: z.literal("time-slicing"),
      replicas: positiveInt("slices per GPU"),
      renameByDefault: z.boolean().default(false),
    }),
    z.strictObject({ mode: z.literal("mps"), replicas: positiveInt("MPS clients per GPU") }),
    z.strictObject({ mode: z.literal("none") }),
  ],
  { error: 'mode must be one of "time-slicing", "mps", "none"' },
);

const modelSchema = z.strictObject({
  /** Hugging Face id; must be in the capacity model's catalog so its memory can be planned. */
  id: z.string().refine((id) => id in MODEL_CATALOG, {
    error: (issue) =>
      `"${String(issue.input)}" is not in the model catalog (capacity/catalog); known: ${Object.keys(MODEL_CATALOG).join(", ")}`,
  }),
  revision: z.string().min(1).optional(),
  /** Quantize a 16-bit checkpoint at load time. */
  runtimeQuantization: z.enum(["fp8"]).optional(),
});

const loraSlotsSchema = z.strictObject({
  maxLoraRank: z
    .number()
    .int()
    .refine((r) => [1, 8, 16, 32, 64, 128, 256, 320, 512].includes(r), {
      error: "must be one of vLLM's LoRA ranks: 1, 8, 16, 32, 64, 128, 256, 320, 512",
    })
    .default(16),
  /** Adapters resident on the GPU at once; defaults to the number of LoRA adapters the server hosts. */
  maxLoras: positiveInt("LoRA slots on the GPU").optional(),
});

const serverSchema = z.strictObject({
  model: z.string(),
  task: z.enum(["generate", "embed"]).default("generate"),
  replicas: wholeCount("replicas").default(1),
  /** GPU slices per pod (the nvidia.com/gpu limit); whole GPUs for tensor parallelism when sharing is "none". */
  gpus: positiveInt("GPU slices per pod").default(1),
  maxModelLen: positiveInt("tokens per sequence"),
  maxNumSeqs: positiveInt("concurrent sequences").default(16),
  maxNumBatchedTokens: positiveInt("tokens per scheduler step").optional(),
  /** A fraction of the WHOLE card this process reserves, or "auto" to size it with the capacity model. */
  gpuMemoryUtilization: z
    .union([
      z.literal("auto"),
      z.number().gt(0, { error: "must be in (0, 1]: a fraction of the whole card" }).lte(1, {
        error: "must be in (0, 1]: a fraction of the whole card",
      }),
    ])
    .default("auto"),
  /** With "auto": how many max-model-len sequences the KV cache must hold at once. */
  fullLengthSequences: positiveInt("full-length sequences the KV cache holds").default(1),
  kvCacheDtype: z.enum(["auto", "fp8"]).default("auto"),
  enforceEager: z.boolean().default(false),
  lora: loraSlotsSchema.optional(),
  resources: resourcesSchema,
  shmSize: byteQuantity.default("2Gi"),
  rollout: z.enum(["Recreate", "RollingUpdate"]).default("Recreate"),
  /** Seconds the startupProbe allows for download + load + CUDA graph capture. */
  startupTimeoutSeconds: positiveInt("seconds").default(1800),
  extraArgs: z.array(z.string()).default([]),
});

const adapterSchema = z.strictObject({
  /** The in-cluster vLLM server (key of `servers`) that serves this adapter; absent: the gateway's default provider. */
  server: z.string().optional(),
  description: z.string().optional(),
  /** Public path segment of the adapter's route (`/<path>/v1/...`); default: the adapter's name (seed 000: chatbot at `/chat`). */
  path: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: (i) => `"${String(i.input)}" is not a path segment: lower-case letters, digits and '-'` })
    .refine((p) => !["v1", "vector-search", "openai", "health", "metrics"].includes(p), { error: (i) => `"${String(i.input)}" is reserved by another public route` })
    .optional(),
  /** Serve a LoRA fine-tune: a Hugging Face repo id or a path on the adapter's volume (/adapters/<name>/...). */
  lora: z.strictObject({ source: z.string().min(1) }).optional(),
  /** Requests the gateway lets through to this adapter at once (seed: replicas × per-replica slots). */
  maxParallelRequests: positiveInt("parallel requests").optional(),
  /** Requests and tokens per minute the gateway admits to this adapter, across all clients. */
  rpm: positiveInt("requests per minute").optional(),
  tpm: positiveInt("tokens per minute").optional(),
});

const volumeSchema = (size: string) =>
  z.strictObject({
    storageClass: z.string().min(1).optional(),
    size: byteQuantity.default(size),
    /** Seed 001: GFS (hourly/daily/weekly) for models and vector data, daily for caches. */
    backupTier: z.enum(["gfs", "daily", "none"]).default("gfs"),
  });

const storageSchema = z.strictObject({
  baseModels: volumeSchema("50Gi").prefault({}),
  adapters: volumeSchema("10Gi").prefault({}),
  qdrant: volumeSchema("20Gi").prefault({}),
  /** Label your backup system selects PVCs by: `gfs` for critical data, `daily` for caches. */
  backupTierLabel: z.string().default("backup-tier"),
});

const namespacesSchema = z.strictObject({
  inference: dnsName.default("llm-inference"),
  devicePlugin: dnsName.default("nvidia-device-plugin"),
  gateway: dnsName.default("llm-gateway"),
  data: dnsName.default("llm-data"),
  ingress: dnsName.default("ingress-nginx"),
  certManager: dnsName.default("cert-manager"),
  externalSecrets: dnsName.default("external-secrets"),
  /** Where Prometheus runs; it may scrape metrics ports in the app namespaces. */
  monitoring: dnsName.default("monitoring"),
});

const networkSchema = z.strictObject({
  /** Let vLLM download weights from Hugging Face (HTTPS egress); off when weights are pre-seeded. */
  modelDownloads: z.boolean().default(true),
  /** CIDRs egress to the internet may not reach (cluster and private ranges). */
  privateCidrs: z.array(z.string()).default(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]),
});

const imagesSchema = z.strictObject({
  vllm: pinnedImage("vllm/vllm-openai:v0.19.0"),
  /** The small HTTP client image of the setup Jobs (Qdrant collection and snapshots, LiteLLM client keys). */
  curl: pinnedImage("curlimages/curl:8.16.0"),
  /**
   * "tag": version tags. "digest": every image in the config must be repo@sha256:... "resolve": tags in
   * config, each workload image pinned at deploy time to the digest its tag points at (registry lookup).
   */
  pinning: z.enum(["tag", "digest", "resolve"]).default("tag"),
});

const chartSchema = (repo: string, version: string) =>
  z.strictObject({ repo: z.string().url().default(repo), version: z.string().min(1).default(version) });

const chartsSchema = z.strictObject({
  nvidiaDevicePlugin: chartSchema("https://nvidia.github.io/k8s-device-plugin", "0.17.4").default({
    repo: "https://nvidia.github.io/k8s-device-plugin",
    version: "0.17.4",
  }),
});

const platformSchema = z.strictObject({
  environment: dnsName,
  /** protect + retainOnDelete on volumes that hold data worth keeping (prod). */
  protectStatefulData: z.boolean().default(false),
});

const huggingFaceSchema = z.strictObject({
  /** An existing Secret (created by External Secrets or by hand) holding the Hugging Face token. */
  tokenSecret: z.strictObject({ name: dnsName, key: z.string().min(1).default("token") }).optional(),
  /** Token for the dev workstation's container; set it with `pulumi config set --secret`. */
  token: z.string().min(1).optional(),
});

export const platformConfigSchema = z
  .strictObject({
    platform: platformSchema,
    host: hostSchema,
    gpuSharing: gpuSharingSchema,
    models: z.record(dnsName, modelSchema),
    servers: z.record(dnsName, serverSchema),
    adapters: z.record(dnsName, adapterSchema),
    storage: storageSchema.prefault({}),
    namespaces: namespacesSchema.prefault({}),
    images: imagesSchema.prefault({}),
    charts: chartsSchema.prefault({}),
    huggingFace: huggingFaceSchema.default({}),
    network: networkSchema.prefault({}),
    gateway: gatewayConfigSchema.prefault({}),
    providers: providersConfigSchema.prefault({}),
    qdrant: qdrantConfigSchema.prefault({}),
    externalSecrets: secretsConfigSchema.prefault({}),
    /** The HTTPS edge; absent: no public entry point (use port-forward). */
    edge: edgeConfigSchema.optional(),
    /** Dev: inference on a GPU workstation outside the cluster (seed 003). */
    workstation: workstationConfigSchema.optional(),
  })
  .superRefine((config, ctx) => {
    for (const [name, node] of Object.entries(config.host.nodes)) {
      if (node.gpus > 0 && node.gpuMemoryGiB === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["host", "nodes", name, "gpuMemoryGiB"],
          message: `is required: node "${name}" has ${node.gpus} GPU(s); give the memory of one in GiB (e.g. 10)`,
        });
      }
    }
    for (const [name, server] of Object.entries(config.servers)) {
      if (!(server.model in config.models)) {
        ctx.addIssue({
          code: "custom",
          path: ["servers", name, "model"],
          message: `"${server.model}" is not a key of models (have: ${Object.keys(config.models).join(", ") || "none"})`,
        });
      }
    }
    for (const [name, adapter] of Object.entries(config.adapters)) {
      if (adapter.server === undefined) continue;
      const server = config.servers[adapter.server];
      if (!server) {
        ctx.addIssue({
          code: "custom",
          path: ["adapters", name, "server"],
          message: `"${adapter.server}" is not a key of servers (have: ${Object.keys(config.servers).join(", ") || "none"})`,
        });
      } else if (adapter.lora && server.task !== "generate") {
        ctx.addIssue({
          code: "custom",
          path: ["adapters", name, "lora"],
          message: `LoRA adapters need a generate server; "${adapter.server}" has task ${server.task}`,
        });
      }
    }
    const provider = config.providers.default;
    if (provider !== "cluster") {
      for (const problem of providerProblems(config.providers, provider, config.workstation?.engine)) {
        ctx.addIssue({ code: "custom", path: ["providers", "default"], message: `default provider "${provider}" cannot be used: ${problem}` });
      }
    } else {
      for (const [name, adapter] of Object.entries(config.adapters)) {
        if (adapter.server === undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["adapters", name, "server"],
            message: `is required while providers.default is "cluster"; name an in-cluster server or choose a default provider (openai, ollama, vllm-local, bedrock, vertexai)`,
          });
        }
      }
    }
    if (providerCredentials(config.providers).length > 0 && !config.externalSecrets.bitwarden) {
      ctx.addIssue({
        code: "custom",
        path: ["externalSecrets", "bitwarden"],
        message: "is required: provider credentials come from Bitwarden Secrets Manager (organizationId, projectId, accessTokenSecret)",
      });
    }
    if (config.images.pinning === "digest") {
      const images: [PropertyKey[], string][] = [
        [["images", "vllm"], config.images.vllm],
        [["images", "curl"], config.images.curl],
        [["gateway", "image"], config.gateway.image],
        [["gateway", "postgres", "image"], config.gateway.postgres.image],
        [["gateway", "redis", "image"], config.gateway.redis.image],
        [["qdrant", "image"], config.qdrant.image],
        ...(config.workstation ? [[["workstation", "image"], config.workstation.image] as [PropertyKey[], string]] : []),
      ];
      for (const [path, image] of images) {
        if (!isDigestPinned(image)) {
          ctx.addIssue({ code: "custom", path, message: `"${image}" is pinned by tag but images.pinning is "digest": use repo@sha256:<digest> (docker buildx imagetools inspect <image>)` });
        }
      }
    }
    const byPath = new Map<string, string>();
    for (const [name, adapter] of Object.entries(config.adapters)) {
      const path = adapter.path ?? name;
      const other = byPath.get(path);
      if (other) {
        ctx.addIssue({ code: "custom", path: ["adapters", name, "path"], message: `public path "/${path}" is already adapter "${other}"'s; give one of them another adapters.<name>.path` });
      }
      byPath.set(path, name);
    }
    // Service names are `<server>` and `<adapter>` aliases in one namespace: they must not collide.
    for (const name of Object.keys(config.adapters)) {
      const server = config.servers[name];
      const adapter = config.adapters[name]!;
      if (server && adapter.server !== name) {
        ctx.addIssue({
          code: "custom",
          path: ["adapters", name],
          message: `adapter "${name}" has the name of another server ("${name}"); rename one of them`,
        });
      }
    }
  });

export type PlatformConfigInput = z.input<typeof platformConfigSchema>;
export type PlatformConfig = z.output<typeof platformConfigSchema>;
export type ServerConfig = PlatformConfig["servers"][string];
export type AdapterConfig = PlatformConfig["adapters"][string];
export type HostConfig = PlatformConfig["host"];
export type GpuSharingConfig = PlatformConfig["gpuSharing"];
export type ResourcesConfig = z.output<typeof resourcesSchema>;
export type NamespacesConfig = PlatformConfig["namespaces"];
export type NetworkConfig = PlatformConfig["network"];
