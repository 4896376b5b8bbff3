import { strict as assert } from "node:assert";
import * as k8s from "@pulumi/kubernetes";
import { VllmAdapter, VllmServer } from "../../components";
import { kubernetesNames, renderComponents, unwrap, valueOf, type Rendering } from "../fixtures/components";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const TOKEN = "llm-platform:index:VllmServer";
const resources = { requests: { cpu: "8", memory: "24Gi" }, limits: { cpu: "16", memory: "32Gi" } };
const image = "vllm/vllm-openai:v0.19.0";

describe("VllmServer (component)", () => {
  let rendering: Rendering;
  let outputs: Record<string, unknown>;
  before(async () => {
    rendering = await renderComponents(() => {
      const cluster = new k8s.Provider("cluster", { context: "gpu-cluster" });
      const llm = new VllmServer(
        "llm",
        {
          namespace: "llm-inference",
          image,
          serveArgs: ["org/model", "--served-model-name", "llm", "--enable-lora", "--lora-modules", "code=/adapters/code/v1"],
          modelCacheClaim: "base-models",
          resources,
          gpu: { count: 1, resourceName: "nvidia.com/gpu.shared", nodeSelector: { gpu: "yes" } },
          startupTimeoutSeconds: 1200,
          loraVolumes: ["code"],
          loraVolume: { size: "10Gi", storageClass: "proxmox-csi", labels: { "backup-tier": "gfs" } },
          protectVolumes: true,
          retainVolumes: true,
          overrides: { deployment: { metadata: { annotations: { team: "ml" } } } },
        },
        { provider: cluster },
      );
      // A second server in the same namespace; the seed's name is the same class.
      new VllmAdapter("embedding", {
        namespace: "llm-inference",
        image,
        serveArgs: ["BAAI/bge-m3", "--served-model-name", "embedding", "--port", "8000"],
        modelCacheClaim: "base-models",
        resources,
        awaitTimeoutSeconds: 3600,
      });
      return llm;
    });
    const llm = (rendering as unknown as { result: VllmServer }).result;
    outputs = {
      deploymentName: await valueOf(llm.deploymentName),
      serviceName: await valueOf(llm.serviceName),
      baseUrl: await valueOf(llm.baseUrl),
      servedModelNames: await valueOf(llm.servedModelNames),
      model: await valueOf(llm.model),
      loraVolumeClaims: await valueOf(llm.loraVolumeClaims),
    };
  });

  it("declares its Deployment, Service and LoRA volume as children", () => {
    const parent = `urn:pulumi:test::llm-platform::${TOKEN}::llm`;
    for (const [type, name] of [
      [DEPLOYMENT, "llm-deployment"],
      [SERVICE, "llm-service"],
      [PVC, "llm-lora-code"],
    ] as const) {
      const child = rendering.get(type, name);
      assert.equal(child.parent, parent, `${type} ${name}`);
      assert.equal(child.urn, `urn:pulumi:test::llm-platform::${TOKEN}$${type}::${name}`);
    }
  });

  it("keeps the seed's type token as an alias, so existing stacks do not replace their servers", () => {
    assert.ok(rendering.get(TOKEN, "llm").aliases.includes("llm-platform:inference:VllmAdapter"));
    assert.equal(VllmAdapter, VllmServer);
  });

  it("uses the injected provider for its children", () => {
    for (const [type, name] of [
      [DEPLOYMENT, "llm-deployment"],
      [SERVICE, "llm-service"],
      [PVC, "llm-lora-code"],
    ] as const) {
      assert.match(rendering.get(type, name).provider ?? "", /pulumi:providers:kubernetes::cluster::cluster-id$/, name);
    }
    assert.equal(rendering.get(DEPLOYMENT, "embedding-deployment").provider, undefined, "the other server uses the default provider");
  });

  it("waits for the Deployment past the startup window: Pulumi's default is 10 minutes (#13)", () => {
    // 1200 s of startup probe + 900 s for scheduling and the image pull = 2100 s = 35 minutes.
    assert.deepEqual(rendering.get(DEPLOYMENT, "llm-deployment").customTimeouts, { create: "35m", update: "35m", delete: undefined });
    assert.equal(unwrap(rendering.get(DEPLOYMENT, "llm-deployment").inputs).spec.progressDeadlineSeconds, 2100);
    // A caller's own await wins.
    assert.deepEqual(rendering.get(DEPLOYMENT, "embedding-deployment").customTimeouts, { create: "60m", update: "60m", delete: undefined });
    const probe = unwrap(rendering.get(DEPLOYMENT, "llm-deployment").inputs).spec.template.spec.containers[0].startupProbe;
    assert.equal(probe.periodSeconds * probe.failureThreshold, 1200);
  });

  it("runs the caller's command line with the component's port", () => {
    const container = unwrap(rendering.get(DEPLOYMENT, "llm-deployment").inputs).spec.template.spec.containers[0];
    assert.deepEqual(container.args, [
      "org/model",
      "--served-model-name",
      "llm",
      "--enable-lora",
      "--lora-modules",
      "code=/adapters/code/v1",
      "--port",
      "8000",
    ]);
    assert.deepEqual(container.resources.limits, { cpu: "16", memory: "32Gi", "nvidia.com/gpu.shared": "1" });
    const embedding = unwrap(rendering.get(DEPLOYMENT, "embedding-deployment").inputs).spec.template.spec.containers[0];
    assert.equal(embedding.args.filter((a: string) => a === "--port").length, 1);
  });

  it("gives a LoRA adapter a protected, retained RWO volume mounted read-only, and plain servers none", () => {
    const claim = rendering.get(PVC, "llm-lora-code");
    assert.equal(claim.protect, true);
    assert.equal(claim.retainOnDelete, true);
    const inputs = unwrap(claim.inputs);
    assert.deepEqual(inputs.spec.accessModes, ["ReadWriteOnce"]);
    assert.equal(inputs.spec.storageClassName, "proxmox-csi");
    assert.equal(inputs.metadata.labels["backup-tier"], "gfs");
    const pod = unwrap(rendering.get(DEPLOYMENT, "llm-deployment").inputs).spec.template.spec;
    assert.deepEqual(pod.volumes.find((v: any) => v.persistentVolumeClaim?.claimName === inputs.metadata.name).persistentVolumeClaim.readOnly, true);
    assert.equal(rendering.ofType(PVC).filter((r) => r.parent?.endsWith("::embedding")).length, 0);
  });

  it("deep-merges the deployment override last", () => {
    const metadata = unwrap(rendering.get(DEPLOYMENT, "llm-deployment").inputs).metadata;
    assert.equal(metadata.annotations.team, "ml");
    assert.equal(metadata.name, "vllm-llm");
  });

  it("exposes its names, URL and the model names it answers to", () => {
    assert.deepEqual(outputs, {
      deploymentName: "vllm-llm",
      serviceName: "vllm-llm",
      baseUrl: "http://vllm-llm.llm-inference.svc.cluster.local:8000/v1",
      servedModelNames: ["llm", "code"],
      model: "org/model",
      loraVolumeClaims: ["vllm-llm-lora-code"],
    });
  });

  it("lets two servers coexist in one namespace", () => {
    const names = kubernetesNames(rendering.resources);
    assert.equal(names.length, 5);
    assert.equal(new Set(names).size, names.length, names.join(", "));
  });

  it("refuses LoRA volumes without their size and class", async () => {
    await assert.rejects(
      renderComponents(() => new VllmServer("x", { namespace: "n", image, serveArgs: ["m"], modelCacheClaim: "c", resources, loraVolumes: ["code"] })),
      /VllmServer x: loraVolumes \(code\) need loraVolume/,
    );
  });
});
