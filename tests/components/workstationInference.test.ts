import { strict as assert } from "node:assert";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { WorkstationInference } from "../../components";
import { ConfigError, parsePlatformConfig } from "../../config/load";
import { workstationConfigSchema } from "../../config/workstationSchema";
import { workstationBaseUrl, workstationContainerSpec, workstationVllmCommand } from "../../components/specs/workstation";
import { isSecretValue, renderComponents, unwrap, valueOf, type Rendering } from "../fixtures/components";
import { evaluate, planStack, violationsOf, workloadImages, type StackPlan } from "../fixtures/plans";
import { stackConfig, variant } from "../fixtures/stacks";

const CONTAINER = "docker:index/container:Container";
const TOKEN = "llm-platform:index:WorkstationInference";

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
    const gatewayConfig = ofType(dev, "kubernetes:core/v1:ConfigMap").find((r) => r.props.metadata.name === "gateway-litellm-config")!.props.data[
      "config.yaml"
    ];
    assert.match(gatewayConfig, /api_base: http:\/\/gpu-box\.lan:8000\/v1/);
  });

  it("creates no Docker resources in prod; its one Docker provider only looks up image digests", () => {
    assert.equal(prod.resources.filter((r) => r.type.startsWith("docker:")).length, 0);
    assert.deepEqual(
      prod.resources.filter((r) => r.type === "pulumi:providers:docker").map((r) => [r.name, r.props.disableDockerDaemonCheck]),
      [["registry-lookups", "true"]],
    );
  });

  it("requires an API key from the environment, never on the command line (#21)", () => {
    const c = ofType(dev, "docker:index/container:Container")[0]!.props;
    const [password] = ofType(dev, "random:index/randomPassword:RandomPassword").filter((r) => r.name === "workstation-api-key");
    assert.equal(password!.props.length, 48);
    const key = c.envs.find((e: string) => e.startsWith("VLLM_API_KEY="));
    assert.ok(key && key.length > "VLLM_API_KEY=".length, c.envs.join(" "));
    assert.equal(
      c.command.some((a: string) => a.includes("api-key") || a === key.slice("VLLM_API_KEY=".length)),
      false,
    );
  });

  it("serves Ollama on its own port and API root", () => {
    const w = workstationConfigSchema.parse({
      dockerHost: "ssh://me@box",
      address: "box",
      bindAddress: "10.0.0.2",
      engine: "ollama",
      image: "ollama/ollama:0.12.3",
      model: "llama3.1:8b",
    });
    assert.equal(workstationBaseUrl(w), "http://box:11434");
    const spec = workstationContainerSpec({
      name: "w-ollama",
      engine: "ollama",
      image: "img",
      port: 11434,
      bindAddress: "10.0.0.2",
      gpus: "all",
      modelCacheVolume: "v",
    }) as any;
    assert.deepEqual(spec.healthcheck.tests, ["CMD", "ollama", "list"]);
    assert.equal(spec.command, undefined);
    assert.deepEqual(spec.ports, [{ internal: 11434, external: 11434, ip: "10.0.0.2", protocol: "tcp" }]);
  });

  it("keeps the key and the listen address the component's: extraArgs may not set --api-key or --host", () => {
    const base = { model: "m", port: 8000, gpuMemoryUtilization: 0.9, maxModelLen: 8192 };
    assert.deepEqual(workstationVllmCommand({ ...base, extraArgs: ["--enforce-eager"] }), [
      "m",
      "--port",
      "8000",
      "--gpu-memory-utilization",
      "0.9",
      "--max-model-len",
      "8192",
      "--enforce-eager",
    ]);
    for (const bad of [["--api-key", "k"], ["--api-key=k"], ["--host", "0.0.0.0"], ["--host=::"]]) {
      assert.throws(() => workstationVllmCommand({ ...base, extraArgs: bad }), /may not set --api-key .* or --host/, bad.join(" "));
    }
  });

  it("refuses to publish on every interface unless allowAllInterfaces says so, naming the flag", () => {
    const raw = stackConfig("dev");
    assert.throws(
      () => parsePlatformConfig(variant(raw, (c) => (c.workstation.bindAddress = "0.0.0.0"))),
      /llm-platform:workstation\.bindAddress: 0\.0\.0\.0 publishes the model server on every interface .* set llm-platform:workstation\.allowAllInterfaces: true/,
    );
    assert.doesNotThrow(() => parsePlatformConfig(variant(raw, (c) => Object.assign(c.workstation, { bindAddress: "0.0.0.0", allowAllInterfaces: true }))));
    assert.throws(
      () => parsePlatformConfig(variant(raw, (c) => (c.workstation.bindAddress = "192.168.1.256"))),
      /llm-platform:workstation\.bindAddress: "192\.168\.1\.256" must be an IPv4 address/,
    );
    assert.doesNotThrow(() => parsePlatformConfig(variant(raw, (c) => (c.workstation.bindAddress = "255.255.255.255"))));
  });

  it("refuses bad workstation settings with key paths", () => {
    const raw = stackConfig("dev");
    assert.throws(
      () => parsePlatformConfig(variant(raw, (c) => (c.workstation.dockerHost = "gpu-box"))),
      /llm-platform:workstation\.dockerHost: must be a Docker host URL/,
    );
    assert.throws(
      () => parsePlatformConfig(variant(raw, (c) => (c.workstation.image = "vllm/vllm-openai:latest"))),
      /llm-platform:workstation\.image: .* must be pinned/,
    );
    assert.throws(
      () => parsePlatformConfig(variant(raw, (c) => (c.workstation.engine = "ollama"))),
      /llm-platform:workstation\.image: engine "ollama" needs an ollama\/ollama image/,
    );
    assert.throws(
      () => parsePlatformConfig(variant(raw, (c) => delete c.workstation)),
      (e: unknown) =>
        e instanceof ConfigError &&
        /providers\.default: default provider "vllm-local" cannot be used: missing providers\.vllm-local\.apiBase \(or a vllm workstation\)/.test(e.message),
    );
  });
});

