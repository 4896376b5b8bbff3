import { z } from "zod";
import { GPU_CATALOG, MODEL_CATALOG, gpuVariants, lookupModel } from "@llm-platform/capacity";
import { isDigestPinned } from "@llm-platform/kube";
import { parseCron, CronError } from "../policies/cron";
import { parseByteQuantity, parseQuantity } from "./quantity";
import { edgeConfigSchema } from "./edgeSchema";
import { workstationConfigSchema } from "./workstationSchema";
import { monitoringConfigSchema } from "./monitoringSchema";
import { gatewayConfigSchema, pinnedImage, providersConfigSchema, qdrantConfigSchema, secretsConfigSchema } from "./gatewaySchema";
import { providerProblems } from "./providers";
import { gatewayConfigIssues } from "./gatewayChecks";
import { serverConfigIssues } from "./serverChecks";
import { clusterConfigIssues, clusterConfigSchema } from "./clusterSchema";

/** RFC 1123 label, as Kubernetes requires for names of Services, namespaces and most objects. */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dnsName = z
  .string()
  .max(63, { error: "must be at most 63 characters (a DNS-1123 label)" })
  .regex(DNS_1123_LABEL, {
    error: (issue) => `"${String(issue.input)}" is not a DNS-1123 label: use lower-case letters, digits and '-', starting and ending with a letter or digit`,
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
  z
    .number({ error: `must be a whole number (${what})` })
    .int({ error: `must be a whole number (${what})` })
    .min(1, {
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
  /**
   * The card, as the `nvidia.com/gpu.product` label names it (`NVIDIA-GeForce-RTX-3080`): selects the
   * GPU catalog entry (capacity/gpus.ts) — usable memory as CUDA reports it, compute capability, the
   * kernels vLLM can run. Required when gpus > 0.
   */
  gpuProduct: z
    .string()
    .min(1)
    .refine((p) => gpuVariants(p).length > 0 || Object.keys(GPU_CATALOG).some((id) => id.toLowerCase() === p.toLowerCase()), {
      error: (issue) =>
        `"${String(issue.input)}" is not in the GPU catalog (capacity/gpus.ts); known nvidia.com/gpu.product values: ${[...new Set(Object.values(GPU_CATALOG).map((g) => g.product))].join(", ")}`,
    })
    .optional(),
  /**
   * Override of one card's memory in GiB, as CUDA reports it (`python -c 'import torch;
   * print(torch.cuda.mem_get_info()[1] / 2**30)'` on the node). Absent: the catalog's usable memory.
   * A value above the catalog's is warned about: vLLM's utilization is a fraction of the CUDA total.
   */
  gpuMemoryGiB: z.number({ error: "must be the CUDA-reported memory of one GPU in GiB (e.g. 9.78)" }).positive({ error: "must be more than 0 GiB" }).optional(),
  cpu: cpuQuantity,
  memory: byteQuantity,
});

const hostSchema = z.strictObject({
  nodes: z.record(dnsName, hostNode).refine((nodes) => Object.keys(nodes).length > 0, {
    error: "needs at least one node",
  }),
  /** CPU and memory the kubelet, system daemons and eviction threshold keep back on every node. */
  systemReserved: resourceList.default({ cpu: "2", memory: "8Gi" }),
  /**
   * Nodes the GPU pods and the device plugin run on. Default: the label Node Feature Discovery sets on
   * nodes with an NVIDIA PCI device (vendor 10de); the device plugin chart's gfd option deploys NFD with
   * `deviceLabelFields: [vendor]`, which produces exactly this label (k8s-device-plugin v0.17.4
   * deployments/helm/nvidia-device-plugin/values.yaml); under DRA the program installs NFD configured
   * the same way (gpuSharing.nodeFeatureDiscovery). Without NFD, label the GPU nodes by hand:
   * `kubectl label node <node> feature.node.kubernetes.io/pci-10de.present=true`.
   */
  gpuNodeSelector: labels.default({ "feature.node.kubernetes.io/pci-10de.present": "true" }),
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
    /**
     * Kubernetes Dynamic Resource Allocation (resource.k8s.io/v1) with NVIDIA's DRA driver: one
     * ResourceClaim per card, shared by the pods `servers.<name>.placement` puts on it (docs/gpu.md).
     */
    z.strictObject({
      mode: z.literal("dra"),
      /** The DRA driver's DeviceClass for whole GPUs. */
      deviceClass: z.string().min(1).default("gpu.nvidia.com"),
      /** The DRA driver's Helm chart (kubernetes-sigs/dra-driver-nvidia-gpu), installed as an add-on unless false. */
      install: z.boolean().default(true),
      chartVersion: z.string().min(1).default("0.4.1"),
      /**
       * Node Feature Discovery (kubernetes-sigs chart), installed beside the DRA driver so the GPU nodes
       * get `feature.node.kubernetes.io/pci-10de.present=true` (the default host.gpuNodeSelector, and what
       * the driver's kubelet plugin asks for) without a hand-set label. false: the cluster already runs
       * NFD (the GPU Operator brings one) or the GPU nodes are labelled by hand — then the label is a
       * prerequisite `npm run doctor` checks.
       */
      nodeFeatureDiscovery: z
        .strictObject({
          install: z.boolean().default(true),
          chartVersion: z.string().min(1).default("0.19.0"),
        })
        .prefault({}),
    }),
  ],
  { error: 'mode must be one of "time-slicing", "mps", "none", "dra"' },
);

/** A card of the host inventory: `<node>/gpu<index>`. */
const cardRef = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/gpu\d+$/, {
  error: (i) => `"${String(i.input)}" is not a card: use <node>/gpu<index> (e.g. gpu-node/gpu0)`,
});

const cronField = z.string().superRefine((value, ctx) => {
  try {
    parseCron(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: error instanceof CronError ? error.message : String(error) });
  }
});

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { error: (i) => `"${String(i.input)}" is not an IANA time zone (e.g. Europe/Berlin, UTC)` },
);

