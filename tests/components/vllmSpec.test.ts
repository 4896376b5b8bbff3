import { strict as assert } from "node:assert";
import { lookupModel, parseVllmArgs } from "@llm-platform/capacity";
import { parsePlatformConfig } from "../../config/load";
import {
  loraPath,
  servedModelNames,
  vllmArgs,
  vllmBaseUrl,
  vllmDeploymentSpec,
  vllmServiceSpec,
  type VllmServerSpecArgs,
} from "../../components/specs/vllm";
import { stackConfig } from "../fixtures/stacks";

function specArgs(overrides: Partial<VllmServerSpecArgs> = {}): VllmServerSpecArgs {
  const config = parsePlatformConfig(stackConfig("prod"));
  const id = config.models["llama-8b-awq"]!.id;
  return {
    name: "llm",
    namespace: "llm-inference",
    server: config.servers.llm!,
    model: { alias: "llama-8b-awq", id, entry: lookupModel(id) },
    adapters: [{ name: "chatbot" }, { name: "code", lora: { source: "/lora" } }],
    gpuMemoryUtilization: 0.66,
    image: "vllm/vllm-openai:v0.19.0",
    gpu: { resourceName: "nvidia.com/gpu", nodeSelector: { "nvidia.com/gpu.present": "true" }, tolerations: [], allowTensorParallel: false },
    baseModelsClaim: "base-models",
    adapterClaims: { chatbot: "adapter-chatbot", code: "adapter-code" },
    ...overrides,
  };
}

describe("vLLM spec builders", () => {
  it("renders the command line the capacity model reads back", () => {
    const args = vllmArgs(specArgs());
    const parsed = parseVllmArgs(args);
    assert.equal(parsed.model, "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4");
    assert.deepEqual(parsed.flags.get("served-model-name"), ["llm", "chatbot"]);
    assert.deepEqual(parsed.flags.get("gpu-memory-utilization"), ["0.66"]);
    assert.deepEqual(parsed.flags.get("max-model-len"), ["8192"]);
    assert.deepEqual(parsed.flags.get("kv-cache-dtype"), ["fp8"]);
    assert.deepEqual(parsed.flags.get("quantization"), ["awq_marlin"]);
    assert.ok(parsed.flags.has("enforce-eager"));
    assert.deepEqual(parsed.flags.get("lora-modules"), ["code=/adapters/code/lora"]);
    assert.deepEqual(parsed.flags.get("max-loras"), ["1"]);
  });

  it("serves non-LoRA adapters as extra served names, LoRA adapters as modules", () => {
    assert.deepEqual(servedModelNames("llm", [{ name: "chatbot" }, { name: "rag" }, { name: "code", lora: { source: "x/y" } }]), ["llm", "chatbot", "rag"]);
    assert.equal(loraPath("code", "/v2"), "/adapters/code/v2");
    assert.equal(loraPath("code", "acme/code-lora"), "acme/code-lora");
  });

  it("never asks for tensor parallelism on shared GPUs", () => {
    const a = specArgs();
    const args = vllmArgs({ ...a, server: { ...a.server, gpus: 2 } });
    assert.equal(parseVllmArgs(args).flags.get("tensor-parallel-size"), undefined);
    const tp = vllmArgs({ ...a, server: { ...a.server, gpus: 2 }, gpu: { ...a.gpu, allowTensorParallel: true } });
    assert.deepEqual(parseVllmArgs(tp).flags.get("tensor-parallel-size"), ["2"]);
  });

  it("renders embedding servers with the pooling runner", () => {
    const a = specArgs();
    const flags = parseVllmArgs(vllmArgs({ ...a, server: { ...a.server, task: "embed" }, adapters: [] })).flags;
    assert.deepEqual(flags.get("runner"), ["pooling"]);
    assert.deepEqual(flags.get("convert"), ["embed"]);
  });

  it("builds a Deployment that cannot deadlock on GPUs and waits for model load", () => {
    const spec = vllmDeploymentSpec(specArgs()) as any;
    assert.equal(spec.metadata.name, "vllm-llm");
    assert.deepEqual(spec.spec.strategy, { type: "Recreate" });
    const container = spec.spec.template.spec.containers[0];
    assert.deepEqual(container.resources.limits, { cpu: "16", memory: "32Gi", "nvidia.com/gpu": "1" });
    assert.deepEqual(container.resources.requests, { cpu: "8", memory: "24Gi", "nvidia.com/gpu": "1" });
    assert.equal(container.startupProbe.httpGet.path, "/health");
    assert.equal(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold, 1800);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(spec.spec.template.spec.nodeSelector, { "nvidia.com/gpu.present": "true" });
    const volumes = Object.fromEntries(spec.spec.template.spec.volumes.map((v: any) => [v.name, v]));
    assert.deepEqual(volumes.dshm.emptyDir, { medium: "Memory", sizeLimit: "2Gi" });
    assert.equal(volumes["base-models"].persistentVolumeClaim.claimName, "base-models");
    assert.equal(volumes["adapter-code"].persistentVolumeClaim.claimName, "adapter-code");
    assert.deepEqual(
      container.volumeMounts.map((m: any) => m.mountPath),
      ["/models", "/dev/shm", "/home/vllm", "/adapters/chatbot", "/adapters/code"],
    );
  });

  it("injects the Hugging Face token from a Secret, never as a literal", () => {
    const env = (vllmDeploymentSpec(specArgs({ hfTokenSecret: { name: "hf", key: "token" } })) as any).spec.template.spec.containers[0].env;
    const token = env.find((e: any) => e.name === "HF_TOKEN");
    assert.deepEqual(token.valueFrom, { secretKeyRef: { name: "hf", key: "token" } });
    assert.equal(token.value, undefined);
  });

  it("validates against the Kubernetes OpenAPI schema", async () => {
    const { Deployment } = await import("kubernetes-models/apps/v1/Deployment");
    const { Service } = await import("kubernetes-models/v1/Service");
    new Deployment(vllmDeploymentSpec(specArgs()) as any).validate();
    new Service(vllmServiceSpec(specArgs()) as any).validate();
    const broken = vllmDeploymentSpec(specArgs()) as any;
    broken.spec.template.spec.containers[0].ports[0].containerPort = "8000";
    assert.throws(() => new Deployment(broken).validate());
  });

  it("gives the in-cluster base URL of the Service", () => {
    assert.equal(vllmBaseUrl("llm", "llm-inference"), "http://vllm-llm.llm-inference.svc.cluster.local:8000/v1");
  });
});
