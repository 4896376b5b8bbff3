import { strict as assert } from "node:assert";
import { ConfigError, parsePlatformConfig } from "../../config/load";
import { workstationConfigSchema } from "../../config/workstationSchema";
import { workstationBaseUrl, workstationContainerSpec } from "../../components/specs/workstation";
import { evaluate, planStack, violationsOf, workloadImages, type StackPlan } from "../fixtures/plans";
import { stackConfig, variant } from "../fixtures/stacks";

describe("WorkstationInference (dev, seed 003)", () => {
  let dev: StackPlan;
  let prod: StackPlan;
  before(async () => {
    dev = await planStack("dev");
    prod = await planStack("prod");
  });
  const ofType = (plan: StackPlan, type: string) => plan.resources.filter((r) => r.type === type);

  it("manages the workstation through a Docker provider pointed at it", () => {
    const [provider] = ofType(dev, "pulumi:providers:docker");
    assert.equal(provider!.props.host, "ssh://dev@gpu-box.lan");
    const [image] = ofType(dev, "docker:index/remoteImage:RemoteImage");
    assert.equal(image!.props.name, "vllm/vllm-openai:v0.19.0");
    assert.equal(image!.props.keepLocally, true);
  });

  it("runs vLLM with the GPUs, model cache, health check and restart policy, published on the LAN address only", () => {
    const c = ofType(dev, "docker:index/container:Container")[0]!.props;
    assert.equal(c.gpus, "all");
    assert.equal(c.restart, "unless-stopped");
    assert.deepEqual(c.ports, [{ internal: 8000, external: 8000, ip: "192.168.1.50", protocol: "tcp" }]);
    assert.deepEqual(c.volumes, [{ volumeName: "llm-platform-models", containerPath: "/root/.cache/huggingface" }]);
    assert.deepEqual(c.healthcheck.tests, ["CMD", "curl", "-fsS", "http://localhost:8000/health"]);
    assert.equal(c.healthcheck.startPeriod, "900s");
    assert.deepEqual(c.command.slice(0, 3), ["hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", "--port", "8000"]);
  });

  it("points the gateway's vllm-local provider at it", () => {
    const gatewayConfig = ofType(dev, "kubernetes:core/v1:ConfigMap").find((r) => r.props.metadata.name === "gateway-litellm-config")!.props.data["config.yaml"];
    assert.match(gatewayConfig, /api_base: http:\/\/gpu-box\.lan:8000\/v1/);
  });

  it("creates no Docker resources in prod; its one Docker provider only looks up image digests", () => {
    assert.equal(prod.resources.filter((r) => r.type.startsWith("docker:")).length, 0);
    assert.deepEqual(
      prod.resources.filter((r) => r.type === "pulumi:providers:docker").map((r) => [r.name, r.props.disableDockerDaemonCheck]),
      [["registry-lookups", "true"]],
    );
  });

  it("serves Ollama on its own port and API root", () => {
    const w = workstationConfigSchema.parse({ dockerHost: "ssh://me@box", address: "box", bindAddress: "10.0.0.2", engine: "ollama", image: "ollama/ollama:0.12.3", model: "llama3.1:8b" });
    assert.equal(workstationBaseUrl(w), "http://box:11434");
    const spec = workstationContainerSpec(w, "img") as any;
    assert.deepEqual(spec.healthcheck.tests, ["CMD", "ollama", "list"]);
    assert.equal(spec.command, undefined);
  });

  it("refuses bad workstation settings with key paths", () => {
    const raw = stackConfig("dev");
    assert.throws(() => parsePlatformConfig(variant(raw, (c) => (c.workstation.dockerHost = "gpu-box"))), /llm-platform:workstation\.dockerHost: must be a Docker host URL/);
    assert.throws(() => parsePlatformConfig(variant(raw, (c) => (c.workstation.image = "vllm/vllm-openai:latest"))), /llm-platform:workstation\.image: .* must be pinned/);
    assert.throws(() => parsePlatformConfig(variant(raw, (c) => (c.workstation.engine = "ollama"))), /llm-platform:workstation\.image: engine "ollama" needs an ollama\/ollama image/);
    assert.throws(
      () => parsePlatformConfig(variant(raw, (c) => delete c.workstation)),
      (e: unknown) => e instanceof ConfigError && /providers\.default: default provider "vllm-local" cannot be used: missing providers\.vllm-local\.apiBase \(or a vllm workstation\)/.test(e.message),
    );
  });
});

describe("image pinning", () => {
  it("requires digests for every configured image when images.pinning is digest", () => {
    const raw = variant(stackConfig("prod"), (c) => (c.images = { pinning: "digest" }));
    try {
      parsePlatformConfig(raw);
      assert.fail("expected ConfigError");
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(
        e.issues.map((i) => i.path),
        ["llm-platform:images.vllm", "llm-platform:images.curl", "llm-platform:gateway.image", "llm-platform:gateway.postgres.image", "llm-platform:gateway.redis.image", "llm-platform:qdrant.image"],
      );
      assert.match(e.issues[0]!.message, /pinned by tag but images\.pinning is "digest": use repo@sha256:<digest>/);
    }
  });

  const digest = (repo: string) => `${repo}@sha256:${"ab".repeat(32)}`;
  const digestPinnedProd = () =>
    variant(stackConfig("prod"), (c) => {
      c.images = { pinning: "digest", vllm: digest("vllm/vllm-openai"), curl: digest("curlimages/curl") };
      c.gateway = { ...c.gateway, image: digest("ghcr.io/berriai/litellm"), postgres: { image: digest("postgres") }, redis: { image: digest("redis") } };
      c.qdrant = { ...c.qdrant, image: digest("qdrant/qdrant") };
    });

  it("accepts digests", () => {
    assert.doesNotThrow(() => parsePlatformConfig(digestPinnedProd()));
  });

  it("renders every workload image of a digest-pinned prod stack by digest, setup Jobs included", async () => {
    const plan = await planStack("prod", digestPinnedProd());
    const images = workloadImages(plan).map((c) => `${c.name}: ${c.image}`);
    assert.ok(images.some((i) => i.startsWith("qdrant-snapshot-rag: curlimages/curl@sha256:")), images.join("\n"));
    assert.deepEqual(images.filter((i) => !/@sha256:[a-f0-9]{64}$/.test(i)), []);
    assert.deepEqual(violationsOf(await evaluate(plan), "prod-image-digests"), []);
  });
});
