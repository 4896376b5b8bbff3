import { strict as assert } from "node:assert";
import { estimateInputFromArgs, estimateMemory } from "@llm-platform/capacity";
import { podSpecIn } from "@llm-platform/kube";
import { parsePlatformConfig } from "../../config/load";
import { DEFAULT_LOAD_BANDWIDTH_MIBPS, diffPlans, type PlanDiff } from "../../plan/diff";
import type { SynthesizedResource } from "../../plan/synthesize";
import { stackConfig, variant } from "../fixtures/stacks";
import { changed, changeOf, keyedPlan, preview } from "./diffPlans";

/**
 * Issue #22's day-2 scenarios as base/current config pairs, each one change from the fixture stack,
 * previewed the way `npm run plan -- --base` does (tests/plan/diffCli.test.ts runs the CLI itself).
 */

/** Workloads of a plan whose pods read Secret `name` (env, envFrom or volume), by object name: read straight from the rendered specs. */
function readersOf(resources: SynthesizedResource[], namespace: string, name: string): string[] {
  return resources
    .filter((r) => ["Deployment", "StatefulSet", "DaemonSet"].includes(r.type.split(":").pop()!) && r.props.metadata?.namespace === namespace)
    .filter((r) => {
      const pod = podSpecIn(r.type, r.props)!;
      const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
      const env = containers.some(
        (c: any) => (c.env ?? []).some((e: any) => e.valueFrom?.secretKeyRef?.name === name) || (c.envFrom ?? []).some((e: any) => e.secretRef?.name === name),
      );
      return env || (pod.volumes ?? []).some((v: any) => v.secret?.secretName === name);
    })
    .map((r) => `${r.type.split(":").pop()} ${namespace}/${r.props.metadata.name}`)
    .sort();
}

const restarting = (d: PlanDiff) =>
  d.changes
    .filter((c) => c.restarts)
    .map((c) => c.object!)
    .sort();