describe("WorkstationInference (component)", () => {
  let rendering: Rendering;
  let outputs: Record<string, unknown>;
  let apiKeySecret: boolean;
  before(async () => {
    rendering = await renderComponents(() => {
      const ws = new WorkstationInference("ws", {
        dockerHost: "ssh://dev@gpu-box.lan",
        image: "vllm/vllm-openai:v0.19.0",
        model: "org/model",
        address: "gpu-box.lan",
        bindAddress: "192.168.1.50",
        maxModelLen: 4096,
        hfToken: pulumi.secret("hf_token"),
        overrides: { container: { restart: "always" } },
      });
      // A second one on another Docker host, through a provider the caller passes.
      const other = new docker.Provider("other-host", { host: "ssh://dev@other" });
      new WorkstationInference(
        "ollama",
        { engine: "ollama", image: "ollama/ollama:0.12.3", model: "llama3.1:8b", address: "other", bindAddress: "10.0.0.9" },
        { providers: { docker: other } },
      );
      return ws;
    });
    const ws = (rendering as unknown as { result: WorkstationInference }).result;
    outputs = {
      baseUrl: await valueOf(ws.baseUrl),
      engine: await valueOf(ws.engine),
      containerName: await valueOf(ws.containerName),
      modelCacheVolume: await valueOf(ws.modelCacheVolume),
    };
    apiKeySecret = await pulumi.isSecret(ws.apiKey);
  });

  it("manages the workstation through a Docker provider of its own, a child, used by every child", () => {
    const provider = rendering.get("pulumi:providers:docker", "ws-docker");
    assert.equal(provider.parent, `urn:pulumi:test::llm-platform::${TOKEN}::ws`);
    assert.equal(unwrap(provider.inputs).host, "ssh://dev@gpu-box.lan");
    for (const [type, name] of [
      ["docker:index/remoteImage:RemoteImage", "ws-image"],
      ["docker:index/volume:Volume", "ws-models"],
      [CONTAINER, "ws-container"],
    ]) {
      assert.match(rendering.get(type!, name!).provider ?? "", /pulumi:providers:docker::ws-docker::/, name);
    }
  });

  it("uses a Docker provider passed in opts, and then creates none", () => {
    assert.throws(() => rendering.get("pulumi:providers:docker", "ollama-docker"));
    assert.match(rendering.get(CONTAINER, "ollama-container").provider ?? "", /pulumi:providers:docker::other-host::/);
  });

  it("generates the API key as a Pulumi secret and hands it to vLLM in a secret env entry", () => {
    assert.equal(apiKeySecret, true);
    const password = rendering.get("random:index/randomPassword:RandomPassword", "ws-api-key");
    assert.equal(password.parent, `urn:pulumi:test::llm-platform::${TOKEN}::ws`);
    // The engine receives the whole env list as one secret: it is encrypted in state.
    const envs = rendering.get(CONTAINER, "ws-container").inputs.envs;
    assert.equal(isSecretValue(envs), true, JSON.stringify(envs));
    assert.ok(unwrap(envs).includes("VLLM_API_KEY=generated-ws-api-key"));
    assert.ok(unwrap(envs).includes("HF_TOKEN=hf_token"));
    assert.equal(JSON.stringify(unwrap(rendering.get(CONTAINER, "ws-container").inputs).command).includes("generated-ws-api-key"), false);
  });

  it("publishes one port on the chosen address and keeps the model cache volume", () => {
    const c = unwrap(rendering.get(CONTAINER, "ws-container").inputs);
    assert.deepEqual(c.ports, [{ internal: 8000, external: 8000, ip: "192.168.1.50", protocol: "tcp" }]);
    assert.equal(c.restart, "always", "the container override is merged");
    assert.deepEqual(c.command.slice(0, 3), ["org/model", "--port", "8000"]);
    assert.equal(rendering.get("docker:index/volume:Volume", "ws-models").retainOnDelete, true);
  });

  it("has no key for Ollama, which cannot check one", () => {
    assert.throws(() => rendering.get("random:index/randomPassword:RandomPassword", "ollama-api-key"));
    assert.equal(
      (unwrap(rendering.get(CONTAINER, "ollama-container").inputs.envs) as string[]).some((e) => e.startsWith("VLLM_API_KEY")),
      false,
    );
  });

  it("keeps the old type token as an alias", () => {
    assert.ok(rendering.get(TOKEN, "ws").aliases.includes("llm-platform:dev:WorkstationInference"));
  });

  it("exposes the gateway's URL and its names", () => {
    assert.deepEqual(outputs, { baseUrl: "http://gpu-box.lan:8000/v1", engine: "vllm", containerName: "ws-vllm", modelCacheVolume: "ws-models" });
  });

  it("lets two instances coexist: container and volume names derive from the component name", () => {
    const names = rendering.resources
      .filter((r) => r.type === CONTAINER || r.type === "docker:index/volume:Volume")
      .map((r) => `${r.type} ${unwrap(r.inputs).name}`);
    assert.equal(names.length, 4);
    assert.equal(new Set(names).size, 4, names.join(", "));
  });

  it("refuses every interface without allowAllInterfaces", async () => {
    const args = { image: "vllm/vllm-openai:v0.19.0", model: "m", address: "box", dockerHost: "ssh://box" };
    await assert.rejects(
      renderComponents(() => new WorkstationInference("open", { ...args, bindAddress: "0.0.0.0" })),
      /WorkstationInference open: bindAddress "0\.0\.0\.0" publishes the model server on every interface/,
    );
    const open = await renderComponents(() => new WorkstationInference("open", { ...args, bindAddress: "0.0.0.0", allowAllInterfaces: true }));
    assert.equal(unwrap(open.get(CONTAINER, "open-container").inputs).ports[0].ip, "0.0.0.0");
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
        [
          "llm-platform:images.vllm",
          "llm-platform:images.curl",
          "llm-platform:gateway.image",
          "llm-platform:gateway.postgres.image",
          "llm-platform:gateway.redis.image",
          "llm-platform:qdrant.image",
        ],
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
    assert.ok(
      images.some((i) => i.startsWith("qdrant-snapshot-rag: curlimages/curl@sha256:")),
      images.join("\n"),
    );
    assert.deepEqual(
      images.filter((i) => !/@sha256:[a-f0-9]{64}$/.test(i)),
      [],
    );
    assert.deepEqual(violationsOf(await evaluate(plan), "prod-image-digests"), []);
  });
});
