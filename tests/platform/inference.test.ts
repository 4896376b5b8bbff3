import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig } from "../../config/load";
import type { PlatformConfig } from "../../config/schema";
import { cachedModels, deployInference, huggingFaceTokenExternalSecret } from "../../platform/inference";
import { planServers } from "../../platform/servers";
import { renderComponents, unwrap, type Rendering } from "../fixtures/components";
import { exampleConfig } from "../fixtures/plans";
import { stackConfig, variant } from "../fixtures/stacks";

const JOB = "kubernetes:batch/v1:Job";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";

/** The inference layer of a stack config, rendered under mocks (namespace and add-ons stubbed). */
function render(raw: Record<string, unknown>): Promise<Rendering> {
  const config = parsePlatformConfig(raw);
  return renderComponents(() => {
    const namespace = new pulumi.ComponentResource("test:index:Namespace", "inference-namespace");
    const addons = new pulumi.ComponentResource("test:index:Addons", "addons");
    return deployInference(config, planServers(config), { inference: namespace }, addons);
  });
}

const deploymentInputs = (r: Rendering) => Object.fromEntries(r.ofType(DEPLOYMENT).map((d) => [d.name, unwrap(d.inputs)]));
const claims = (r: Rendering) =>
  r
    .ofType(PVC)
    .map((c) => unwrap(c.inputs).metadata.name)
    .sort();

/**
 * Renames (or, with `to` undefined, removes) an adapter everywhere the stack config names it: the
 * adapter itself, the clients' model allowlists, and the fallback maps' keys and targets.
 */
function renameAdapter(c: any, from: string, to: string | undefined): void {
  const swap = (names: string[]) => names.flatMap((n) => (n === from ? (to ? [to] : []) : [n]));
  if (to) c.adapters[to] = c.adapters[from];
  delete c.adapters[from];
  for (const client of Object.values<any>(c.gateway?.clients ?? {})) if (client.models) client.models = swap(client.models);
  for (const key of ["fallbacks", "contextWindowFallbacks"]) {
    const map = c.gateway?.[key];
    if (!map) continue;
    c.gateway[key] = Object.fromEntries(
      Object.entries<string[]>(map).flatMap(([model, targets]) => (model === from ? (to ? [[to, swap(targets)]] : []) : [[model, swap(targets)]])),
    );
  }
}

