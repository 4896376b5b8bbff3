import { strict as assert } from "node:assert";
import { ConfigError } from "../../config/load";
import { installMocks, promiseOf, settle, type RecordedResource } from "../fixtures/mocks";
import { lookupGpu } from "@llm-platform/capacity";
import { exampleConfig } from "../fixtures/plans";
import { pulumiConfigMap, stackConfig, variant } from "../fixtures/stacks";

const INDEX = require.resolve("../../index");

async function runProgram(stack: string, raw: Record<string, unknown>): Promise<{ recorded: RecordedResource[]; exports: any }> {
  const recorded = installMocks(stack, pulumiConfigMap(raw));
  delete require.cache[INDEX];
  const exports = require(INDEX);
  await settle();
  return { recorded, exports };
}

function ofType(recorded: RecordedResource[], type: string): RecordedResource[] {
  return recorded.filter((r) => r.type === type);
}

describe("program (prod stack under mocks)", () => {
  let recorded: RecordedResource[];
  let exports: any;
  before(async () => {
    ({ recorded, exports } = await runProgram("prod", stackConfig("prod")));
  });

  it("creates the namespaces with their Pod Security levels", () => {
    const levels = Object.fromEntries(
      ofType(recorded, "kubernetes:core/v1:Namespace").map((ns) => [ns.inputs.metadata.name, ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]]),
    );
    assert.equal(levels["llm-inference"], "restricted");
    assert.equal(levels["nvidia-device-plugin"], "privileged");
  });

  it("shares the base models on one protected RWX volume with the GFS tier", () => {
    const pvc = recorded.find((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim" && r.name === "base-models")!;
    assert.deepEqual(pvc.inputs.spec.accessModes, ["ReadWriteMany"]);
    assert.equal(pvc.inputs.spec.resources.requests.storage, "50Gi");
    assert.equal(pvc.inputs.metadata.labels["backup-tier"], "gfs");
  });

  it("gives plain adapters no volume: only LoRA adapters have weights of their own (#22)", () => {
    const inference = ofType(recorded, "kubernetes:core/v1:PersistentVolumeClaim")
      .filter((r) => r.inputs.metadata.namespace === "llm-inference")
      .map((r) => r.inputs.metadata.name);
    assert.deepEqual(inference, ["base-models"]);
  });

  it("serves the four adapters from one base model, embeddings from bge-m3 and the reranker from bge-reranker-v2-m3", () => {
    const deployments = Object.fromEntries(
      ofType(recorded, "kubernetes:apps/v1:Deployment")
        .filter((d) => d.inputs.metadata.name.startsWith("vllm-"))
        .map((d) => [d.inputs.metadata.name, d.inputs.spec.template.spec.containers[0].args]),
    );
    assert.deepEqual(Object.keys(deployments).sort(), ["vllm-embedding", "vllm-llm", "vllm-reranker"]);
    const llm: string[] = deployments["vllm-llm"];
    // One served name, the server's: the gateway maps chatbot, rag, code and microservices to it (#22).
    const from = llm.indexOf("--served-model-name") + 1;
    const to = llm.findIndex((a, i) => i >= from && a.startsWith("--"));
    assert.deepEqual(llm.slice(from, to), ["llm"]);
    // The cross-encoder runs on vLLM's pooling runner (its sequence-classification head serves /rerank and /score).
    const reranker: string[] = deployments["vllm-reranker"];
    assert.equal(reranker[0], "BAAI/bge-reranker-v2-m3");
    assert.deepEqual(reranker.slice(reranker.indexOf("--runner"), reranker.indexOf("--runner") + 2), ["--runner", "pooling"]);
  });

  it("resolves gpuMemoryUtilization auto per card: the llm fills gpu0, embeddings and the reranker share gpu1, all within 9.78 GiB", () => {
    const plan = exports.servingPlan;
    const usable = lookupGpu("NVIDIA-GeForce-RTX-3080").usableMemoryGiB;
    assert.ok(plan.llm.gpuMemoryUtilization > 0 && plan.llm.gpuMemoryUtilization < 1);
    // servingPlan rounds footprints to 0.01 GiB: allow that rounding, never more.
    assert.ok(plan.llm.deviceFootprintGiB <= usable + 0.005, `llm ${plan.llm.deviceFootprintGiB} GiB on ${usable}`);
    assert.ok(plan.embedding.deviceFootprintGiB + plan.reranker.deviceFootprintGiB <= usable + 0.01, "gpu1");
    assert.ok(plan.llm.kvCacheTokens >= 2 * 8192, "two max-model-len sequences fit the KV cache");
  });

  it("shares the GPUs with DRA: NVIDIA's DRA driver instead of the device plugin, one ResourceClaim per card referenced by the pods placed on it", () => {
    const charts = ofType(recorded, "kubernetes:helm.sh/v3:Release").map((r) => String(r.inputs.chart).split("/").pop());
    assert.ok(charts.includes("dra-driver-nvidia-gpu"));
    assert.ok(!charts.includes("nvidia-device-plugin"));
    const claims = ofType(recorded, "kubernetes:resource.k8s.io/v1:ResourceClaim")
      .map((c) => c.inputs.metadata.name)
      .sort();
    assert.deepEqual(claims, ["gpu-gpu-node-gpu0", "gpu-gpu-node-gpu1"]);
    const claimOf = (name: string) =>
      recorded
        .find((d) => d.type === "kubernetes:apps/v1:Deployment" && d.inputs.metadata.name === name)!
        .inputs.spec.template.spec.resourceClaims.map((c: any) => c.resourceClaimName);
    assert.deepEqual(
      [claimOf("vllm-llm"), claimOf("vllm-embedding"), claimOf("vllm-reranker")],
      [["gpu-gpu-node-gpu0"], ["gpu-gpu-node-gpu1"], ["gpu-gpu-node-gpu1"]],
    );
  });
});

describe("program (day-night example: serving modes on KEDA, under mocks)", () => {
  let recorded: RecordedResource[];
  before(async () => {
    ({ recorded } = await runProgram("day-night", exampleConfig("examples/Pulumi.day-night.yaml")));
  });

  it("creates KEDA's namespace itself (restricted) with default deny, instead of letting Helm create it without policies", () => {
    const keda = recorded.find((r) => r.type === "kubernetes:core/v1:Namespace" && r.inputs.metadata.name === "keda")!;
    assert.equal(keda.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    const release = recorded.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.chart === "keda")!;
    assert.equal(release.inputs.namespace, "keda");
    assert.notEqual(release.inputs.createNamespace, true);
  });

  it("gives every namespace it creates a default-deny NetworkPolicy", () => {
    const namespaces = ofType(recorded, "kubernetes:core/v1:Namespace")
      .map((n) => n.inputs.metadata.name)
      .sort();
    assert.ok(namespaces.includes("keda") && namespaces.includes("nvidia-device-plugin"), namespaces.join());
    const denied = ofType(recorded, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
      .filter((p) => Object.keys(p.inputs.spec.podSelector ?? {}).length === 0 && !p.inputs.spec.ingress && !p.inputs.spec.egress)
      .map((p) => p.inputs.metadata.namespace)
      .sort();
    assert.deepEqual(denied, namespaces);
  });
});

describe("program config errors", () => {
  it("fails before declaring any resource, naming the key path", async () => {
    const bad = variant(stackConfig("prod"), (c) => (c.servers.llm.gpus = 0.5));
    const recorded = installMocks("prod", pulumiConfigMap(bad));
    delete require.cache[INDEX];
    assert.throws(
      () => require(INDEX),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /llm-platform:servers\.llm\.gpus: must be a whole number/);
        return true;
      },
    );
    await settle();
    assert.equal(recorded.length, 0);
  });

  it("refuses a server that cannot fit the card even at utilization 1.0", async () => {
    const bad = variant(stackConfig("prod"), (c) => (c.models["llama-8b-awq"].id = "meta-llama/Llama-3.1-8B-Instruct"));
    const recorded = installMocks("prod", pulumiConfigMap(bad));
    delete require.cache[INDEX];
    assert.throws(() => require(INDEX), /llm-platform:servers\.llm\.gpuMemoryUtilization: "auto" found no --gpu-memory-utilization .* weights 1[45]\.\d\d GiB/);
    await settle();
    assert.equal(recorded.length, 0);
  });
});

