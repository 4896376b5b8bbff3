import { strict as assert } from "node:assert";
import { freshParser, ruleChecks } from "../fixtures/freshConfig";
import { stackConfig, variant } from "../fixtures/stacks";

/**
 * Every rule of config/schema.ts, each at its limit: one change to the prod fixture that the rule
 * refuses, with the exact message at the exact key path, and (where the rule has a bound) the value just
 * inside it accepted. Parses go through a fresh evaluation of config/ (tests/fixtures/freshConfig.ts), so
 * a mutation run sees the schema the test checks: once per test, shared by the test's parses.
 */
const PROD = stackConfig("prod");
/** A copy of the prod fixture's config (read once: plain data). */
const prod = () => structuredClone(PROD);
const { parse, reset } = freshParser();
const { refuses, accepts, issuesOf: issues } = ruleChecks(parse, PROD);
const at = (key: string) => `llm-platform:${key}`;

const DNS = (v: string) => `"${v}" is not a DNS-1123 label: use lower-case letters, digits and '-', starting and ending with a letter or digit`;

describe("config schema rules, each with its exact message (#23)", () => {
  beforeEach(reset);

  it("names: DNS-1123 labels, anchored at both ends, at most 63 characters", () => {
    // One change per case: the inference namespace.
    for (const bad of ["-inference", "inference-", "Inference", "infer_ence", "in.ference", ""]) {
      refuses((c) => (c.namespaces = { inference: bad }), "namespaces.inference", DNS(bad));
    }
    accepts((c) => (c.namespaces = { inference: "a" }));
    accepts((c) => (c.namespaces = { inference: "a".repeat(63) }));
    refuses((c) => (c.namespaces = { inference: "a".repeat(64) }), "namespaces.inference", "must be at most 63 characters (a DNS-1123 label)");
    // Map keys (node, server, model, adapter, mode names) are labels too: the key's own check is reported.
    const issuesOfKey = issues(variant(prod(), (c) => (c.adapters["Chat_Bot"] = { server: "llm" })));
    assert.ok(
      issuesOfKey.some((i) => i.message === DNS("Chat_Bot")),
      JSON.stringify(issuesOfKey),
    );
  });

  it("CPU and memory quantities", () => {
    const cpu = (v: string) => `"${v}" is not a CPU quantity: use cores ("4", "0.5") or millicores ("500m")`;
    const mem = (v: string) =>
      `"${v}" is not a memory/storage quantity: use a whole number of bytes with a binary suffix ("8Gi", "512Mi"); "GB" and "m" are not valid here`;
    for (const bad of ["4x", "four", "4 cores", "-1"]) refuses((c) => (c.host.nodes["gpu-node"].cpu = bad), "host.nodes.gpu-node.cpu", cpu(bad));
    for (const good of ["64", 64, "500m", "0.5"]) accepts((c) => (c.host.nodes["gpu-node"].cpu = good));
    for (const bad of ["128GB", "500m", "lots"]) refuses((c) => (c.host.nodes["gpu-node"].memory = bad), "host.nodes.gpu-node.memory", mem(bad));
    accepts((c) => (c.host.nodes["gpu-node"].memory = 137438953472));
    refuses((c) => (c.servers.llm.resources.requests.cpu = "8 cores"), "servers.llm.resources.requests.cpu", cpu("8 cores"));
    refuses((c) => (c.servers.llm.shmSize = "2GB"), "servers.llm.shmSize", mem("2GB"));
    refuses((c) => (c.host.storageCapacity["nfs-rwx"] = "200GB"), "host.storageCapacity.nfs-rwx", mem("200GB"));
    // A decimal suffix is a valid quantity (200 × 10⁹ bytes).
    accepts((c) => (c.host.storageCapacity["nfs-rwx"] = "200G"));
  });

  it("whole counts: GPUs and replicas are whole numbers, 0 or more", () => {
    refuses((c) => (c.host.nodes["gpu-node"].gpus = "2"), "host.nodes.gpu-node.gpus", "must be a whole number of GPUs");
    refuses(
      (c) => (c.host.nodes["gpu-node"].gpus = 1.5),
      "host.nodes.gpu-node.gpus",
      "must be a whole number of GPUs (fractions such as 0.5 are not schedulable)",
    );
    refuses((c) => (c.host.nodes["gpu-node"].gpus = -1), "host.nodes.gpu-node.gpus", "must be 0 or more GPUs");
    refuses((c) => (c.servers.llm.replicas = -1), "servers.llm.replicas", "must be 0 or more replicas");
    accepts((c) => (c.servers.llm.replicas = 0));
  });

  it("positive whole numbers, at least 1", () => {
    refuses((c) => (c.servers.llm.maxNumSeqs = 0), "servers.llm.maxNumSeqs", "must be at least 1 (concurrent sequences)");
    refuses((c) => (c.servers.llm.maxNumSeqs = 1.5), "servers.llm.maxNumSeqs", "must be a whole number (concurrent sequences)");
    refuses((c) => (c.servers.llm.maxNumSeqs = "8"), "servers.llm.maxNumSeqs", "must be a whole number (concurrent sequences)");
    accepts((c) => (c.servers.llm.maxNumSeqs = 1));
    refuses((c) => (c.servers.llm.maxModelLen = 0), "servers.llm.maxModelLen", "must be at least 1 (tokens per sequence)");
    refuses((c) => (c.servers.llm.maxNumBatchedTokens = 0), "servers.llm.maxNumBatchedTokens", "must be at least 1 (tokens per scheduler step)");
    refuses((c) => (c.servers.llm.gpus = 0), "servers.llm.gpus", "must be at least 1 (GPU slices per pod)");
    refuses((c) => (c.servers.llm.startupTimeoutSeconds = 0), "servers.llm.startupTimeoutSeconds", "must be at least 1 (seconds)");
    refuses((c) => (c.servers.llm.fullLengthSequences = 0), "servers.llm.fullLengthSequences", "must be at least 1 (full-length sequences the KV cache holds)");
    refuses((c) => (c.adapters.chatbot.maxParallelRequests = 0), "adapters.chatbot.maxParallelRequests", "must be at least 1 (parallel requests)");
    refuses((c) => (c.adapters.chatbot.rpm = 0), "adapters.chatbot.rpm", "must be at least 1 (requests per minute)");
    refuses((c) => (c.adapters.chatbot.tpm = 0), "adapters.chatbot.tpm", "must be at least 1 (tokens per minute)");
    refuses((c) => (c.huggingFace = { downloadTimeoutSeconds: 0 }), "huggingFace.downloadTimeoutSeconds", "must be at least 1 (seconds)");
    refuses((c) => (c.keda = { pollingIntervalSeconds: 0 }), "keda.pollingIntervalSeconds", "must be at least 1 (seconds)");
    refuses((c) => (c.keda = { cooldownPeriodSeconds: 0 }), "keda.cooldownPeriodSeconds", "must be at least 1 (seconds)");
  });

  it("the host: at least one node, a known GPU product where there are GPUs, a positive memory override", () => {
    refuses((c) => (c.host.nodes = {}), "host.nodes", "needs at least one node");
    const product = issues(variant(prod(), (c) => (c.host.nodes["gpu-node"].gpuProduct = "NVIDIA-GeForce-RTX-9999"))).find(
      (i) => i.path === at("host.nodes.gpu-node.gpuProduct"),
    );
    assert.match(
      product!.message,
      /^"NVIDIA-GeForce-RTX-9999" is not in the GPU catalog \(capacity\/gpus\.ts\); known nvidia\.com\/gpu\.product values: .*NVIDIA-GeForce-RTX-3080/,
    );
    // The label matches case-insensitively, as catalog ids do.
    accepts((c) => (c.host.nodes["gpu-node"].gpuProduct = "nvidia-geforce-rtx-3080"));
    refuses(
      (c) => delete c.host.nodes["gpu-node"].gpuProduct,
      "host.nodes.gpu-node.gpuProduct",
      `is required: node "gpu-node" has 2 GPU(s); give their nvidia.com/gpu.product label (kubectl get node gpu-node -o jsonpath='{.metadata.labels.nvidia\\.com/gpu\\.product}'), e.g. NVIDIA-GeForce-RTX-3080`,
    );
    refuses((c) => (c.host.nodes["gpu-node"].gpuMemoryGiB = 0), "host.nodes.gpu-node.gpuMemoryGiB", "must be more than 0 GiB");
    refuses(
      (c) => (c.host.nodes["gpu-node"].gpuMemoryGiB = "9.78"),
      "host.nodes.gpu-node.gpuMemoryGiB",
      "must be the CUDA-reported memory of one GPU in GiB (e.g. 9.78)",
    );
  });

  it("the host's defaults", () => {
    const raw = variant(prod(), (c) => {
      delete c.host.systemReserved;
      delete c.host.storageCapacity;
      c.storage = {};
    });
    const host = parse(raw).host;
    assert.deepEqual(host.systemReserved, { cpu: "2", memory: "8Gi" });
    assert.deepEqual(host.gpuNodeSelector, { "feature.node.kubernetes.io/pci-10de.present": "true" });
    assert.deepEqual(host.gpuTolerations, [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    assert.deepEqual(host.storageCapacity, { default: "500Gi" });
  });

  it("GPU sharing modes", () => {
    refuses((c) => (c.gpuSharing = { mode: "mig" }), "gpuSharing.mode", 'mode must be one of "time-slicing", "mps", "none", "dra"');
    refuses(
      (c) => ((c.gpuSharing = { mode: "time-slicing", replicas: 0 }), Object.values(c.servers).forEach((s: any) => delete s.placement)),
      "gpuSharing.replicas",
      "must be at least 1 (slices per GPU)",
    );
    refuses(
      (c) => ((c.gpuSharing = { mode: "mps", replicas: 0 }), Object.values(c.servers).forEach((s: any) => delete s.placement)),
      "gpuSharing.replicas",
      "must be at least 1 (MPS clients per GPU)",
    );
    const slicing = parse(
      variant(prod(), (c) => ((c.gpuSharing = { mode: "time-slicing", replicas: 2 }), Object.values(c.servers).forEach((s: any) => delete s.placement))),
    );
    assert.deepEqual(slicing.gpuSharing, { mode: "time-slicing", replicas: 2, renameByDefault: false });
  });

  it("placement cards: <node>/gpu<index>, anchored", () => {
    const card = (v: string) => `"${v}" is not a card: use <node>/gpu<index> (e.g. gpu-node/gpu0)`;
    for (const bad of ["gpu-node/card0", "gpu-node/gpu0x", "-gpu-node/gpu0", "gpu-node/gpu", "Gpu-node/gpu0"]) {
      refuses((c) => (c.servers.llm.placement = [bad]), "servers.llm.placement[0]", card(bad));
    }
    const empty = issues(variant(prod(), (c) => (c.servers.llm.placement = []))).filter((i) => i.path === at("servers.llm.placement"));
    assert.deepEqual(
      empty.map((i) => i.message),
      ["Too small: expected array to have >=1 items", "lists 0 card(s) but the server has gpus: 1; give one card per GPU"],
    );
  });

  it("serving modes: cron fields, IANA time zones, at least one server; KEDA's defaults", () => {
    const mode = (schedule: Record<string, string>) => (c: any) =>
      (c.modes = { day: { schedule: { start: "0 8 * * *", end: "0 20 * * *", ...schedule }, servers: ["embedding"] } });
    const zone = issues(variant(prod(), mode({ timezone: "Mars/Olympus" }))).filter((i) => i.path === at("modes.day.schedule.timezone"));
    assert.deepEqual(
      zone.map((i) => i.message),
      ['"Mars/Olympus" is not an IANA time zone (e.g. Europe/Berlin, UTC)'],
    );
    accepts(mode({ timezone: "Europe/Berlin" }));
    const cron = issues(variant(prod(), mode({ start: "0 25 * * *" }))).filter((i) => i.path === at("modes.day.schedule.start"));
    assert.equal(cron.length, 1);
    assert.match(cron[0]!.message, /25/);
    refuses((c) => (c.modes = { day: { schedule: { start: "0 8 * * *", end: "0 20 * * *" }, servers: [] } }), "modes.day.servers", "needs at least one server");
    const config = parse(variant(prod(), mode({})));
    assert.equal(config.modes.day!.schedule.timezone, "UTC");
    assert.deepEqual(config.keda, { install: true, chartVersion: "2.20.2", namespace: "keda", pollingIntervalSeconds: 30, cooldownPeriodSeconds: 60 });
  });

  it("models: in the catalog; LoRA ranks vLLM accepts, no other", () => {
    const model = issues(variant(prod(), (c) => (c.models["bge-m3"].id = "acme/nope"))).find((i) => i.path === at("models.bge-m3.id"));
    assert.match(model!.message, /^"acme\/nope" is not in the model catalog \(capacity\/catalog\); known: .*BAAI\/bge-m3/);
    const rank = "must be one of vLLM's LoRA ranks: 1, 8, 16, 32, 64, 128, 256, 320, 512";
    // vLLM's --max-lora-rank choices (vllm/config/lora.py): each accepted, the numbers between refused.
    for (const ok of [1, 8, 16, 32, 64, 128, 256, 320, 512]) accepts((c) => (c.servers.llm.lora = { maxLoraRank: ok }));
    for (const bad of [0, 2, 4, 24, 384, 1024]) refuses((c) => (c.servers.llm.lora = { maxLoraRank: bad }), "servers.llm.lora.maxLoraRank", rank);
    assert.equal(parse(variant(prod(), (c) => (c.servers.llm.lora = {}))).servers.llm!.lora!.maxLoraRank, 16);
    refuses((c) => (c.servers.llm.lora = { maxLoras: 0 }), "servers.llm.lora.maxLoras", "must be at least 1 (LoRA slots on the GPU)");
  });

  it("gpuMemoryUtilization: (0, 1] or auto", () => {
    const msg = "must be in (0, 1]: a fraction of the whole card";
    for (const bad of [0, -0.1, 1.01]) refuses((c) => (c.servers.llm.gpuMemoryUtilization = bad), "servers.llm.gpuMemoryUtilization", msg);
  });

  it("adapter paths: a path segment, not a reserved route", () => {
    for (const bad of ["Chat", "-chat", "chat-", "chat/x"])
      refuses((c) => (c.adapters.chatbot.path = bad), "adapters.chatbot.path", `"${bad}" is not a path segment: lower-case letters, digits and '-'`);
    for (const reserved of ["v1", "vector-search", "openai", "health", "metrics"]) {
      refuses((c) => (c.adapters.chatbot.path = reserved), "adapters.chatbot.path", `"${reserved}" is reserved by another public route`);
    }
    refuses(
      (c) => (c.adapters.rag.path = "chat"),
      "adapters.rag.path",
      `public path "/chat" is already adapter "chatbot"'s; give one of them another adapters.<name>.path`,
    );
  });

  it("network: IPv4 CIDRs, at least one API server CIDR and port, ports in range, a non-empty Prometheus selector; its defaults", () => {
    const cidr = (v: string) => `"${v}" is not an IPv4 CIDR such as 10.0.0.0/8`;
    for (const bad of ["10.0.0.0", "10.0.0/8", "x10.0.0.0/8", "10.0.0.0/8x"])
      refuses((c) => (c.network = { privateCidrs: [bad] }), "network.privateCidrs[0]", cidr(bad));
    refuses((c) => (c.network = { apiServer: { cidrs: [] } }), "network.apiServer.cidrs", "Too small: expected array to have >=1 items");
    refuses((c) => (c.network = { apiServer: { ports: [] } }), "network.apiServer.ports", "Too small: expected array to have >=1 items");
    refuses((c) => (c.network = { apiServer: { ports: [0] } }), "network.apiServer.ports[0]", "Too small: expected number to be >=1");
    refuses((c) => (c.network = { apiServer: { ports: [65536] } }), "network.apiServer.ports[0]", "Too big: expected number to be <=65535");
    accepts((c) => (c.network = { apiServer: { ports: [1, 65535] } }));
    refuses(
      (c) => (c.network = { prometheusPodLabels: {} }),
      "network.prometheusPodLabels",
      "needs at least one label: an empty selector would admit every pod of the namespace",
    );
    const network = parse(variant(prod(), (c) => (c.network = {}))).network;
    assert.deepEqual(network, {
      modelDownloads: true,
      privateCidrs: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
      apiServer: { cidrs: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"], ports: [443, 6443] },
      prometheusPodLabels: { "app.kubernetes.io/name": "prometheus" },
    });
  });

  it("defaults of namespaces, storage, images, charts and a server", () => {
    const config = parse(
      variant(prod(), (c) => {
        delete c.namespaces;
        c.storage = {};
        c.images = {};
        delete c.charts;
        c.servers.llm = { model: "llama-8b-awq", maxModelLen: 8192, placement: ["gpu-node/gpu0"], resources: c.servers.llm.resources };
      }),
    );
    assert.deepEqual(config.namespaces, {
      inference: "llm-inference",
      devicePlugin: "nvidia-device-plugin",
      gateway: "llm-gateway",
      data: "llm-data",
      ingress: "ingress-nginx",
      certManager: "cert-manager",
      externalSecrets: "external-secrets",
      monitoring: "monitoring",
    });
    assert.deepEqual(config.storage, {
      baseModels: { size: "50Gi", backupTier: "gfs" },
      adapters: { size: "10Gi", backupTier: "gfs" },
      qdrant: { size: "20Gi", backupTier: "gfs" },
      postgres: { size: "10Gi", backupTier: "gfs" },
      backups: { backupTier: "daily" },
      backupTierLabel: "backup-tier",
    });
    assert.deepEqual(config.images, { vllm: "vllm/vllm-openai:v0.19.0", curl: "curlimages/curl:8.16.0", pinning: "tag" });
    assert.deepEqual(config.charts, { nvidiaDevicePlugin: { repo: "https://nvidia.github.io/k8s-device-plugin", version: "0.17.4" } });
    const llm = config.servers.llm!;
    assert.deepEqual(
      {
        task: llm.task,
        replicas: llm.replicas,
        gpus: llm.gpus,
        maxNumSeqs: llm.maxNumSeqs,
        util: llm.gpuMemoryUtilization,
        full: llm.fullLengthSequences,
        kv: llm.kvCacheDtype,
        eager: llm.enforceEager,
        shm: llm.shmSize,
        rollout: llm.rollout,
        startup: llm.startupTimeoutSeconds,
        extra: llm.extraArgs,
      },
      {
        task: "generate",
        replicas: 1,
        gpus: 1,
        maxNumSeqs: 16,
        util: "auto",
        full: 1,
        kv: "auto",
        eager: false,
        shm: "2Gi",
        rollout: "Recreate",
        startup: 1800,
        extra: [],
      },
    );
    assert.deepEqual(parse(variant(prod(), (c) => (c.gpuSharing = { mode: "dra" }))).gpuSharing, {
      mode: "dra",
      deviceClass: "gpu.nvidia.com",
      install: true,
      chartVersion: "0.4.1",
      // NFD labels the GPU nodes under DRA (nothing else installs it): on by default, pinned chart.
      nodeFeatureDiscovery: { install: true, chartVersion: "0.19.0" },
    });
  });

  it("platform, Hugging Face and chart fields", () => {
    refuses((c) => (c.platform.environment = "Prod"), "platform.environment", DNS("Prod"));
    refuses((c) => (c.huggingFace = { tokenSecret: { name: "hf_token" } }), "huggingFace.tokenSecret.name", DNS("hf_token"));
    assert.deepEqual(parse(variant(prod(), (c) => (c.huggingFace = { tokenSecret: { name: "hf-token" } }))).huggingFace, {
      tokenSecret: { name: "hf-token", key: "token" },
      downloadTimeoutSeconds: 3600,
    });
    assert.deepEqual(parse(variant(prod(), (c) => delete c.platform.protectStatefulData)).platform.protectStatefulData, false);
    const platform = parse(variant(prod(), (c) => (c.platform = { environment: "prod" }))).platform;
    assert.deepEqual(platform, { environment: "prod", protectStatefulData: false, retainStatefulData: false });
  });

  it("cross-key rules: the server's model, an adapter's server, task and LoRA", () => {
    refuses((c) => (c.servers.llm.model = "llama"), "servers.llm.model", `"llama" is not a key of models (have: llama-8b-awq, bge-m3, bge-reranker)`);
    refuses((c) => (c.adapters.chatbot.server = "gpt"), "adapters.chatbot.server", `"gpt" is not a key of servers (have: llm, embedding, reranker)`);
    refuses(
      (c) => (c.servers.embedding.task = "generate"),
      "servers.embedding.task",
      "is generate but BAAI/bge-m3 is a embed model (capacity/catalog): set task: embed",
    );
    refuses(
      (c) => (c.adapters.search = { server: "embedding", lora: { source: "acme/lora" } }),
      "adapters.search.lora",
      `LoRA adapters need a generate server; "embedding" has task embed`,
    );
    refuses((c) => (c.adapters.llm = { server: "embedding" }), "adapters.llm", `adapter "llm" has the name of another server ("llm"); rename one of them`);
    accepts((c) => (c.adapters.llm = { server: "llm" }));
  });
});