const modeSchema = z.strictObject({
  /**
   * When the mode runs: KEDA's cron scaler semantics (keda pkg/scalers/cron_scaler.go) — active from
   * each `start` until the next `end`, 5-field cron (minute hour day-of-month month day-of-week) in
   * `timezone`.
   */
  schedule: z.strictObject({ start: cronField, end: cronField, timezone: timeZone.default("UTC") }),
  /** The servers (keys of `servers`) this mode runs; servers in no mode run all the time. */
  servers: z.array(z.string()).min(1, { error: "needs at least one server" }),
  /**
   * Outside its window, requests for this mode's models go here: an adapter or server of another
   * mode or one that always runs, or a configured provider (openai, ...). Required when the mode has
   * models no other mode serves.
   */
  fallback: z.string().min(1).optional(),
  description: z.string().optional(),
});

const kedaSchema = z.strictObject({
  /** Install KEDA (kedacore/charts) as an add-on; false: it is a prerequisite the cluster already runs. */
  install: z.boolean().default(true),
  chartVersion: z.string().min(1).default("2.20.2"),
  namespace: dnsName.default("keda"),
  /** Seconds between KEDA's checks of each trigger (ScaledObject pollingInterval). */
  pollingIntervalSeconds: positiveInt("seconds").default(30),
  /** Seconds after a mode's window ends before KEDA scales its servers to zero (ScaledObject cooldownPeriod). */
  cooldownPeriodSeconds: positiveInt("seconds").default(60),
});

const modelSchema = z.strictObject({
  /** Hugging Face id; must be in the capacity model's catalog so its memory can be planned. */
  id: z.string().refine((id) => id in MODEL_CATALOG, {
    error: (issue) => `"${String(issue.input)}" is not in the model catalog (capacity/catalog); known: ${Object.keys(MODEL_CATALOG).join(", ")}`,
  }),
  /** Commit SHA (40 hex; required with platform.protectStatefulData), branch or tag the download Job fetches and vLLM serves. */
  revision: z.string().min(1).optional(),
  /** Quantize a 16-bit checkpoint at load time. */
  runtimeQuantization: z.enum(["fp8"]).optional(),
  /** The Hugging Face repo is gated: its download needs huggingFace.tokenSecret (a token with access). */
  gated: z.boolean().default(false),
});

