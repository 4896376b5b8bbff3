import { strict as assert } from "node:assert";
import { lookupGpu } from "@llm-platform/capacity";
import {
  cardGiB,
  cardProduct,
  DEFAULT_POLICY_CONFIG,
  DEFAULT_SHARED_REPLICAS,
  flattenSettings,
  nodeCardGiB,
  resolvePolicyConfig,
  settingsFromPackConfig,
  slicesPerGpu,
  stackOf,
  type HostPolicyConfig,
} from "../../policies/config";
import { autoscaledMaxima, effectivePodResource } from "../../policies/compute";

/** The pack's host settings and the helpers the budgets read them with (#23); expected values from the inputs. */
const node = (name: string, gpus: number, extra: Partial<HostPolicyConfig["nodes"][number]> = {}) => ({ name, gpus, cpu: 8, memoryGiB: 32, ...extra });

describe("policy host settings (#23)", () => {
  it("slices per GPU: 1 under none and DRA (whatever replicas say), the replicas under time-slicing and MPS", () => {
    const h = (mode: HostPolicyConfig["sharing"]["mode"], replicas: number) => ({ ...DEFAULT_POLICY_CONFIG, sharing: { mode, replicas } });
    assert.deepEqual([slicesPerGpu(h("none", 4)), slicesPerGpu(h("dra", 4)), slicesPerGpu(h("time-slicing", 3)), slicesPerGpu(h("mps", 2))], [1, 1, 3, 2]);
    // resolvePolicyConfig pins replicas to 1 where the card is not shared by slices, defaults them otherwise.
    assert.equal(resolvePolicyConfig({ sharing: { mode: "none", replicas: 4 } }).sharing.replicas, 1);
    assert.equal(resolvePolicyConfig({ sharing: { mode: "dra", replicas: 4 } }).sharing.replicas, 1);
    assert.equal(resolvePolicyConfig({ sharing: { mode: "time-slicing", replicas: 3 } }).sharing.replicas, 3);
    assert.equal(resolvePolicyConfig({ sharing: { mode: "mps" } as HostPolicyConfig["sharing"] }).sharing.replicas, DEFAULT_SHARED_REPLICAS);
    assert.deepEqual(resolvePolicyConfig(undefined), DEFAULT_POLICY_CONFIG);
  });

  it("flattens a policy's config: host keys and known settings, nothing unknown or undefined", () => {
    assert.deepEqual(
      flattenSettings({ host: { systemReserved: { cpu: 1, memoryGiB: 2 } }, minStartupSeconds: 900, backupTierLabel: undefined, bogus: 1 } as any),
      {
        systemReserved: { cpu: 1, memoryGiB: 2 },
        minStartupSeconds: 900,
      },
    );
    assert.deepEqual(flattenSettings(undefined), {});
    assert.deepEqual(settingsFromPackConfig({ a: { minStartupSeconds: 900 }, b: { host: { storageGiB: { x: 1 } } }, all: "mandatory", c: [1] } as any), {
      minStartupSeconds: 900,
      storageGiB: { x: 1 },
    });
  });

  it("a card's memory: the override, else the catalog's usable memory, else 0; the host's smallest card and its product", () => {
    const rtx3080 = lookupGpu("NVIDIA-GeForce-RTX-3080").usableMemoryGiB;
    const rtx3090 = lookupGpu("NVIDIA-GeForce-RTX-3090").usableMemoryGiB;
    assert.equal(nodeCardGiB(node("a", 1, { gpuMemoryGiB: 7.5, gpuProduct: "NVIDIA-GeForce-RTX-3090" })), 7.5);
    assert.equal(nodeCardGiB(node("a", 1, { gpuProduct: "NVIDIA-GeForce-RTX-3090" })), rtx3090);
    assert.equal(nodeCardGiB(node("a", 1)), 0);
    assert.equal(nodeCardGiB(node("a", 1, { gpuProduct: "ACME-X" })), 0);
    const host = {
      ...DEFAULT_POLICY_CONFIG,
      nodes: [
        node("big", 1, { gpuProduct: "NVIDIA-GeForce-RTX-3090" }),
        node("small", 2, { gpuProduct: "NVIDIA-GeForce-RTX-3080" }),
        node("cpu", 0, { gpuProduct: "ACME-X" }),
      ],
    };
    assert.equal(cardGiB(host), rtx3080);
    assert.equal(cardProduct(host), "NVIDIA-GeForce-RTX-3080");
    assert.equal(cardGiB({ ...host, nodes: [node("cpu", 0)] }), 0);
    assert.equal(cardProduct({ ...host, nodes: [node("cpu", 0)] }), undefined);
    assert.equal(stackOf("urn:pulumi:prod::llm-platform::kubernetes:apps/v1:Deployment::x"), "prod");
  });

  it("autoscaled maxima: an HPA's maxReplicas, a ScaledObject's maxReplicaCount (default 100), by namespace, kind and name", () => {
    const r = (type: string, spec: Record<string, unknown>, namespace?: string) => ({
      type,
      name: "x",
      urn: "u",
      props: { metadata: { name: "x", ...(namespace ? { namespace } : {}) }, spec },
    });
    const maxima = autoscaledMaxima([
      r("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", { scaleTargetRef: { name: "gw" }, maxReplicas: 4 }, "gateway"),
      r("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", { scaleTargetRef: { name: "db", kind: "StatefulSet" } }),
      r("kubernetes:keda.sh/v1alpha1:ScaledObject", { scaleTargetRef: { name: "llm" }, maxReplicaCount: 2 }, "inference"),
      r("kubernetes:keda.sh/v1alpha1:ScaledObject", { scaleTargetRef: { name: "night" } }, "inference"),
      r("kubernetes:keda.sh/v1alpha1:ScaledObject", { scaleTargetRef: {} }, "inference"),
      r("kubernetes:apps/v1:Deployment", { scaleTargetRef: { name: "not-a-scaler" } }),
    ]);
    assert.deepEqual(
      [...maxima],
      [
        ["gateway/Deployment/gw", 4],
        ["default/StatefulSet/db", 1],
        ["inference/Deployment/llm", 2],
        ["inference/Deployment/night", 100],
      ],
    );
  });

  it("a container's request defaults to its limit; limits do not default to requests", () => {
    const pod = { containers: [{ resources: { limits: { cpu: "2", memory: "1Gi" } } }, { resources: { requests: { cpu: "1" } } }] };
    assert.equal(effectivePodResource(pod, "requests", "cpu"), 3);
    assert.equal(effectivePodResource(pod, "limits", "cpu"), 2);
    assert.equal(effectivePodResource(pod, "requests", "memory"), 2 ** 30);
    assert.equal(effectivePodResource({}, "requests", "cpu"), 0);
  });
});
