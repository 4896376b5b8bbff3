import { strict as assert } from "node:assert";
import { lookupGpu } from "@llm-platform/capacity";
import { DEFAULT_POLICY_CONFIG, type HostPolicyConfig } from "../../policies/config";
import { computeBudget } from "../../policies/compute";
import { evaluatePolicies, type PlannedResource } from "../../policies/evaluate";
import { gpuMemoryPerCard, gpuSlicesWithinHost, servingModeSwitchGap, servingModesDoNotOverlap, vllmKvCacheFits } from "../../policies/gpu";
import { computeWithinHost } from "../../policies/compute";
import { estimateInputOf, exactFootprint, planGpus } from "../../policies/gpuPlan";
import { sharedVolumesRwx, storageBudget, storageWithinClasses } from "../../policies/storage";

/**
 * The pack's comparisons exactly at their limits (#23), on small hand-made plans: a limit met passes,
 * one unit over fails, and each expected figure is worked out here from the inputs (not read back from
 * the pack). Non-vLLM GPU containers stand for a whole card (their footprint is the card's usable memory),
 * which keeps the GPU arithmetic exact.
 */
const RTX_3090 = "NVIDIA-GeForce-RTX-3090";
const CARD = lookupGpu(RTX_3090).usableMemoryGiB;

function host(change: Partial<HostPolicyConfig> = {}): HostPolicyConfig {
  return {
    ...structuredClone(DEFAULT_POLICY_CONFIG),
    nodes: [{ name: "n1", gpus: 1, gpuProduct: RTX_3090, cpu: 10, memoryGiB: 20 }],
    systemReserved: { cpu: 2, memoryGiB: 4 },
    overcommit: { cpu: 2, memory: 1.5 },
    sharing: { mode: "none", replicas: 1 },
    ...change,
  };
}

interface PodShape {
  replicas?: number;
  cpu?: string;
  memory?: string;
  limitsCpu?: string;
  limitsMemory?: string;
  gpus?: number;
  kind?: "Deployment" | "DaemonSet";
  args?: string[];
}

let serial = 0;
function workload(name: string, shape: PodShape): PlannedResource {
  const kind = shape.kind ?? "Deployment";
  const type = kind === "Deployment" ? "kubernetes:apps/v1:Deployment" : "kubernetes:apps/v1:DaemonSet";
  const limits: Record<string, string> = { cpu: shape.limitsCpu ?? shape.cpu ?? "0", memory: shape.limitsMemory ?? shape.memory ?? "0" };
  if (shape.gpus) limits["nvidia.com/gpu"] = String(shape.gpus);
  const container = shape.args
    ? {
        name: "vllm",
        image: "vllm/vllm-openai:v0.19.0",
        args: shape.args,
        resources: { requests: { cpu: shape.cpu ?? "0", memory: shape.memory ?? "0" }, limits },
      }
    : { name: "main", image: "acme/worker:1.0", resources: { requests: { cpu: shape.cpu ?? "0", memory: shape.memory ?? "0" }, limits } };
  return {
    type,
    name: `${name}-${serial++}`,
    urn: `urn:pulumi:test::llm-platform::${type}::${name}`,
    props: {
      metadata: { name, namespace: "apps" },
      spec: {
        ...(kind === "Deployment" ? { replicas: shape.replicas ?? 1, strategy: { type: "Recreate" } } : {}),
        template: { spec: { containers: [container] } },
      },
    },
  };
}

const messages = async (resources: PlannedResource[], h: HostPolicyConfig, policies = [computeWithinHost]) =>
  (await evaluatePolicies(resources, h, policies)).map((v) => v.message);