/** A full commit SHA of a Hugging Face repo: the only revision that cannot move. */
export const HF_COMMIT_SHA = /^[0-9a-f]{40}$/;

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
  /** generate (chat/completions), embed (embeddings) or score (a cross-encoder reranker: /rerank, /score). */
  task: z.enum(["generate", "embed", "score"]).default("generate"),
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
  /**
   * gpuSharing.mode dra (or none): the cards the server's pods are pinned to, `<node>/gpu<index>`, one
   * per GPU of the pod (tensor parallelism: several cards of one node). Servers placed on one card
   * share its ResourceClaim.
   */
  placement: z.array(cardRef).min(1).optional(),
  /** With "auto": how many max-model-len sequences the KV cache must hold at once, at the pessimistic end. */
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
    .refine((p) => !["v1", "vector-search", "openai", "health", "metrics"].includes(p), {
      error: (i) => `"${String(i.input)}" is reserved by another public route`,
    })
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
  /** The gateway's Postgres (keys, budgets, spend), on its own class: changing Qdrant's no longer moves it. */
  postgres: volumeSchema("10Gi").prefault({}),
  /** Volumes backups are shipped to (pg_dump files, Qdrant snapshots), mounted only by the backup Jobs. */
  backups: z.strictObject({ storageClass: z.string().min(1).optional(), backupTier: z.enum(["gfs", "daily", "none"]).default("daily") }).prefault({}),
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
  /** Where monitoring runs (`monitoring.namespace` overrides it); its Prometheus pods may scrape the metrics ports when `monitoring` is configured. */
  monitoring: dnsName.default("monitoring"),
});

const ipv4Cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, { error: (i) => `"${String(i.input)}" is not an IPv4 CIDR such as 10.0.0.0/8` });
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

