import { strict as assert } from "node:assert";
import { evaluate, mutate, planStack, violationsOf, type StackPlan } from "../fixtures/plans";
import { computeBudget, effectivePodResource } from "../../policies/compute";
import { stackConfig } from "../fixtures/stacks";
import { storageBudget } from "../../policies/storage";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";

describe("budget policies", () => {
  let prod: StackPlan;
  // Per test: the synthesis is memoized (tests/fixtures/plans.ts); the host config is derived inside the test.
  beforeEach(async () => {
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
    // The gateway counts at its HorizontalPodAutoscaler's maxReplicas, plus the pod its rolling update (maxSurge 1) adds.
    const hpa = prod.resources.find((r) => r.type === HPA && r.props.spec.scaleTargetRef.name === "gateway-litellm")!;
    assert.equal(hpa.props.spec.maxReplicas, (stackConfig("prod") as any).gateway.autoscaling.maxReplicas);
    assert.ok(
      b.top.some((t) => t.label === `Deployment llm-gateway/gateway-litellm ×${hpa.props.spec.maxReplicas + 1}`),
      JSON.stringify(b.top),
    );
    assert.ok(b.requests.cpu > 10 && b.requests.cpu < 30, String(b.requests.cpu));
  });

  it("counts an init container as the scheduler does: the larger of it and the app containers, not their sum", () => {
    // vllm-embedding waits for its card's memory in an init container (100m, 1Gi) before vLLM (2 CPUs, 6Gi + 2Gi /dev/shm).
    const embedding = prod.resources.find((r) => r.type === DEPLOYMENT && r.props.metadata.name === "vllm-embedding")!;
    assert.equal(embedding.props.spec.template.spec.initContainers[0].name, "wait-for-gpu-memory");
    assert.equal(effectivePodResource(embedding.props.spec.template.spec, "requests", "cpu"), 2);
    assert.equal(effectivePodResource(embedding.props.spec.template.spec, "requests", "memory"), 6 * 1024 ** 3);
    // An init container larger than the app containers sets the pod's request.
    const big = {
      initContainers: [{ resources: { requests: { cpu: "3" } } }],
      containers: [{ resources: { requests: { cpu: "1" } } }, { resources: { limits: { cpu: "1" } } }],
    };
    assert.equal(effectivePodResource(big, "requests", "cpu"), 3);
    // A sidecar (restartPolicy Always) runs beside the app containers and the later init containers.
    const sidecar = {
      initContainers: [{ restartPolicy: "Always", resources: { requests: { cpu: "1" } } }, { resources: { requests: { cpu: "2.5" } } }],
      containers: [{ resources: { requests: { cpu: "1" } } }],
    };
    assert.equal(effectivePodResource(sidecar, "requests", "cpu"), 3.5);
  });

  it("counts the gateway at its HPA's maxReplicas: requests exactly at allocatable pass, one more replica does not", async () => {
    const requests = base().requests.cpu;
    // A host whose allocatable CPU is exactly the plan's requests (nothing reserved).
    const exact = { ...prod.host, nodes: [{ ...prod.host.nodes[0]!, cpu: requests }], systemReserved: { cpu: 0, memoryGiB: 0 } };
    const cpuRequests = (v: Awaited<ReturnType<typeof evaluate>>) => violationsOf(v, "compute-within-host").filter((x) => /^CPU requests/.test(x.message));
    assert.deepEqual(cpuRequests(await evaluate({ resources: prod.resources, host: exact }, "compute-within-host")), []);
    const more = mutate(prod, HPA, "gateway-litellm", (p) => (p.spec.maxReplicas += 1));
    const gatewayPod = prod.resources.find((r) => r.type === DEPLOYMENT && r.props.metadata.name === "gateway-litellm")!.props.spec.template.spec;
    const perPod = effectivePodResource(gatewayPod, "requests", "cpu");
    assert.ok(perPod > 0);
    const [v] = cpuRequests(await evaluate({ resources: more.resources, host: exact }, "compute-within-host"));
    assert.match(v!.message, new RegExp(`^CPU requests ${fmt(requests + perPod)} cores > allocatable ${fmt(requests)}`));
  });

  it("pass the prod plan", async () => {
    const v = await evaluate(prod, "compute-within-host", "storage-within-classes", "shared-volumes-rwx");
    for (const policy of ["compute-within-host", "storage-within-classes", "shared-volumes-rwx"]) assert.deepEqual(violationsOf(v, policy), [], policy);
  });

  it("refuses memory requests above allocatable", async () => {
    const v = await evaluate(
      mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].resources.requests.memory = "120Gi")),
      "compute-within-host",
    );
    const expected = fmt(base().requests.memoryGiB + 96);
    assert.match(
      violationsOf(v, "compute-within-host")[0]!.message,
      new RegExp(`memory requests ${expected} GiB \\(incl\\. /dev/shm\\) > allocatable 116 GiB; largest: Deployment llm-inference/vllm-llm ×1 122`),
    );
  });

  it("refuses CPU requests above allocatable", async () => {
    const v = await evaluate(
      mutate(
        prod,
        DEPLOYMENT,
        "vllm-embedding",
        (p) => ((p.spec.replicas = 0), (p.spec.template.spec.containers[0].resources.requests.cpu = "1"), (p.spec.replicas = 70)),
      ),
      "compute-within-host",
    );
    const messages = violationsOf(v, "compute-within-host").map((x) => x.message);
    const expected = fmt(base().requests.cpu - 2 + 70);
    assert.ok(
      messages.some((m) => new RegExp(`^CPU requests ${expected} cores > allocatable 60`).test(m)),
      messages.join("\n"),
    );
  });

  it("refuses memory limits beyond the overcommit factor", async () => {
    const v = await evaluate(
      mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].resources.limits.memory = "200Gi")),
      "compute-within-host",
    );
    assert.match(
      violationsOf(v, "compute-within-host")[0]!.message,
      new RegExp(`memory limits ${fmt(base().limits.memoryGiB + 168)} GiB > 1\\.25 × allocatable 116 GiB`),
    );
  });

  it("refuses CPU limits beyond the overcommit factor", async () => {
    const v = await evaluate(
      mutate(prod, DEPLOYMENT, "vllm-llm", (p) => (p.spec.template.spec.containers[0].resources.limits.cpu = "200")),
      "compute-within-host",
    );
    assert.match(violationsOf(v, "compute-within-host")[0]!.message, new RegExp(`CPU limits ${fmt(base().limits.cpu + 184)} cores > 2 × allocatable 60`));
  });

  it("adds up storage per class", () => {
    // RWX: base models 50 + Qdrant's backup volume 40 + Postgres dumps 10 (storage.backups);
    // RWO: Qdrant 20 + Qdrant's snapshot staging 20 + gateway Postgres 10 (plain adapters have no volume)
    assert.deepEqual(storageBudget(prod.resources), { "nfs-rwx": 100, "proxmox-csi": 50 });
  });

  it("refuses a class over its capacity", async () => {
    const v = await evaluate(
      mutate(prod, PVC, "base-models", (p) => (p.spec.resources.requests.storage = "300Gi")),
      "storage-within-classes",
    );
    assert.match(violationsOf(v, "storage-within-classes")[0]!.message, /storage class "nfs-rwx": 350 GiB requested > 200 GiB available/);
  });

  it("refuses a class the config does not know", async () => {
    const v = await evaluate(
      mutate(prod, PVC, "base-models", (p) => (p.spec.storageClassName = "fast-ssd")),
      "storage-within-classes",
    );
    assert.match(violationsOf(v, "storage-within-classes")[0]!.message, /storage class "fast-ssd": 50 GiB requested but the policy config lists no capacity/);
  });

  it("refuses a shared RWO claim on a multi-node cluster", async () => {
    const twoNodes = { ...prod.host, nodes: [...prod.host.nodes, { ...prod.host.nodes[0]!, name: "gpu-node-2" }] };
    const rwo = mutate(prod, PVC, "base-models", (p) => (p.spec.accessModes = ["ReadWriteOnce"]));
    const v = await evaluate({ ...rwo, host: twoNodes }, "shared-volumes-rwx");
    // Every download Job and every vLLM server mounts the model cache.
    const mounting = prod.resources.filter((r) =>
      (r.props.spec?.template?.spec?.volumes ?? []).some((vol: any) => vol.persistentVolumeClaim?.claimName === "base-models"),
    ).length;
    assert.equal(mounting, Object.keys((stackConfig("prod") as any).models).length + Object.keys((stackConfig("prod") as any).servers).length);
    assert.match(
      violationsOf(v, "shared-volumes-rwx")[0]!.message,
      new RegExp(`PVC llm-inference/base-models \\(ReadWriteOnce\\) is mounted by ${mounting} pods .* on a 2-node cluster`),
    );
  });
});