describe("inference layer (platform)", () => {
  const prod = stackConfig("prod");
  let rendering: Rendering;
  before(async () => {
    rendering = await render(prod);
  });

  it("downloads each served model at its pinned revision, once", () => {
    const jobs = rendering.ofType(JOB).map((j) => unwrap(j.inputs));
    // Every model prod configures is served (llm, embedding, reranker), each at its pinned commit.
    const configured = Object.values<any>((prod as any).models)
      .map((m) => [m.id, m.revision])
      .sort();
    assert.equal(configured.length, 3);
    assert.deepEqual(
      jobs.map((j) => [j.metadata.annotations["llm-platform.io/model-id"], j.metadata.annotations["llm-platform.io/model-revision"]]).sort(),
      configured,
    );
    for (const job of jobs) assert.equal(job.spec.template.spec.containers[0].image, "curlimages/curl:8.16.0");
  });

  it("starts every vLLM server only after every download has completed", () => {
    const jobs = rendering.ofType(JOB).map((j) => j.urn);
    assert.equal(jobs.length, Object.keys((prod as any).models).length);
    for (const deployment of rendering.ofType(DEPLOYMENT)) {
      for (const job of jobs) assert.ok(deployment.dependencies.includes(job), `${deployment.name} waits for ${job}`);
    }
  });

  it("asks no token of prod's public models, and mounts the cache read-only in the servers", () => {
    for (const job of rendering.ofType(JOB))
      assert.equal(
        unwrap(job.inputs).spec.template.spec.containers[0].env.some((e: any) => e.name === "HF_TOKEN"),
        false,
      );
    for (const deployment of rendering.ofType(DEPLOYMENT)) {
      const pod = unwrap(deployment.inputs).spec.template.spec;
      assert.deepEqual(pod.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim, { claimName: "base-models", readOnly: true });
    }
  });

  it("keeps prod's base-model volume, protected and retained, under the model cache", () => {
    const claim = rendering.get(PVC, "base-models");
    assert.deepEqual([claim.protect, claim.retainOnDelete], [true, true]);
    assert.equal(unwrap(claim.inputs).metadata.labels["backup-tier"], "gfs");
    assert.ok(claim.aliases.includes("base-models"));
  });

  it("waits for each server as long as its startup probe allows, plus the margin", () => {
    // servers.*.startupTimeoutSeconds defaults to 1800: 1800 + 900 s = 45 minutes.
    for (const deployment of rendering.ofType(DEPLOYMENT)) assert.equal(deployment.customTimeouts?.create, "45m", deployment.name);
    const slow = parsePlatformConfig(variant(prod, (c) => (c.servers.llm.startupTimeoutSeconds = 3600)));
    assert.equal(slow.servers.llm!.startupTimeoutSeconds, 3600);
  });

  describe("adapter changes (#22 item 3)", () => {
    it("adding, renaming or removing a plain adapter changes no vLLM Deployment and no volume", async () => {
      const before = deploymentInputs(rendering);
      const added = await render(variant(prod, (c) => (c.adapters.support = { server: "llm", description: "Support desk" })));
      assert.deepEqual(deploymentInputs(added), before);
      assert.deepEqual(claims(added), claims(rendering));
      // An adapter is also named in the clients' model allowlists and the fallbacks: the config refuses
      // names the gateway does not serve, so a rename or removal changes them too (as an operator must).
      const renamed = await render(variant(prod, (c) => renameAdapter(c, "chatbot", "assistant")));
      assert.deepEqual(deploymentInputs(renamed), before);
      const removed = await render(variant(prod, (c) => renameAdapter(c, "rag", undefined)));
      assert.deepEqual(deploymentInputs(removed), before);
      assert.deepEqual(claims(removed), ["base-models"]);
    });

    it("gives a LoRA adapter with files its own volume, and downloads one from a repo into the cache", async () => {
      const lora = await render(
        variant(prod, (c) => {
          c.adapters.code.lora = { source: "/v1" };
          c.adapters.sql = { server: "llm", lora: { source: "acme/sql-lora" } };
        }),
      );
      assert.deepEqual(claims(lora), ["base-models", "vllm-llm-lora-code"]);
      const code = lora.get(PVC, "llm-lora-code");
      assert.deepEqual([code.protect, code.retainOnDelete], [true, true]);
      const ids = lora.ofType(JOB).map((j) => unwrap(j.inputs).metadata.annotations["llm-platform.io/model-id"]);
      assert.ok(ids.includes("acme/sql-lora"), ids.join(", "));
      const args: string[] = unwrap(lora.get(DEPLOYMENT, "llm-deployment").inputs).spec.template.spec.containers[0].args;
      assert.deepEqual(args.slice(args.indexOf("--lora-modules") + 1, args.indexOf("--lora-modules") + 3), ["code=/adapters/code/v1", "sql=acme/sql-lora"]);
    });
  });

  it("reads the token for a gated model from the configured Secret, required", async () => {
    const gated = await render(
      variant(prod, (c) => {
        c.models["llama-8b-awq"].gated = true;
        c.huggingFace = { tokenSecret: { name: "huggingface-token" } };
      }),
    );
    const env = (id: string) =>
      unwrap(gated.ofType(JOB).find((j) => unwrap(j.inputs).metadata.annotations["llm-platform.io/model-id"] === id)!.inputs).spec.template.spec.containers[0]
        .env;
    assert.deepEqual(env("hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4").find((e: any) => e.name === "HF_TOKEN").valueFrom.secretKeyRef, {
      name: "huggingface-token",
      key: "token",
      optional: false,
    });
    assert.deepEqual(
      env("BAAI/bge-m3").find((e: any) => e.name === "HF_TOKEN").valueFrom.secretKeyRef.optional,
      true,
      "the public model only uses it when there",
    );
  });

  it("downloads nothing when network.modelDownloads is off (the volume is seeded by hand)", async () => {
    const offline = await render(variant(prod, (c) => (c.network = { modelDownloads: false })));
    assert.equal(offline.ofType(JOB).length, 0);
    assert.equal(offline.ofType(DEPLOYMENT).length, Object.keys((prod as any).servers).length);
  });

  describe("GPUs shared with DRA (prod)", () => {
    it("claims each placed card once (GpuCardClaims) and starts every server after its claims", () => {
      const claims = rendering.ofType("kubernetes:resource.k8s.io/v1:ResourceClaim");
      assert.deepEqual(claims.map((c) => unwrap(c.inputs).metadata.name).sort(), ["gpu-gpu-node-gpu0", "gpu-gpu-node-gpu1"]);
      const component = rendering.resources.find((r) => r.type === "llm-platform:index:GpuCardClaims")!;
      for (const claim of claims) assert.equal(claim.parent, component.urn);
      // A component in dependsOn stands for its children (pulumi/pulumi#2299): each server, and so its Deployment, waits for the claims.
      for (const server of rendering.resources.filter((r) => r.type === "llm-platform:index:VllmServer")) {
        for (const claim of claims) assert.ok(server.dependencies.includes(claim.urn), `${server.name} waits for ${claim.name}`);
      }
    });

    it("pins each pod to its node and card; only servers sharing a card wait for its memory (gpu1), the llm alone on gpu0 does not", () => {
      const pods = Object.fromEntries(rendering.ofType(DEPLOYMENT).map((d) => [unwrap(d.inputs).metadata.name, unwrap(d.inputs).spec.template.spec]));
      for (const pod of Object.values<any>(pods)) {
        assert.equal(pod.nodeSelector["kubernetes.io/hostname"], "gpu-node");
        assert.equal(pod.containers[0].resources.limits["nvidia.com/gpu"], undefined, "no device-plugin resource under DRA");
        assert.deepEqual(pod.containers[0].resources.claims, [{ name: "gpu-0" }]);
      }
      assert.equal(pods["vllm-llm"].initContainers, undefined);
      for (const shared of ["vllm-embedding", "vllm-reranker"]) {
        assert.deepEqual(
          pods[shared].initContainers.map((c: any) => c.name),
          ["wait-for-gpu-memory"],
        );
        assert.deepEqual(pods[shared].initContainers[0].resources.claims, [{ name: "gpu-0" }], "it measures the card the server will use");
      }
    });
  });

  describe("serving modes (day-night example)", () => {
    let dayNight: Rendering;
    before(async () => {
      dayNight = await render(exampleConfig("examples/Pulumi.day-night.yaml"));
    });

    it("gives each mode server a KEDA cron ScaledObject, one trigger per mode, and creates its Deployment at 0 replicas for KEDA to scale", () => {
      const scaled = dayNight.ofType("kubernetes:keda.sh/v1alpha1:ScaledObject").map((r) => unwrap(r.inputs));
      assert.deepEqual(scaled.map((o) => o.spec.scaleTargetRef.name).sort(), ["vllm-batch", "vllm-embedding", "vllm-llm", "vllm-reranker"]);
      const batch = scaled.find((o) => o.spec.scaleTargetRef.name === "vllm-batch")!;
      assert.deepEqual(batch.spec.triggers, [
        { type: "cron", name: "night", metadata: { timezone: "Europe/Berlin", start: "0 22 * * *", end: "0 6 * * *", desiredReplicas: "1" } },
      ]);
      assert.deepEqual([batch.spec.minReplicaCount, batch.spec.maxReplicaCount, batch.spec.pollingInterval, batch.spec.cooldownPeriod], [0, 1, 30, 60]);
      const deployment = dayNight.ofType(DEPLOYMENT).find((d) => unwrap(d.inputs).metadata.name === "vllm-batch")!;
      assert.equal(unwrap(deployment.inputs).spec.replicas, 0);
      assert.deepEqual(deployment.ignoreChanges, ["spec.replicas"]);
    });

    it("runs the night model tensor-parallel over both cards' claims, and makes every server wait for its cards' memory (modes share them)", () => {
      const pods = Object.fromEntries(dayNight.ofType(DEPLOYMENT).map((d) => [unwrap(d.inputs).metadata.name, unwrap(d.inputs).spec.template.spec]));
      assert.deepEqual(
        pods["vllm-batch"].resourceClaims.map((c: any) => c.resourceClaimName),
        ["gpu-gpu-node-gpu0", "gpu-gpu-node-gpu1"],
      );
      const args: string[] = pods["vllm-batch"].containers[0].args;
      assert.deepEqual(args.slice(args.indexOf("--tensor-parallel-size"), args.indexOf("--tensor-parallel-size") + 2), ["--tensor-parallel-size", "2"]);
      for (const name of ["vllm-llm", "vllm-batch", "vllm-embedding", "vllm-reranker"])
        assert.equal(pods[name].initContainers?.[0]?.name, "wait-for-gpu-memory", name);
    });
  });

  it("declares nothing for a stack without servers", async () => {
    const dev = await render(stackConfig("dev"));
    assert.equal(dev.resources.filter((r) => r.type.startsWith("kubernetes:")).length, 0);
  });

  it("lists what the cache holds, and the ExternalSecret a Bitwarden token needs", () => {
    const config: PlatformConfig = parsePlatformConfig(prod);
    assert.deepEqual(
      cachedModels(config, planServers(config)).map((m) => `${m.id}@${m.revision}`),
      [
        "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4@db1f81ad4b8c7e39777509fac66c652eb0a52f91",
        "BAAI/bge-m3@5617a9f61b028005a4858fdac845db406aefb181",
        "BAAI/bge-reranker-v2-m3@953dc6f6f85a1b2dbfca4c34a2796e7dde08d41e",
      ],
    );
    assert.equal(huggingFaceTokenExternalSecret(config), undefined);
    const withBitwarden = parsePlatformConfig(
      variant(prod, (c) => {
        c.externalSecrets = {
          bitwarden: {
            organizationId: "7a1c2e3f-4b5d-4e6f-8a9b-0c1d2e3f4a5b",
            projectId: "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            accessTokenSecret: { name: "bw" },
          },
        };
        c.huggingFace = { tokenSecret: { name: "huggingface-token", bitwardenSecret: "0b4c8e9d-1f2a-4b3c-8d4e-5f6a7b8c9d0e" } };
      }),
    );
    assert.deepEqual(huggingFaceTokenExternalSecret(withBitwarden), {
      namespace: "llm-inference",
      secretName: "huggingface-token",
      key: "token",
      bitwardenSecret: "0b4c8e9d-1f2a-4b3c-8d4e-5f6a7b8c9d0e",
    });
  });
});