const networkSchema = z.strictObject({
  /** Let the model cache's Jobs download weights from Hugging Face (HTTPS egress); off when the volume is seeded by hand. */
  modelDownloads: z.boolean().default(true),
  /** CIDRs egress to the internet may not reach (cluster and private ranges). */
  privateCidrs: z.array(ipv4Cidr).default(PRIVATE_RANGES),
  /**
   * Where the Kubernetes API server answers pods (the `kubernetes` Endpoints: `kubectl get endpoints
   * kubernetes`; `npm run doctor` prints them) and calls admission webhooks from. Operators get egress
   * to it; webhooks accept calls only from it. Narrow the default to the control plane's /32s.
   */
  apiServer: z
    .strictObject({
      cidrs: z.array(ipv4Cidr).min(1).default(PRIVATE_RANGES),
      /** Service port 443 and the endpoint port (6443 on kubeadm/k3s): policies see either, depending on the CNI. */
      ports: z.array(z.number().int().min(1).max(65535)).min(1).default([443, 6443]),
    })
    .prefault({}),
  /** Labels of the Prometheus pods in the monitoring namespace (the Prometheus operator sets app.kubernetes.io/name=prometheus). */
  prometheusPodLabels: labels
    .refine((l) => Object.keys(l).length > 0, { error: "needs at least one label: an empty selector would admit every pod of the namespace" })
    .default({ "app.kubernetes.io/name": "prometheus" }),
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

const chartSchema = (repo: string, version: string) => z.strictObject({ repo: z.string().url().default(repo), version: z.string().min(1).default(version) });

const chartsSchema = z.strictObject({
  nvidiaDevicePlugin: chartSchema("https://nvidia.github.io/k8s-device-plugin", "0.17.4").default({
    repo: "https://nvidia.github.io/k8s-device-plugin",
    version: "0.17.4",
  }),
});

const platformSchema = z.strictObject({
  environment: dnsName,
  /** protect on volumes, stateful sets and the credentials that own or encrypt data (prod). */
  protectStatefulData: z.boolean().default(false),
  /** retainOnDelete on the same resources: a destroy leaves them in the cluster (its own setting, not a side effect of protect). */
  retainStatefulData: z.boolean().default(false),
});

const huggingFaceSchema = z.strictObject({
  /**
   * The Secret (in the inference namespace) with a Hugging Face token, read only by the model-download
   * Jobs: required by gated models, optional (rate limits) for the others. With `bitwardenSecret`
   * (and externalSecrets.bitwarden) an ExternalSecret creates it from Bitwarden; without, it must exist
   * before `pulumi up`.
   */
  tokenSecret: z
    .strictObject({
      name: dnsName,
      key: z.string().min(1).default("token"),
      /** Bitwarden Secrets Manager secret id of the token. */
      bitwardenSecret: z.string().min(1).optional(),
    })
    .optional(),
  /** Token for the dev workstation's container; set it with `pulumi config set --secret`. */
  token: z.string().min(1).optional(),
  /** Seconds one model download may take (the Job's deadline; `pulumi up` waits 10 minutes more). */
  downloadTimeoutSeconds: positiveInt("seconds").default(3600),
});

interface SchemaIssue {
  path: PropertyKey[];
  message: string;
}

type ParsedShape = {
  host: { nodes: Record<string, { gpus: number }> };
  gpuSharing: { mode: string };
  servers: Record<string, { model: string; gpus: number; placement?: string[]; task: string }>;
  models: Record<string, { id: string }>;
  adapters: Record<string, { server?: string }>;
  providers: Record<string, unknown>;
  modes: Record<string, { servers: string[]; fallback?: string }>;
};

/** Placement: only with dra (or none), one existing card per GPU of the pod, all on one node, required with dra. */
function placementIssues(config: ParsedShape): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const mode = config.gpuSharing.mode;
  for (const [name, server] of Object.entries(config.servers)) {
    const path = ["servers", name, "placement"];
    if (!server.placement) {
      if (mode === "dra") {
        issues.push({
          path,
          message: `is required with gpuSharing.mode dra: list the ${server.gpus} card(s) <node>/gpu<index> the server runs on (\`npm run plan -- --stack <stack> --suggest\` proposes a layout)`,
        });
      }
      continue;
    }
    if (mode !== "dra" && mode !== "none") {
      issues.push({ path, message: `pins cards, which ${mode} cannot do (the device plugin picks the card): use gpuSharing.mode dra, or drop placement` });
      continue;
    }
    if (server.placement.length !== server.gpus) {
      issues.push({ path, message: `lists ${server.placement.length} card(s) but the server has gpus: ${server.gpus}; give one card per GPU` });
    }
    if (new Set(server.placement).size !== server.placement.length) issues.push({ path, message: "lists a card twice" });
    const nodes = new Set<string>();
    for (const card of server.placement) {
      const [node, gpu] = card.split("/gpu");
      nodes.add(node!);
      const have = config.host.nodes[node!]?.gpus ?? 0;
      if (!(Number(gpu) < have)) {
        issues.push({
          path,
          message: `"${card}" is not a card of host.nodes (node "${node}" has ${have} GPU(s): ${Array.from({ length: have }, (_, i) => `${node}/gpu${i}`).join(", ") || "none"})`,
        });
      }
    }
    if (nodes.size > 1) issues.push({ path, message: `spans nodes ${[...nodes].join(", ")}: tensor parallelism runs on the cards of one node` });
  }
  return issues;
}

/** Modes: their servers exist; a mode with models no other mode or always-on server serves needs a fallback that exists outside its window. */
function modeIssues(config: ParsedShape): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const serverNames = Object.keys(config.servers);
  for (const [name, mode] of Object.entries(config.modes)) {
    for (const [i, server] of mode.servers.entries()) {
      if (!(server in config.servers))
        issues.push({ path: ["modes", name, "servers", i], message: `"${server}" is not a key of servers (have: ${serverNames.join(", ") || "none"})` });
    }
    if (new Set(mode.servers).size !== mode.servers.length) issues.push({ path: ["modes", name, "servers"], message: "lists a server twice" });
    const only = mode.servers.filter(
      (s) =>
        s in config.servers &&
        config.servers[s]!.task === "generate" &&
        Object.entries(config.modes).every(([other, m]) => other === name || !m.servers.includes(s)),
    );
    if (mode.fallback === undefined) {
      if (only.length > 0) {
        issues.push({
          path: ["modes", name, "fallback"],
          message: `is required: ${only.join(", ")} run only in mode "${name}"; name an adapter or server that serves outside its window, or a configured provider, to answer their model names then`,
        });
      }
      continue;
    }
    const fallback = mode.fallback;
    const fallbackServer = config.adapters[fallback]?.server ?? (fallback in config.servers ? fallback : undefined);
    const provider = fallback in config.providers && fallback !== "default";
    if (!fallbackServer && !provider && !(fallback in config.adapters)) {
      issues.push({ path: ["modes", name, "fallback"], message: `"${fallback}" is neither an adapter, a server nor a configured provider` });
    } else if (fallbackServer && mode.servers.includes(fallbackServer)) {
      issues.push({
        path: ["modes", name, "fallback"],
        message: `"${fallback}" is served by "${fallbackServer}", which runs only in this mode's window; name a model of another mode, an always-on server or a provider`,
      });
    }
  }
  return issues;
}

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
    huggingFace: huggingFaceSchema.prefault({}),
    network: networkSchema.prefault({}),
    gateway: gatewayConfigSchema.prefault({}),
    providers: providersConfigSchema.prefault({}),
    qdrant: qdrantConfigSchema.prefault({}),
    externalSecrets: secretsConfigSchema.prefault({}),
    /** The HTTPS edge; absent: no public entry point (use port-forward). */
    edge: edgeConfigSchema.optional(),
    /** Dev: inference on a GPU workstation outside the cluster (seed 003). */
    workstation: workstationConfigSchema.optional(),
    /** Metrics, alerts tied to the plan and dashboards (docs/observability.md); absent: none. */
    monitoring: monitoringConfigSchema.optional(),
    /** The cluster the stack deploys to: kubeconfig context, identity, shared with another stack (config/clusterSchema.ts). */
    cluster: clusterConfigSchema.prefault({}),
    /** Serving modes (docs/gpu.md): named schedules, each running a set of servers; KEDA switches them. */
    modes: z.record(dnsName, modeSchema).default({}),
    /** KEDA, which runs the modes' schedules (cron-triggered ScaledObjects). */
    keda: kedaSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    for (const [name, node] of Object.entries(config.host.nodes)) {
      if (node.gpus > 0 && node.gpuProduct === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["host", "nodes", name, "gpuProduct"],
          message: `is required: node "${name}" has ${node.gpus} GPU(s); give their nvidia.com/gpu.product label (kubectl get node ${name} -o jsonpath='{.metadata.labels.nvidia\\.com/gpu\\.product}'), e.g. NVIDIA-GeForce-RTX-3080`,
        });
      }
    }
    for (const issue of placementIssues(config)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    for (const issue of modeIssues(config)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    for (const [name, server] of Object.entries(config.servers)) {
      const model = config.models[server.model];
      const task = model && model.id in MODEL_CATALOG ? lookupModel(model.id).task : undefined;
      if (task !== undefined && task !== server.task) {
        ctx.addIssue({
          code: "custom",
          path: ["servers", name, "task"],
          message: `is ${server.task} but ${model!.id} is a ${task} model (capacity/catalog): set task: ${task}`,
        });
      }
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
    const servedModels = [...new Set(Object.values(config.servers).map((server) => server.model))].filter((alias) => alias in config.models);
    for (const alias of servedModels) {
      const model = config.models[alias]!;
      if (config.platform.protectStatefulData && !HF_COMMIT_SHA.test(model.revision ?? "")) {
        ctx.addIssue({
          code: "custom",
          path: ["models", alias, "revision"],
          message:
            `${model.revision === undefined ? "is required" : `"${model.revision}" is a branch or tag, not a commit`} in a stack with platform.protectStatefulData: ` +
            `pin the 40-hex commit SHA of ${model.id} so every download and restart serves the same weights ` +
            `(curl -s https://huggingface.co/api/models/${model.id}/revision/main | grep -o '"sha":"[0-9a-f]*"')`,
        });
      }
      if (model.gated && !config.huggingFace.tokenSecret) {
        ctx.addIssue({
          code: "custom",
          path: ["huggingFace", "tokenSecret"],
          message:
            `is required: model "${alias}" (${model.id}) is gated, so its download needs a Hugging Face token with access. ` +
            `Give {name, key, bitwardenSecret} to have External Secrets create it from Bitwarden (externalSecrets.bitwarden), ` +
            `or {name, key} of a Secret you create in namespace ${config.namespaces.inference} before \`pulumi up\``,
        });
      }
    }
    if (config.huggingFace.tokenSecret?.bitwardenSecret && !config.externalSecrets.bitwarden) {
      ctx.addIssue({
        code: "custom",
        path: ["externalSecrets", "bitwarden"],
        message: "is required: huggingFace.tokenSecret.bitwardenSecret comes from Bitwarden Secrets Manager (organizationId, projectId, accessTokenSecret)",
      });
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
    for (const issue of gatewayConfigIssues(config)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    for (const issue of serverConfigIssues(config)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    for (const issue of clusterConfigIssues(config)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
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
          ctx.addIssue({
            code: "custom",
            path,
            message: `"${image}" is pinned by tag but images.pinning is "digest": use repo@sha256:<digest> (docker buildx imagetools inspect <image>)`,
          });
        }
      }
    }
    const byPath = new Map<string, string>();
    for (const [name, adapter] of Object.entries(config.adapters)) {
      const path = adapter.path ?? name;
      const other = byPath.get(path);
      if (other) {
        ctx.addIssue({
          code: "custom",
          path: ["adapters", name, "path"],
          message: `public path "/${path}" is already adapter "${other}"'s; give one of them another adapters.<name>.path`,
        });
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
export type ModeConfig = PlatformConfig["modes"][string];
export type KedaConfig = PlatformConfig["keda"];
export type ResourcesConfig = z.output<typeof resourcesSchema>;
export type NamespacesConfig = PlatformConfig["namespaces"];
export type NetworkConfig = PlatformConfig["network"];
