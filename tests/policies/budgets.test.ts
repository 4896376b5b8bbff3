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

  it("count the prod plan's requests, limits and /dev/shm against the host", () => {
    const b = computeBudget(prod.resources, prod.host);
    assert.deepEqual(b.allocatable, { cpu: 60, memoryGiB: 116 });
    assert.equal(b.requests.cpu, 10);
    // 24 Gi + 6 Gi requests + 2 × 2 Gi of /dev/shm
    assert.equal(b.requests.memoryGiB, 34);
  });

  it("pass the prod plan", async () => {
    const v = await evaluate(prod);
    for (const policy of ["compute-within-host", "storage-within-classes", "shared-volumes-rwx"]) assert.deepEqual(violationsOf(v, policy), [], policy);
  });

  it("refuses memory requests above allocatable", async () => {
    const v = await evaluate(mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].resources.requests.memory = "120Gi")));
    assert.match(violationsOf(v, "compute-within-host")[0]!.message, /memory requests 130 GiB \(incl\. \/dev\/shm\) > allocatable 116 GiB; largest: Deployment llm-inference\/vllm-llm ×1 122/);
  });

  it("refuses CPU requests above allocatable", async () => {
    const v = await evaluate(mutate(prod, DEPLOYMENT, "vllm-embedding", (p) => (p.spec.replicas = 0, p.spec.template.spec.containers[0].resources.requests.cpu = "1", (p.spec.replicas = 70))));
    const messages = violationsOf(v, "compute-within-host").map((x) => x.message);
    assert.ok(messages.some((m) => /^CPU requests 78 cores > allocatable 60/.test(m)), messages.join("\n"));
  });

  it("refuses memory limits beyond the overcommit factor", async () => {
    const v = await evaluate(mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].resources.limits.memory = "200Gi")));
    assert.match(violationsOf(v, "compute-within-host")[0]!.message, /memory limits 212 GiB > 1\.25 × allocatable 116 GiB/);
  });

  it("refuses CPU limits beyond the overcommit factor", async () => {
    const v = await evaluate(mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].resources.limits.cpu = "200")));
    assert.match(violationsOf(v, "compute-within-host")[0]!.message, /CPU limits 204 cores > 2 × allocatable 60/);
  });

  it("adds up storage per class", () => {
    assert.deepEqual(storageBudget(prod.resources), { "nfs-rwx": 50, "proxmox-csi": 40 });
  });

  it("refuses a class over its capacity", async () => {
    const v = await evaluate(mutate(prod, PVC, "base-models", (p) => (p.spec.resources.requests.storage = "300Gi")));
    assert.match(violationsOf(v, "storage-within-classes")[0]!.message, /storage class "nfs-rwx": 300 GiB requested > 200 GiB available/);
  });

  it("refuses a class the config does not know", async () => {
    const v = await evaluate(mutate(prod, PVC, "base-models", (p) => (p.spec.storageClassName = "fast-ssd")));
    assert.match(violationsOf(v, "storage-within-classes")[0]!.message, /storage class "fast-ssd": 50 GiB requested but the policy config lists no capacity/);
  });

  it("refuses a shared RWO claim on a multi-node cluster", async () => {
    const twoNodes = { ...prod.host, nodes: [...prod.host.nodes, { ...prod.host.nodes[0]!, name: "gpu-node-2" }] };
    const rwo = mutate(prod, PVC, "base-models", (p) => (p.spec.accessModes = ["ReadWriteOnce"]));
    const v = await evaluate({ ...rwo, host: twoNodes });
    assert.match(violationsOf(v, "shared-volumes-rwx")[0]!.message, /PVC llm-inference\/base-models \(ReadWriteOnce\) is mounted by 2 pods .* on a 2-node cluster/);
  });
});