describe("program (dev stack under mocks)", () => {
  let recorded: RecordedResource[];
  let exports: any;
  before(async () => {
    ({ recorded, exports } = await runProgram("dev", stackConfig("dev")));
  });

  it("runs no GPU workloads and no device plugin on a cluster without GPUs", () => {
    assert.equal(ofType(recorded, "kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "nvidia-device-plugin").length, 0);
    assert.equal(ofType(recorded, "kubernetes:apps/v1:Deployment").filter((d) => d.inputs.metadata.name.startsWith("vllm-")).length, 0);
    assert.equal(
      ofType(recorded, "kubernetes:core/v1:Namespace").some((ns) => ns.inputs.metadata.name === "nvidia-device-plugin"),
      false,
    );
  });

  it("sends every adapter to the gateway's default provider", () => {
    assert.deepEqual(Object.keys(exports.adapters).sort(), ["chatbot", "code", "microservices", "rag"]);
    for (const adapter of Object.values(exports.adapters) as any[]) assert.equal(adapter.servedBy, "default-provider");
  });

  it("exports null, not undefined, for what the stack lacks (Pulumi would drop it with a warning)", () => {
    assert.strictEqual(exports.gpuResourceName, null);
    assert.equal(exports.workstationBaseUrl, "http://gpu-box.lan:8000/v1");
  });
});

describe("program stack outputs (prod)", () => {
  it("tells users where each adapter is served; no device-plugin resource name under DRA", async () => {
    const { exports } = await runProgram("prod", stackConfig("prod"));
    assert.deepEqual(exports.adapters.chatbot, {
      servedBy: "llm",
      model: "chatbot",
      lora: false,
      baseUrl: "http://vllm-llm.llm-inference.svc.cluster.local:8000/v1",
    });
    assert.strictEqual(exports.gpuResourceName, null);
    assert.strictEqual(exports.workstationBaseUrl, null);
  });

  it("exports the device plugin's resource name when it shares the GPUs (time-slicing)", async () => {
    const timeSliced = variant(stackConfig("prod"), (c) => {
      c.gpuSharing = { mode: "time-slicing", replicas: 4 };
      for (const s of Object.values(c.servers) as any[]) delete s.placement;
      c.host.nodes["gpu-node"].gpuProduct = "NVIDIA-GeForce-RTX-3090";
    });
    const { recorded, exports } = await runProgram("prod", timeSliced);
    assert.equal(await promiseOf(exports.gpuResourceName), "nvidia.com/gpu");
    const [release] = ofType(recorded, "kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "nvidia-device-plugin");
    assert.match(release!.inputs.values.config.map["llm-platform"], /replicas: 4/);
    assert.equal(ofType(recorded, "kubernetes:resource.k8s.io/v1:ResourceClaim").length, 0);
  });
});