describe("npm run plan -- --base: the day-2 scenarios on the prod fixture", function () {
  this.timeout(300_000);
  const prod = stackConfig("prod");
  const withProd = (change: (c: any) => void) => preview("prod", prod, variant(prod, change), { base: "fixture prod" });

  it("a snapshot-schedule change is one in-place update of the CronJob: nothing restarts, nothing is replaced", async () => {
    const d = await withProd((c) => (c.qdrant.snapshotSchedule = "30 3 * * *"));
    assert.deepEqual(changed(d), ["update CronJob llm-data/qdrant-snapshot-rag"]);
    const cron = changeOf(d, "CronJob llm-data/qdrant-snapshot-rag");
    assert.deepEqual(cron.paths, ["spec.schedule"]);
    assert.match(cron.reason, /^spec\.schedule: 17 \* \* \* \* → 30 3 \* \* \*$/);
    assert.equal(cron.restarts, false);
    assert.equal(d.exitCode, 0);
    assert.equal(d.counts.same, (await keyedPlan("prod")).length - 1);
  });

  it("a Qdrant storage-class change is refused, naming the protected volume; Postgres's volume is untouched", async () => {
    const d = await withProd((c) => (c.storage.qdrant.storageClass = "nfs-rwx"));
    assert.equal(d.exitCode, 1);
    const storage = changeOf(d, "PersistentVolumeClaim llm-data/qdrant-storage");
    assert.deepEqual([storage.op, storage.deleteBeforeReplace], ["replace", true]);
    assert.ok(
      d.findings.some(
        (f) =>
          f.kind === "protected-data" &&
          /replaces protected PersistentVolumeClaim llm-data\/qdrant-storage \(replacement forced by spec\.storageClassName: proxmox-csi → nfs-rwx/.test(
            f.message,
          ),
      ),
      JSON.stringify(d.findings, null, 1),
    );
    assert.equal(changeOf(d, "PersistentVolumeClaim llm-gateway/gateway-postgres-data").op, "same");
    // The snapshot staging volume follows Qdrant's class; nothing else changes.
    assert.deepEqual(changed(d), ["replace PersistentVolumeClaim llm-data/qdrant-snapshots", "replace PersistentVolumeClaim llm-data/qdrant-storage"]);
  });

  it("storage.postgres moves only Postgres's volume (a storage setting no longer moves two databases)", async () => {
    const d = await withProd((c) => (c.storage.postgres.storageClass = "nfs-rwx"));
    assert.deepEqual(changed(d), ["replace PersistentVolumeClaim llm-gateway/gateway-postgres-data"]);
    assert.equal(d.exitCode, 1);
    assert.match(d.findings[0]!.message, /replaces protected PersistentVolumeClaim llm-gateway\/gateway-postgres-data/);
  });

  it("a new served-name adapter changes no vLLM Deployment: the gateway's config rolls, a route is added, no GPU server goes down", async () => {
    const d = await withProd((c) => (c.adapters.summarize = { server: "llm", description: "Summaries" }));
    const vllm = d.changes.filter((c) => c.object?.startsWith("Deployment llm-inference/vllm-"));
    assert.equal(vllm.length, Object.keys(prod.servers as object).length, "every server of the fixture (llm, embedding, reranker)");
    assert.ok(
      vllm.every((c) => c.op === "same"),
      JSON.stringify(vllm),
    );
    assert.deepEqual(d.gpuOutages, []);
    assert.deepEqual(restarting(d), ["Deployment llm-gateway/gateway-litellm"]);
    assert.equal(changeOf(d, "HTTPRoute llm-gateway/edge-adapter-summarize").op, "create");
    assert.equal(d.exitCode, 0);
  });

  it("a LoRA adapter does change vLLM's command line: the Recreate server goes down, with the checkpoint's load time estimated", async () => {
    const current = variant(prod, (c) => (c.adapters.sql = { server: "llm", lora: { source: "example/sql-lora" } }));
    const d = await preview("prod", prod, current);
    assert.deepEqual(restarting(d), ["Deployment llm-gateway/gateway-litellm", "Deployment llm-inference/vllm-llm"]);
    assert.equal(d.gpuOutages.length, 1);
    const outage = d.gpuOutages[0]!;
    assert.equal(outage.server, "Deployment llm-inference/vllm-llm");
    assert.match(outage.why, /Recreate rollout/);
    // Expected from the capacity model's own memory estimate of the same command line.
    const vllm = (await keyedPlan("prod", current)).find((r) => r.props.metadata?.name === "vllm-llm")!;
    const args = podSpecIn(vllm.type, vllm.props)!.containers[0].args as string[];
    const weightsGiB = estimateMemory(estimateInputFromArgs(args, 10)).weightsGiB;
    assert.equal(outage.model, "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4");
    assert.equal(outage.checkpointGiB, Number(weightsGiB.toFixed(2)));
    assert.equal(outage.estimatedLoadSeconds, Math.ceil((weightsGiB * 1024) / DEFAULT_LOAD_BANDWIDTH_MIBPS));
    assert.equal(outage.startupLimitSeconds, parsePlatformConfig(prod).servers.llm!.startupTimeoutSeconds);
    const faster = diffPlans(await keyedPlan("prod"), await keyedPlan("prod", current), { loadBandwidthMiBps: 1000 });
    assert.equal(faster.gpuOutages[0]!.estimatedLoadSeconds, Math.ceil((weightsGiB * 1024) / 1000));
    // The adapter's weights come from a new download Job into the model cache, not a new volume.
    assert.ok(
      changed(d).some((x) => x.startsWith("create Job llm-inference/base-models-example-sql-lora-")),
      changed(d).join("\n"),
    );
    assert.ok(!changed(d).some((x) => x.includes("PersistentVolumeClaim")));
  });

  it("a password rotation (gateway.rotation.redisPassword: 1) restarts every consumer of the Secret and leaves none stale", async () => {
    const current = variant(prod, (c) => (c.gateway.rotation = { redisPassword: 1 }));
    const d = await preview("prod", prod, current);
    assert.equal(changeOf(d, "Secret llm-gateway/gateway-redis").op, "replace");
    assert.equal(d.changes.find((c) => c.urn.endsWith("RandomPassword::gateway-redis-password"))!.op, "replace");
    const consumers = readersOf(await keyedPlan("prod", current), "llm-gateway", "gateway-redis");
    assert.deepEqual(consumers, ["Deployment llm-gateway/gateway-litellm", "Deployment llm-gateway/gateway-redis"]);
    assert.deepEqual(restarting(d), consumers);
    for (const c of consumers) assert.match(changeOf(d, c).reason, /llm-platform\.io\/secret-hash/);
    assert.deepEqual(d.findings, []);
    assert.equal(d.exitCode, 0);
  });

  it("the same rotation with a consumer that carries no secret hash leaves it stale: refused", async () => {
    const current = variant(prod, (c) => (c.gateway.rotation = { redisPassword: 1 }));
    const strip = (resources: SynthesizedResource[]) =>
      resources.map((r) => {
        if (r.props.metadata?.name !== "gateway-litellm" || !r.type.endsWith("Deployment")) return r;
        const copy = structuredClone(r);
        delete copy.props.spec.template.metadata.annotations["llm-platform.io/secret-hash"];
        return copy;
      });
    const d = diffPlans(strip(await keyedPlan("prod")), strip(await keyedPlan("prod", current)));
    assert.equal(d.exitCode, 1);
    assert.deepEqual(
      d.findings.map((f) => f.kind),
      ["stale-secret"],
    );
    assert.match(
      d.findings[0]!.message,
      /Secret llm-gateway\/gateway-redis changes \(password, redis\.conf\), but Deployment llm-gateway\/gateway-litellm reads it \(env REDIS_PASSWORD\)/,
    );
  });

  it("a Postgres application password rotation reruns the setup Job under a new name and rolls LiteLLM, not Postgres; in prod the protected credential needs an unprotect first", async () => {
    const d = await withProd((c) => (c.gateway.rotation = { postgresPassword: 1 }));
    const setup = d.changes.find((c) => c.object?.startsWith("Job llm-gateway/gateway-postgres-setup-"))!;
    assert.deepEqual([setup.op, setup.deleteBeforeReplace], ["replace", false]);
    assert.match(setup.reason, /metadata\.name: gateway-postgres-setup-[0-9a-f]{8} → gateway-postgres-setup-[0-9a-f]{8}/);
    assert.deepEqual(restarting(d), ["Deployment llm-gateway/gateway-litellm"]);
    assert.equal(changeOf(d, "StatefulSet llm-gateway/gateway-postgres").op, "same");
    assert.ok(!d.findings.some((f) => f.kind === "stale-secret"), "Postgres reads only admin-password, which does not change");
    assert.deepEqual(
      d.findings.map((f) => f.kind),
      ["protected-data", "protected-data"],
    );
    assert.ok(d.findings.every((f) => /pulumi state unprotect/.test(f.message)));
  });

  it("a removed client: its key's Secret and generator are deleted and the keys Job reruns under a new name (revoking the key)", async () => {
    const d = await withProd((c) => delete c.gateway.clients.n8n);
    assert.equal(changeOf(d, "Secret llm-gateway/gateway-litellm-client-n8n").op, "delete");
    assert.equal(d.changes.find((c) => c.urn.endsWith("RandomPassword::gateway-client-n8n"))!.op, "delete");
    const job = d.changes.find((c) => c.object?.startsWith("Job llm-gateway/gateway-litellm-clients-"))!;
    assert.deepEqual([job.op, job.deleteBeforeReplace], ["replace", false]);
    assert.deepEqual(restarting(d), []);
    assert.equal(d.exitCode, 0);
  });

  it("an image change restarts the database that runs it and replaces the Jobs that use it", async () => {
    const d = await withProd((c) => (c.gateway.postgres = { ...c.gateway.postgres, image: "postgres:17.7" }));
    assert.deepEqual(restarting(d), ["StatefulSet llm-gateway/gateway-postgres"]);
    assert.match(
      changeOf(d, "StatefulSet llm-gateway/gateway-postgres").reason,
      /spec\.template\.spec\.containers\[0\]\.image: postgres:17\.6 → postgres:17\.7/,
    );
    assert.equal(changeOf(d, "CronJob llm-gateway/gateway-postgres-backup").op, "update");
    assert.ok(d.changes.filter((c) => c.type === "kubernetes:batch/v1:Job" && c.op !== "same").every((c) => c.op === "replace" && /image/.test(c.reason)));
    assert.equal(d.exitCode, 0);
  });

  it("Helm values and the provider's context are updates: nothing is replaced or restarts", async () => {
    const d = await withProd((c) => {
      c.monitoring.kubePrometheusStack.retention = "30d";
      c.cluster.context = "llm-prod-admin";
    });
    assert.deepEqual(changed(d), ["update Release monitoring/addons-kube-prometheus-stack", "update kubernetes cluster"]);
    assert.match(
      changeOf(d, "Release monitoring/addons-kube-prometheus-stack").reason,
      /^helm upgrade: values\.prometheus\.prometheusSpec\.retention: 15d → 30d$/,
    );
    assert.match(d.changes.find((c) => c.type === "pulumi:providers:kubernetes")!.reason, /never a replacement/);
    assert.equal(d.exitCode, 0);
  });

  it("a changed cluster identity is refused: a stack does not move to another cluster", async () => {
    const current = variant(prod, (c) => (c.cluster.identity = { kubeSystemUid: "0b3c9f4e-1a2d-4e5f-8a6b-7c8d9e0f1a2b" }));
    const resources = await keyedPlan("prod");
    const d = diffPlans(resources, resources, { baseConfig: parsePlatformConfig(prod), currentConfig: parsePlatformConfig(current) });
    assert.equal(d.exitCode, 1);
    assert.match(d.findings[0]!.message, /cluster\.identity changes \(4f0c8a52-7d3e-4b19-9a61-2c5e8f7b1d03 → 0b3c9f4e-1a2d-4e5f-8a6b-7c8d9e0f1a2b\)/);
    assert.equal(diffPlans(resources, resources, { baseConfig: parsePlatformConfig(prod), currentConfig: parsePlatformConfig(prod) }).exitCode, 0);
  });
});

describe("npm run plan -- --base: images.pinning resolve against committed digests", function () {
  this.timeout(300_000);
  const LOOKUP = "docker:index/getRegistryImage:getRegistryImage";
  const registry = (postgresDigit: string, counter?: { calls: number }) => ({
    [LOOKUP]: (inputs: Record<string, any>) => {
      if (counter) counter.calls++;
      return { ...inputs, sha256Digest: `sha256:${(String(inputs.name).startsWith("postgres:") ? postgresDigit : "a").repeat(64)}` };
    },
  });

  it("resolve: a re-pushed tag restarts Postgres although the config did not change", async () => {
    const prod = stackConfig("prod");
    const before = await keyedPlan("prod", prod, registry("1"), "postgres@1");
    const after = await keyedPlan("prod", prod, registry("2"), "postgres@2");
    const d = diffPlans(before, after, { baseConfig: parsePlatformConfig(prod), currentConfig: parsePlatformConfig(prod) });
    assert.deepEqual(restarting(d), ["StatefulSet llm-gateway/gateway-postgres"]);
    assert.ok(d.notes.some((n) => /images\.pinning is resolve: digests are looked up in the registries at `pulumi up`/.test(n)));
  });

  it("digest: committed digests are used as they are, with no registry lookup, so a re-pushed tag changes nothing", async () => {
    const pinned = variant(stackConfig("prod"), (c) => {
      const at = (image: string, digit: string) => `${image}@sha256:${digit.repeat(64)}`;
      c.images = { pinning: "digest", vllm: at("vllm/vllm-openai:v0.19.0", "b"), curl: at("curlimages/curl:8.16.0", "c") };
      c.gateway.image = at("ghcr.io/berriai/litellm:v1.93.1", "d");
      c.gateway.postgres = { ...c.gateway.postgres, image: at("postgres:17.6", "e") };
      c.gateway.redis = { ...c.gateway.redis, image: at("redis:7.4.6", "f") };
      c.qdrant.image = at("qdrant/qdrant:v1.15.4-unprivileged", "0");
    });
    const counter = { calls: 0 };
    const resources = await keyedPlan("prod", pinned, registry("2", counter), "counted");
    assert.equal(counter.calls, 0);
    const postgres = resources.find((r) => r.props.metadata?.name === "gateway-postgres" && r.type.endsWith("StatefulSet"))!;
    assert.equal(podSpecIn(postgres.type, postgres.props)!.containers[0].image, `postgres:17.6@sha256:${"e".repeat(64)}`);
  });
});

describe("npm run plan -- --base: the dev fixture", function () {
  this.timeout(300_000);
  const dev = stackConfig("dev");

  it("renaming the data namespace is refused: Kubernetes deletes the PVCs of a deleted namespace", async () => {
    const d = await preview(
      "dev",
      dev,
      variant(dev, (c) => (c.namespaces = { data: "llm-vectors" })),
    );
    assert.equal(d.exitCode, 1);
    assert.equal(changeOf(d, "Namespace llm-vectors").op, "replace");
    assert.ok(
      d.findings.some(
        (f) =>
          f.kind === "data-loss" &&
          /replaces Namespace llm-data, and Kubernetes deletes every PVC in a deleted namespace: PersistentVolumeClaim llm-data\/qdrant-storage/.test(
            f.message,
          ),
      ),
      JSON.stringify(d.findings, null, 1),
    );
  });

  it("a workstation setting replaces its container: the dev GPU server goes down, with the load estimate", async () => {
    const d = await preview(
      "dev",
      dev,
      variant(dev, (c) => (c.workstation.maxModelLen = 4096)),
    );
    assert.deepEqual(changed(d), ["replace Container workstation-container"]);
    assert.equal(d.gpuOutages.length, 1);
    assert.equal(d.gpuOutages[0]!.model, "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4");
    assert.ok(d.gpuOutages[0]!.estimatedLoadSeconds! > 0);
  });
});
