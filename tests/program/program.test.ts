import { strict as assert } from "node:assert";
import { ConfigError } from "../../config/load";
import { installMocks, promiseOf, settle, type RecordedResource } from "../fixtures/mocks";
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

  it("gives every adapter its own RWO volume", () => {
    const claims = ofType(recorded, "kubernetes:core/v1:PersistentVolumeClaim")
      .filter((r) => r.inputs.metadata.name.startsWith("adapter-"))
      .map((r) => [r.inputs.metadata.name, r.inputs.spec.accessModes[0], r.inputs.spec.resources.requests.storage]);
    assert.deepEqual(claims.sort(), [
      ["adapter-chatbot", "ReadWriteOnce", "10Gi"],
      ["adapter-code", "ReadWriteOnce", "10Gi"],
      ["adapter-microservices", "ReadWriteOnce", "10Gi"],
      ["adapter-rag", "ReadWriteOnce", "10Gi"],
    ]);
  });

  it("serves the four adapters from one base model and embeddings from bge-m3", () => {
    const deployments = Object.fromEntries(
      ofType(recorded, "kubernetes:apps/v1:Deployment")
        .filter((d) => d.inputs.metadata.name.startsWith("vllm-"))
        .map((d) => [d.inputs.metadata.name, d.inputs.spec.template.spec.containers[0].args]),
    );
    assert.deepEqual(Object.keys(deployments).sort(), ["vllm-embedding", "vllm-llm"]);
    const llm = deployments["vllm-llm"];
    const names = llm.slice(llm.indexOf("--served-model-name") + 1, llm.indexOf("--served-model-name") + 6);
    assert.deepEqual(names, ["llm", "chatbot", "rag", "code", "microservices"]);
  });

  it("resolves gpuMemoryUtilization auto so that all GPU pods fit one card together", () => {
    const plan = exports.servingPlan;
    const total = plan.llm.deviceFootprintGiB + plan.embedding.deviceFootprintGiB;
    assert.ok(plan.llm.gpuMemoryUtilization > 0 && plan.llm.gpuMemoryUtilization < 1);
    assert.ok(total <= 10, `footprints ${plan.llm.deviceFootprintGiB} + ${plan.embedding.deviceFootprintGiB} exceed the 10 GiB card`);
    assert.ok(plan.llm.kvCacheTokens >= 8192, "one max-model-len sequence fits the KV cache");
  });

  it("installs the device plugin with time-slicing 4 per GPU", () => {
    const [release] = ofType(recorded, "kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "nvidia-device-plugin");
    assert.ok(release);
    assert.match(release.inputs.values.config.map["llm-platform"], /replicas: 4/);
  });
});

describe("program config errors", () => {
  it("fails before declaring any resource, naming the key path", async () => {
    const bad = variant(stackConfig("prod"), (c) => (c.servers.llm.gpus = 0.5));
    const recorded = installMocks("prod", pulumiConfigMap(bad));
    delete require.cache[INDEX];
    assert.throws(() => require(INDEX), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /llm-platform:servers\.llm\.gpus: must be a whole number/);
      return true;
    });
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
    assert.equal(ofType(recorded, "kubernetes:core/v1:Namespace").some((ns) => ns.inputs.metadata.name === "nvidia-device-plugin"), false);
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
  it("tells users where each adapter is served", async () => {
    const { exports } = await runProgram("prod", stackConfig("prod"));
    assert.deepEqual(exports.adapters.chatbot, {
      servedBy: "llm",
      model: "chatbot",
      lora: false,
      baseUrl: "http://vllm-llm.llm-inference.svc.cluster.local:8000/v1",
    });
    assert.equal(await promiseOf(exports.gpuResourceName), "nvidia.com/gpu");
    assert.strictEqual(exports.workstationBaseUrl, null);
  });
});
