import { strict as assert } from "node:assert";
import { evaluate, mutate, planStack, violationsOf, type StackPlan } from "../fixtures/plans";
import { computeBudget } from "../../policies/compute";
import { storageBudget } from "../../policies/storage";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";

describe("budget policies", () => {
  let prod: StackPlan;
  before(async () => {
    prod = await planStack("prod");
  });

  const base = () => computeBudget(prod.resources, prod.host);
  const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1)).replace(".", "\\.");

  it("count the prod plan's requests, limits and /dev/shm against the host", () => {
    const b = base();
    assert.deepEqual(b.allocatable, { cpu: 60, memoryGiB: 116 });
    const vllm = b.top.find((t) => t.label === "Deployment llm-inference/vllm-llm ×1")!;
    // 24 Gi of requests + 2 Gi of /dev/shm
    assert.deepEqual(vllm, { label: "Deployment llm-inference/vllm-llm ×1", cpu: 8, memoryGiB: 26 });
    // The gateway's rolling update (maxSurge 1) runs a third pod.
    assert.ok(b.top.some((t) => t.label === "Deployment llm-gateway/gateway-litellm ×3"));
    assert.ok(b.requests.cpu > 10 && b.requests.cpu < 20, String(b.requests.cpu));
  });

  it("pass the prod plan", async () => {
    const v = await evaluate(prod);
    for (const policy of ["compute-within-host", "storage-within-classes", "shared-volumes-rwx"]) assert.deepEqual(violationsOf(v, policy), [], policy);
  });

  it("refuses memory requests above allocatable", async () => {
    const v = await evaluate(mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].resources.requests.memory = "120Gi")));
    const expected = fmt(base().requests.memoryGiB + 96);
    assert.match(violationsOf(v, "compute-within-host")[0]!.message, new RegExp(`memory requests ${expected} GiB \\(incl\\. /dev/shm\\) > allocatable 116 GiB; largest: Deployment llm-inference/vllm-llm ×1 122`));
  });

  it("refuses CPU requests above allocatable", async () => {
    const v = await evaluate(mutate(prod, DEPLOYMENT, "vllm-embedding", (p) => (p.spec.replicas = 0, p.spec.template.spec.containers[0].resources.requests.cpu = "1", (p.spec.replicas = 70))));
    const messages = violationsOf(v, "compute-within-host").map((x) => x.message);
    const expected = fmt(base().requests.cpu - 2 + 70);
    assert.ok(messages.some((m) => new RegExp(`^CPU requests ${expected} cores > allocatable 60`).test(m)), messages.join("\n"));
  });

  it("refuses memory limits beyond the overcommit factor", async () => {
    const v = await evaluate(mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].resources.limits.memory = "200Gi")));
    assert.match(violationsOf(v, "compute-within-host")[0]!.message, new RegExp(`memory limits ${fmt(base().limits.memoryGiB + 168)} GiB > 1\\.25 × allocatable 116 GiB`));
  });

  it("refuses CPU limits beyond the overcommit factor", async () => {
    const v = await evaluate(mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].resources.limits.cpu = "200")));
    assert.match(violationsOf(v, "compute-within-host")[0]!.message, new RegExp(`CPU limits ${fmt(base().limits.cpu + 184)} cores > 2 × allocatable 60`));
  });

  it("adds up storage per class", () => {
    // RWX: base models 50 + Qdrant's backup volume 40 + Postgres dumps 10 (storage.backups);
    // RWO: Qdrant 20 + Qdrant's snapshot staging 20 + gateway Postgres 10 (plain adapters have no volume)
    assert.deepEqual(storageBudget(prod.resources), { "nfs-rwx": 100, "proxmox-csi": 50 });
  });

  it("refuses a class over its capacity", async () => {
    const v = await evaluate(mutate(prod, PVC, "base-models", (p) => (p.spec.resources.requests.storage = "300Gi")));
    assert.match(violationsOf(v, "storage-within-classes")[0]!.message, /storage class "nfs-rwx": 350 GiB requested > 200 GiB available/);
  });

  it("refuses a class the config does not know", async () => {
    const v = await evaluate(mutate(prod, PVC, "base-models", (p) => (p.spec.storageClassName = "fast-ssd")));
    assert.match(violationsOf(v, "storage-within-classes")[0]!.message, /storage class "fast-ssd": 50 GiB requested but the policy config lists no capacity/);
  });

  it("refuses a shared RWO claim on a multi-node cluster", async () => {
    const twoNodes = { ...prod.host, nodes: [...prod.host.nodes, { ...prod.host.nodes[0]!, name: "gpu-node-2" }] };
    const rwo = mutate(prod, PVC, "base-models", (p) => (p.spec.accessModes = ["ReadWriteOnce"]));
    const v = await evaluate({ ...rwo, host: twoNodes });
    assert.match(violationsOf(v, "shared-volumes-rwx")[0]!.message, /PVC llm-inference\/base-models \(ReadWriteOnce\) is mounted by 4 pods .* on a 2-node cluster/);
  });
});