describe("policy limits, exactly at each (#23)", () => {
  describe("compute-within-host", () => {
    it("CPU requests exactly at allocatable pass, 1 millicore more fails", async () => {
      // Allocatable: 10 cores − 2 reserved = 8; two replicas of 4 cores use it exactly.
      assert.deepEqual(await messages([workload("a", { replicas: 2, cpu: "4" })], host()), []);
      const over = await messages([workload("a", { replicas: 2, cpu: "4001m" })], host());
      assert.equal(over.length, 1, over.join("\n"));
      assert.match(over[0]!, /^CPU requests 8\.0 cores > allocatable 8 \(nodes minus systemReserved\); largest: Deployment apps\/a ×2 8\.0\. /);
    });

    it("memory requests exactly at allocatable pass, 1 MiB more fails", async () => {
      // Allocatable: 20 GiB − 4 reserved = 16 = two replicas of 8 GiB.
      assert.deepEqual(await messages([workload("a", { replicas: 2, memory: "8Gi", limitsMemory: "8Gi" })], host()), []);
      const over = await messages([workload("a", { replicas: 2, memory: "8193Mi", limitsMemory: "8193Mi" })], host());
      assert.equal(over.length, 1, over.join("\n"));
      assert.match(over[0]!, /^memory requests 16\.0 GiB \(incl\. \/dev\/shm\) > allocatable 16 GiB; largest: Deployment apps\/a ×2 16\.0\. /);
    });

    it("limits within the overcommit factor: exactly at it pass, over it fail (the factor multiplies allocatable)", async () => {
      // CPU: 2 × 8 = 16 cores of limits allowed. Memory: 1.5 × 16 = 24 GiB.
      assert.deepEqual(await messages([workload("a", { cpu: "1", limitsCpu: "16", memory: "1Gi", limitsMemory: "24Gi" })], host()), []);
      const cpu = await messages([workload("a", { cpu: "1", limitsCpu: "16001m", memory: "1Gi" })], host());
      assert.deepEqual(cpu, ["CPU limits 16.0 cores > 2 × allocatable 8. Lower limits or raise overcommit.cpu."]);
      const memory = await messages([workload("a", { cpu: "1", memory: "1Gi", limitsMemory: "24577Mi" })], host());
      assert.equal(memory.length, 1);
      assert.match(memory[0]!, /^memory limits 24\.0 GiB > 1\.5 × allocatable 16 GiB: the node can run out of memory/);
      // The factor is not inverted: at 1 / 1.5 × 16 ≈ 10.7 GiB of limits nothing is refused.
      assert.deepEqual(await messages([workload("a", { cpu: "1", memory: "1Gi", limitsMemory: "20Gi" })], host()), []);
    });

    it("counts a DaemonSet once per node, not per replica, and the nodes' allocatable together", () => {
      const three = host({ nodes: ["n1", "n2", "n3"].map((name) => ({ name, gpus: 0, cpu: 10, memoryGiB: 20 })) });
      const budget = computeBudget([workload("agent", { kind: "DaemonSet", cpu: "500m", memory: "1Gi" })], three);
      // 3 nodes × 0.5 cores, 3 × 1 GiB; allocatable 3 × (10 − 2) cores and 3 × (20 − 4) GiB.
      assert.deepEqual(budget.requests, { cpu: 1.5, memoryGiB: 3 });
      assert.deepEqual(budget.allocatable, { cpu: 24, memoryGiB: 48 });
      assert.deepEqual(budget.top, [{ label: "DaemonSet apps/agent ×3", cpu: 1.5, memoryGiB: 3 }]);
    });

    it("names the largest contributors, largest first, three at most", async () => {
      const resources = [workload("a", { cpu: "1" }), workload("b", { cpu: "4" }), workload("c", { cpu: "2" }), workload("d", { cpu: "3" })];
      const [m] = await messages(resources, host({ nodes: [{ name: "n1", gpus: 0, cpu: 11, memoryGiB: 20 }] }));
      // 1 + 4 + 2 + 3 = 10 > 11 − 2 = 9.
      assert.equal(
        m,
        "CPU requests 10 cores > allocatable 9 (nodes minus systemReserved); largest: Deployment apps/b ×1 4, Deployment apps/d ×1 3, Deployment apps/c ×1 2. Lower replicas or requests, or raise the host inventory in the policy config.",
      );
    });
  });

  describe("GPU slices and cards per sharing mode", () => {
    const gpuHost = (sharing: HostPolicyConfig["sharing"], gpus = 1) =>
      host({ sharing, nodes: [{ name: "n1", gpus, gpuProduct: RTX_3090, cpu: 64, memoryGiB: 128 }] });
    const gpuPods = (n: number) => Array.from({ length: n }, (_, i) => workload(`g${i}`, { gpus: 1 }));
    const gpuMessages = (resources: PlannedResource[], h: HostPolicyConfig) => messages(resources, h, [gpuSlicesWithinHost, gpuMemoryPerCard]);

    it("none: one pod per GPU passes, one pod more than GPUs fails", async () => {
      assert.deepEqual(await gpuMessages(gpuPods(2), gpuHost({ mode: "none", replicas: 1 }, 2)), []);
      const over = await gpuMessages(gpuPods(3), gpuHost({ mode: "none", replicas: 1 }, 2));
      assert.equal(over.length, 1, over.join("\n"));
      assert.match(over[0]!, /^GPU slices: Deployment apps\/g0 1 \+ Deployment apps\/g1 1 \+ Deployment apps\/g2 1 = 3 > 2 \(2 GPUs × 1 slices\)\. /);
      const plan = planGpus(gpuPods(2), gpuHost({ mode: "none", replicas: 1 }, 2));
      // Each card holds one whole-card pod: exactly full, and it fits.
      assert.deepEqual(
        plan.cards.map((c) => [c.card, c.worstCase.length, c.totalGiB, c.fits]),
        [
          ["n1/gpu0", 1, CARD, true],
          ["n1/gpu1", 1, CARD, true],
        ],
      );
    });

    it("time-slicing: as many pods as slices per card pass the slice count, one more fails; the card holds the largest that share it", async () => {
      const slicing = gpuHost({ mode: "time-slicing", replicas: 2 });
      const plan = planGpus(gpuPods(2), slicing);
      assert.deepEqual([plan.slicesRequested, plan.slicesTotal], [2, 2]);
      // Two whole-card pods on one card: 2 × card > card.
      assert.equal(plan.cards[0]!.worstCase.length, 2);
      assert.equal(plan.cards[0]!.fits, false);
      const over = await gpuMessages(gpuPods(3), slicing);
      assert.ok(
        over.some((m) => /= 3 > 2 \(1 GPUs × 2 slices\)/.test(m)),
        over.join("\n"),
      );
      // The suggested replica count: how many of the largest footprints fit the card together, at least 1.
      const memory = over.find((m) => m.startsWith("gpu card"))!;
      assert.match(
        memory,
        new RegExp(
          `^gpu card n1/gpu0 \\(${CARD.toFixed(2)} GiB\\): g\\d-0 ${CARD.toFixed(2)} GiB \\+ g\\d-0 ${CARD.toFixed(2)} GiB can share it under time-slicing = ${(2 * CARD).toFixed(2)} GiB\\..* or set time-slicing replicas to 1\\.$`,
        ),
      );
    });

    it("MPS: each client within card / replicas passes; a whole-card client fails naming the cap", async () => {
      const mps = gpuHost({ mode: "mps", replicas: 2 });
      const over = await gpuMessages(gpuPods(1), mps);
      assert.deepEqual(over, [
        `gpu card n1/gpu0 (${CARD.toFixed(2)} GiB): MPS caps each of 2 clients at ${(CARD / 2).toFixed(2)} GiB; g0-0 ${CARD.toFixed(2)} GiB exceed it. Lower --gpu-memory-utilization or use fewer MPS replicas.`,
      ]);
      // With one client per card (replicas 1) the whole card is the cap: exactly full passes.
      assert.deepEqual(await gpuMessages(gpuPods(1), gpuHost({ mode: "mps", replicas: 1 })), []);
    });

    it("none: a pod larger than its card is refused with the fix for one GPU", async () => {
      const big = workload("big", {
        gpus: 1,
        args: ["hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", "--gpu-memory-utilization", "1", "--max-model-len", "4096"],
      });
      const plan = planGpus([big], gpuHost({ mode: "none", replicas: 1 }));
      // util 1 reserves the whole card for vLLM's pool; the CUDA context and graphs come on top of it.
      assert.ok(plan.cards[0]!.totalGiB > CARD, String(plan.cards[0]!.totalGiB));
      assert.equal(plan.cards[0]!.fits, false);
      const [m] = await gpuMessages([big], gpuHost({ mode: "none", replicas: 1 }));
      assert.match(
        m!,
        /^gpu card n1\/gpu0 \(23\.\d\d GiB\): big-0 \d+\.\d\d GiB does not fit one GPU\. Use a smaller or 4-bit model, or tensor parallelism over more GPUs\.$/,
      );
    });
  });

  describe("vllm-kv-cache-fits-max-model-len", () => {
    it("is silent for a server whose KV cache holds --max-model-len and reports each workload once", async () => {
      const args = (len: number) => ["hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", "--gpu-memory-utilization", "0.9", "--max-model-len", String(len)];
      const h = host({ sharing: { mode: "none", replicas: 1 }, nodes: [{ name: "n1", gpus: 2, gpuProduct: RTX_3090, cpu: 64, memoryGiB: 128 }] });
      const ok = planGpus([workload("s", { gpus: 1, args: args(4096) })], h).pods[0]!;
      assert.ok(ok.kvCacheTokensGuaranteed! >= 4096, String(ok.kvCacheTokensGuaranteed));
      assert.deepEqual(await messages([workload("s", { gpus: 1, args: args(4096) })], h, [vllmKvCacheFits]), []);
      // At exactly the guaranteed tokens it passes, one more it fails; two replicas are one report.
      const exact = ok.kvCacheTokensGuaranteed!;
      assert.deepEqual(await messages([workload("s", { gpus: 1, replicas: 2, args: args(exact) })], h, [vllmKvCacheFits]), []);
      const over = await messages([workload("s", { gpus: 1, replicas: 2, args: args(exact + 1) })], h, [vllmKvCacheFits]);
      assert.equal(over.length, 1, over.join("\n"));
      assert.match(
        over[0]!,
        new RegExp(
          `^Deployment apps/s: KV cache holds ${exact} tokens at the pessimistic end \\(\\d+ expected\\) < --max-model-len ${exact + 1}; vLLM will refuse to start\\.`,
        ),
      );
    });
  });

  describe("storage", () => {
    const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
    const claim = (name: string, size: string, storageClassName?: string, accessModes = ["ReadWriteOnce"]): PlannedResource => ({
      type: PVC,
      name,
      urn: `urn:pulumi:test::llm-platform::${PVC}::${name}`,
      props: {
        metadata: { name, namespace: "apps" },
        spec: { accessModes, ...(storageClassName ? { storageClassName } : {}), resources: { requests: { storage: size } } },
      },
    });
    const statefulSet = (name: string, replicas: number, size: string, storageClassName?: string): PlannedResource => ({
      type: "kubernetes:apps/v1:StatefulSet",
      name,
      urn: `urn:pulumi:test::llm-platform::StatefulSet::${name}`,
      props: {
        metadata: { name, namespace: "apps" },
        spec: {
          replicas,
          template: { spec: { containers: [{ name: "db", image: "postgres:17.6" }] } },
          volumeClaimTemplates: [{ spec: { ...(storageClassName ? { storageClassName } : {}), resources: { requests: { storage: size } } } }],
        },
      },
    });
    const mounting = (name: string, claimName: string, replicas = 1): PlannedResource => {
      const w = workload(name, { replicas });
      w.props.spec.template.spec.volumes = [{ name: "data", persistentVolumeClaim: { claimName } }];
      return w;
    };

    it("adds claims and one claim per StatefulSet replica per class; a class exactly full passes, 1 GiB more fails", async () => {
      const resources = [claim("a", "30Gi", "fast"), claim("b", "10Gi"), statefulSet("db", 3, "10Gi", "fast")];
      // fast: 30 + 3 × 10 = 60 GiB; the default class: 10 GiB.
      assert.deepEqual(storageBudget(resources), { fast: 60, default: 10 });
      const h = (fast: number) => host({ storageGiB: { default: 10, fast } });
      assert.deepEqual(await messages(resources, h(60), [storageWithinClasses]), []);
      assert.deepEqual(await messages(resources, h(59), [storageWithinClasses]), [
        'storage class "fast": 60 GiB requested > 59 GiB available. Shrink volumes or add capacity (storageGiB.fast).',
      ]);
      // A class the config does not list falls back to its default capacity; with no default it is refused.
      assert.deepEqual(await messages([claim("c", "10Gi", "other")], host({ storageGiB: { default: 10 } }), [storageWithinClasses]), []);
      assert.deepEqual(await messages([claim("c", "10Gi", "other")], host({ storageGiB: { fast: 10 } }), [storageWithinClasses]), [
        'storage class "other": 10 GiB requested but the policy config lists no capacity for it (storageGiB.other). Add it or use a known class.',
      ]);
    });

    it("a ReadWriteOnce claim mounted by two pods is refused on two nodes, not on one; one pod or RWX/ROX passes", async () => {
      const twoNodes = host({ nodes: ["n1", "n2"].map((name) => ({ name, gpus: 0, cpu: 10, memoryGiB: 20 })) });
      const shared = [claim("data", "1Gi"), mounting("a", "data"), mounting("b", "data")];
      assert.deepEqual(await messages(shared, twoNodes, [sharedVolumesRwx]), [
        "PVC apps/data (ReadWriteOnce) is mounted by 2 pods (Deployment apps/a, Deployment apps/b) on a 2-node cluster: pods on another node cannot attach it. Use ReadWriteMany or one claim per pod.",
      ]);
      assert.deepEqual(await messages(shared, host(), [sharedVolumesRwx]), []);
      assert.deepEqual(await messages([claim("data", "1Gi"), mounting("a", "data")], twoNodes, [sharedVolumesRwx]), []);
      assert.match(
        (await messages([claim("data", "1Gi"), mounting("a", "data", 2)], twoNodes, [sharedVolumesRwx]))[0]!,
        /is mounted by 2 pods \(Deployment apps\/a\)/,
      );
      for (const mode of ["ReadWriteMany", "ReadOnlyMany"]) {
        assert.deepEqual(
          await messages([claim("data", "1Gi", undefined, [mode]), mounting("a", "data"), mounting("b", "data")], twoNodes, [sharedVolumesRwx]),
          [],
          mode,
        );
      }
    });
  });

  describe("the GPU plan's pods and suggestions", () => {
    it("takes the attention backend a command line pins, and only vLLM's backends", () => {
      const base = ["hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4", "--max-model-len", "4096"];
      for (const backend of ["FLASH_ATTN", "FLASHINFER", "TRITON_ATTN", "FLEX_ATTENTION"]) {
        assert.equal(estimateInputOf([...base, "--attention-backend", backend], CARD, RTX_3090).vllm.attentionBackend, backend);
      }
      const unpinned = estimateInputOf(base, CARD, RTX_3090).vllm.attentionBackend;
      assert.equal(estimateInputOf([...base, "--attention-backend", "XFORMERS"], CARD, RTX_3090).vllm.attentionBackend, unpinned);
    });

    it("counts a GPU DaemonSet once per GPU node, and a KEDA-scaled Deployment at its maxReplicaCount", () => {
      const h = host({
        sharing: { mode: "time-slicing", replicas: 8 },
        nodes: [
          { name: "n1", gpus: 1, gpuProduct: RTX_3090, cpu: 64, memoryGiB: 128 },
          { name: "n2", gpus: 2, gpuProduct: RTX_3090, cpu: 64, memoryGiB: 128 },
          { name: "cpu-only", gpus: 0, cpu: 64, memoryGiB: 128 },
        ],
      });
      const agent = workload("agent", { kind: "DaemonSet", gpus: 1 });
      // Two of the three nodes have GPUs: two pods, one slice each.
      assert.deepEqual(
        planGpus([agent], h).pods.map((p) => [p.pod, p.slices]),
        [
          ["agent-0", 1],
          ["agent-1", 1],
        ],
      );
      const scaled = workload("s", { gpus: 1, replicas: 1 });
      const keda = {
        type: "kubernetes:keda.sh/v1alpha1:ScaledObject",
        name: "s-scaler",
        urn: "urn:pulumi:test::llm-platform::ScaledObject::s",
        props: { metadata: { name: "s", namespace: "apps" }, spec: { scaleTargetRef: { name: "s" }, maxReplicaCount: 3, triggers: [] } },
      };
      assert.deepEqual(
        planGpus([scaled, keda], h).pods.map((p) => p.pod),
        ["s-0", "s-1", "s-2"],
      );
      // A trigger-less ScaledObject of another kind does not count.
      const other = structuredClone(keda);
      other.props.spec.scaleTargetRef = { name: "s", kind: "StatefulSet" } as any;
      assert.deepEqual(
        planGpus([scaled, other], h).pods.map((p) => p.pod),
        ["s-0"],
      );
    });

    it("suggests as many time-slicing replicas as the largest footprints that fit a card together", async () => {
      const args = (util: number) => [
        "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4",
        "--gpu-memory-utilization",
        String(util),
        "--max-model-len",
        "1024",
        "--enforce-eager",
      ];
      const resources = [0.3, 0.3, 0.3, 0.3].map((util, i) => workload(`v${i}`, { gpus: 1, args: args(util) }));
      const h = host({ sharing: { mode: "time-slicing", replicas: 4 }, nodes: [{ name: "n1", gpus: 1, gpuProduct: RTX_3090, cpu: 64, memoryGiB: 128 }] });
      const plan = planGpus(resources, h);
      const footprints = plan.cards[0]!.worstCase.map(exactFootprint).sort((a, b) => b - a);
      assert.equal(footprints.length, 4);
      // Largest first, add while the sum stays within the card.
      let fit = 0;
      for (let used = 0; fit < footprints.length && used + footprints[fit]! <= CARD; fit++) used += footprints[fit]!;
      assert.ok(fit >= 2 && fit < 4, `${fit} of ${footprints.join(", ")}`);
      const [m] = await messages(resources, h, [gpuMemoryPerCard]);
      assert.match(m!, new RegExp(`or set time-slicing replicas to ${fit}\\.$`));
    });
  });

  describe("DRA: cards from ResourceClaims", () => {
    const claim = (name: string, labels: Record<string, string>, namespace = "apps"): PlannedResource => ({
      type: "kubernetes:resource.k8s.io/v1:ResourceClaim",
      name: `claim-${name}`,
      urn: `urn:pulumi:test::p::ResourceClaim::${name}`,
      props: { metadata: { name, namespace, labels }, spec: {} },
    });
    const card = (node: string, index: string) => ({ "llm-platform.io/gpu-node": node, "llm-platform.io/gpu-index": index });
    const claimed = (name: string, claims: string[]) => {
      const w = workload(name, {});
      const spec = w.props.spec.template.spec;
      spec.resourceClaims = claims.map((c) => ({ name: c, resourceClaimName: c }));
      spec.containers = [
        { name: "main", image: "acme/worker:1.0", resources: { claims: claims.map((c) => ({ name: c })) } },
        { name: "sidecar", image: "acme/side:1.0" },
      ];
      return w;
    };
    const dra = (gpus = 2) => host({ sharing: { mode: "dra", replicas: 1 }, nodes: [{ name: "n1", gpus, gpuProduct: RTX_3090, cpu: 64, memoryGiB: 128 }] });

    it("a pod's cards are its claims' labels in its namespace; only the containers that use a claim count", () => {
      const plan = planGpus([claim("c0", card("n1", "0")), claim("c1", card("n1", "1")), claimed("tp", ["c0", "c1"])], dra());
      assert.deepEqual(
        plan.pods.map((p) => [p.pod, p.slices, p.cards, p.footprintGiB]),
        [["tp-0", 2, ["n1/gpu0", "n1/gpu1"], CARD]],
      );
      assert.deepEqual([plan.slicesRequested, plan.slicesTotal], [2, 2]);
      assert.deepEqual(
        plan.cards.map((c) => [c.card, c.worstCase.map((p) => p.pod), c.fits, c.product]),
        [
          ["n1/gpu0", ["tp-0"], true, RTX_3090],
          ["n1/gpu1", ["tp-0"], true, RTX_3090],
        ],
      );
    });

    it("a claim without both card labels, or in another namespace, stands for no card", async () => {
      for (const c of [
        claim("c0", { "llm-platform.io/gpu-node": "n1" }),
        claim("c0", { "llm-platform.io/gpu-index": "0" }),
        claim("c0", card("n1", "0"), "other"),
      ]) {
        assert.deepEqual(planGpus([c, claimed("p", ["c0"])], dra()).pods, [], JSON.stringify(c.props.metadata));
      }
      // A claim for a card the inventory does not have is refused, naming the cards there are.
      const v = await messages([claim("c9", card("n1", "9")), claimed("p", ["c9"])], dra(), [gpuSlicesWithinHost]);
      assert.deepEqual(v, ["Deployment apps/p: its ResourceClaim stands for n1/gpu9, which is not a card of the host inventory (n1/gpu0, n1/gpu1)"]);
    });

    it("two pods on one card must fit it together: two whole-card pods do not", async () => {
      const resources = [claim("c0", card("n1", "0")), claimed("a", ["c0"]), claimed("b", ["c0"])];
      const v = await messages(resources, dra(1), [gpuMemoryPerCard]);
      assert.equal(v.length, 1);
      assert.match(
        v[0]!,
        new RegExp(
          `^gpu card n1/gpu0 \\(${CARD.toFixed(2)} GiB usable\\): a-0 ${CARD.toFixed(2)} GiB \\+ b-0 ${CARD.toFixed(2)} GiB are placed on it \\(their ResourceClaim\\) = ${(2 * CARD).toFixed(2)} GiB at the pessimistic end\\.`,
        ),
      );
    });
  });

  describe("serving modes on hand-made ScaledObjects", () => {
    const scaler = (target: string, mode: string, start: string, end: string, extra: Record<string, unknown> = {}): PlannedResource => ({
      type: "kubernetes:keda.sh/v1alpha1:ScaledObject",
      name: `${target}-scaler`,
      urn: `urn:pulumi:test::p::ScaledObject::${target}`,
      props: {
        metadata: { name: target, namespace: "apps" },
        spec: {
          scaleTargetRef: { name: target },
          maxReplicaCount: 1,
          triggers: [{ type: "cron", name: mode, metadata: { start, end, timezone: "UTC", desiredReplicas: "1" } }],
          ...extra,
        },
      },
    });
    const h = host({ sharing: { mode: "time-slicing", replicas: 1 }, nodes: [{ name: "n1", gpus: 1, gpuProduct: RTX_3090, cpu: 64, memoryGiB: 128 }] });
    const gpu = (name: string) => workload(name, { gpus: 1 });

    it("modes that never overlap each fit the card; their phases and minutes per week", () => {
      const resources = [gpu("day"), gpu("night"), scaler("day", "day", "0 8 * * *", "0 20 * * *"), scaler("night", "night", "0 21 * * *", "0 7 * * *")];
      const plan = planGpus(resources, h);
      // 12 h and 10 h a day, 7 days.
      assert.deepEqual(
        plan.modes.map((m) => [m.name, m.minutesPerWeek, m.fits, m.cards.map((c) => c.pods)]),
        [
          ["day", 7 * 12 * 60, true, [["day-0"]]],
          ["night", 7 * 10 * 60, true, [["night-0"]]],
        ],
      );
      assert.deepEqual(plan.overlaps, []);
      // Each card's worst case is one whole-card pod: the modes are never on together.
      assert.deepEqual(
        plan.cards.map((c) => [c.worstCase.length, c.fits]),
        [[1, true]],
      );
    });

    it("overlapping modes on one card are refused, naming both and the first minute", async () => {
      const resources = [gpu("day"), gpu("late"), scaler("day", "day", "0 8 * * *", "0 20 * * *"), scaler("late", "late", "0 19 * * *", "0 23 * * *")];
      const plan = planGpus(resources, h);
      assert.deepEqual(plan.overlaps, [{ modes: ["day", "late"], cards: ["n1/gpu0"], at: "Mon 19:00 UTC" }]);
      const v = await messages(resources, h, [servingModesDoNotOverlap]);
      assert.equal(
        v[0],
        `modes "day" and "late" both hold n1/gpu0 and are on at the same time (first at Mon 19:00 UTC): their servers would share the cards' memory. Change one schedule so its window ends before the other's starts (modes.<name>.schedule), or place them on different cards.`,
      );
    });

    it("a switch sooner than polling + cooldown + grace + margin is refused; exactly at it passes", async () => {
      // day ends 20:00; night starts N minutes later. Required: 30 s polling + 300 s cooldown (KEDA's defaults) + 30 s grace + 30 s margin = 390 s, 6.5 min.
      const at = (minute: number) => [
        gpu("day"),
        gpu("night"),
        scaler("day", "day", "0 8 * * *", "0 20 * * *"),
        scaler("night", "night", `${minute} 20 * * *`, "0 7 * * *"),
      ];
      const short = planGpus(at(6), h);
      assert.deepEqual(
        short.gaps.map((g) => [g.from, g.to, g.gapSeconds, g.requiredSeconds, g.at]),
        [["day", "night", 360, 390, "Mon 20:00 UTC"]],
      );
      assert.deepEqual(await messages(at(7), h, [servingModeSwitchGap]), []);
      const [m] = await messages(at(6), h, [servingModeSwitchGap]);
      assert.equal(
        m,
        `mode "night" starts 360 s after mode "day" ends (Mon 20:00 UTC) on n1/gpu0, but "day"'s pods may hold the memory for 390 s (KEDA polling interval + cooldownPeriod + terminationGracePeriodSeconds + 30 s): vLLM's start-up free-memory check would fail. Start "night" at least 7 minute(s) after "day" ends, or lower keda.cooldownPeriodSeconds.`,
      );
      // The ScaledObject's own polling and cooldown count, and the pods' grace period.
      const tuned = at(6);
      (tuned[2]!.props.spec as any).pollingInterval = 10;
      (tuned[2]!.props.spec as any).cooldownPeriod = 60;
      tuned[0]!.props.spec.template.spec.terminationGracePeriodSeconds = 120;
      // 10 + 60 + 120 + 30 = 220 s < 360 s.
      assert.deepEqual(planGpus(tuned, h).gaps, []);
    });
  });
});
