import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deployOrder, waitsTransitively } from "../../plan/deployOrder";
import { synthesize, type SynthesizedResource } from "../../plan/synthesize";
import { PROJECT_ROOT } from "../fixtures/stacks";

const DIR = join(PROJECT_ROOT, "examples", "single-model");
const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("examples/single-model: the components used by another program", function () {
  this.timeout(120_000);
  let resources: SynthesizedResource[];
  let outputs: Record<string, unknown>;
  const find = (type: string, pred: (r: SynthesizedResource) => boolean = () => true) => {
    const r = resources.find((x) => x.type === type && pred(x));
    assert.ok(r, `no ${type}`);
    return r!;
  };

  before(async () => {
    ({ resources, outputs } = await synthesize({
      program: join(DIR, "index.ts"),
      project: "single-model",
      stack: "example",
      config: { "single-model:namespace": "coder", "single-model:model": "Qwen/Qwen2.5-Coder-7B-Instruct-AWQ", "single-model:revision": "main" },
    }));
  });

  it("imports only the published package, never the llm-platform program or its config", () => {
    const source = readFileSync(join(DIR, "index.ts"), "utf8");
    const imports = [...source.matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(imports.sort(), ["@llm-platform/components", "@pulumi/kubernetes", "@pulumi/pulumi"]);
    assert.equal(JSON.parse(readFileSync(join(DIR, "package.json"), "utf8")).dependencies["@llm-platform/components"], "file:../../components");
  });

  it("declares the device plugin, the model cache's download Job and the vLLM server, named after its own components", () => {
    const plugin = find(RELEASE);
    assert.equal(plugin.props.name, "coder-gpu-device-plugin");
    assert.match(plugin.props.values.config.map["llm-platform"], /replicas: 2/);
    const job = find("kubernetes:batch/v1:Job");
    assert.equal(job.props.metadata.namespace, "coder");
    const deployment = find("kubernetes:apps/v1:Deployment");
    assert.equal(deployment.props.metadata.name, "vllm-coder");
    const vllm = deployment.props.spec.template.spec.containers[0];
    assert.deepEqual(vllm.args.slice(0, 1), ["Qwen/Qwen2.5-Coder-7B-Instruct-AWQ"]);
    assert.equal(vllm.resources.limits["nvidia.com/gpu"], "1");
  });

  it("starts the server after the downloads and the device plugin", () => {
    const deployment = find("kubernetes:apps/v1:Deployment");
    const job = find("kubernetes:batch/v1:Job");
    const plugin = find(RELEASE);
    // The engine's order: the Deployment reads the cache's claim (an output of every Job), and its
    // component waits for the device plugin's (the SDK registers children after the parent).
    const order = deployOrder(resources);
    assert.ok(deployment.dependencies.includes(job.urn), "the model is in the cache before vLLM starts offline");
    assert.ok(waitsTransitively(order, deployment.urn, plugin.urn), "the GPU resource exists before the pod asks for it");
    assert.ok(!waitsTransitively(order, plugin.urn, deployment.urn));
  });

  it("exports what a client needs", async () => {
    const value = (o: unknown) => new Promise((resolve) => (o as { apply(f: (v: unknown) => void): void }).apply(resolve));
    assert.deepEqual(await value(outputs.servedModelNames), ["coder"]);
    assert.equal(await value(outputs.baseUrl), "http://vllm-coder.coder.svc.cluster.local:8000/v1");
    assert.equal(await value(outputs.gpuResource), "nvidia.com/gpu");
  });
});
