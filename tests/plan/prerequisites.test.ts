import { strict as assert } from "node:assert";
import { parsePlatformConfig } from "../../config/load";
import { nfdLabelsNvidiaVendor, podSecretReferences, prerequisites, type Prerequisite } from "../../plan/prerequisites";
import { nodeFeatureDiscoveryValues } from "../../components/specs/modeAddons";
import { prerequisiteLines } from "../../plan/report";
import type { PlanResult } from "../../plan/runPlan";
import { planStack } from "../fixtures/plans";
import { stackConfig, variant } from "../fixtures/stacks";
import { planned } from "./planned";

const of = <K extends Prerequisite["kind"]>(list: Prerequisite[], kind: K) => list.filter((p): p is Extract<Prerequisite, { kind: K }> => p.kind === kind);

describe("prerequisites of the prod stack", () => {
  let list: Prerequisite[];
  before(async () => {
    const { resources, config } = await planned("prod");
    list = prerequisites(resources, config);
  });

  it("names each storage class the claims use, with the claims", () => {
    const classes = of(list, "StorageClass");
    assert.deepEqual(classes.map((c) => c.name).sort(), ["nfs-rwx", "proxmox-csi"]);
    const nfs = classes.find((c) => c.name === "nfs-rwx")!;
    assert.match(nfs.why, /^PersistentVolumeClaim llm-inference\/base-models \(ReadWriteMany, 50Gi\), /);
    assert.match(nfs.howToCreate, /ReadWriteMany: NFS, CephFS/);
    assert.equal(of(list, "DefaultStorageClass").length, 0, "every prod claim names its class");
  });

  it("the GPU node label NFD sets is no prerequisite under DRA: the stack installs NFD, which sets it during the first up", () => {
    const label = of(list, "NodeLabel").find((l) => l.label.key === "feature.node.kubernetes.io/pci-10de.present")!;
    assert.deepEqual(label.label, { key: "feature.node.kubernetes.io/pci-10de.present", value: "true" });
    assert.match(
      label.why,
      /^Deployment llm-inference\/vllm-llm, Deployment llm-inference\/vllm-embedding, Deployment llm-inference\/vllm-reranker, the addons-dra-driver kubelet plugin and 1 more run only on nodes labelled/,
    );
    assert.equal(label.setDuringUp, "node-feature-discovery from addons-node-feature-discovery");
    assert.match(label.howToCreate, /the stack installs NFD \(addons-node-feature-discovery\), so it appears about a minute into the first `pulumi up`/);
  });

  it("names the node each DRA server is pinned to by its kubelet-set hostname, with the fix that applies (the node's name in host.nodes)", () => {
    const hostname = of(list, "NodeLabel").find((l) => l.label.key === "kubernetes.io/hostname")!;
    assert.equal(hostname.label.value, "gpu-node");
    assert.match(
      hostname.howToCreate,
      /the kubelet sets kubernetes\.io\/hostname to the node's name: name the GPU node gpu-node in llm-platform:host\.nodes exactly as `kubectl get nodes -L kubernetes\.io\/hostname` shows it/,
    );
    assert.doesNotMatch(hostname.howToCreate, /kubectl label node/);
  });

  it("names DRA's API (resource.k8s.io/v1, Kubernetes ≥ 1.34) and CDI for the claims and the driver, and no device-plugin runtime or RuntimeClass", () => {
    const [dra] = of(list, "DynamicResourceAllocation");
    assert.equal(dra!.minVersion, "1.34");
    assert.match(
      dra!.why,
      /^ResourceClaim llm-inference\/gpu-gpu-node-gpu0, ResourceClaim llm-inference\/gpu-gpu-node-gpu1, the addons-dra-driver kubelet plugin need the resource\.k8s\.io\/v1 API/,
    );
    assert.match(dra!.howToCreate, /enable_cdi = true/);
    assert.equal(of(list, "GpuRuntime").length, 0, "no pod asks for nvidia.com/gpu");
    assert.equal(of(list, "RuntimeClass").length, 0);
  });

  it("names the Bitwarden access token the store reads, with its key and a --target first up for its namespace", () => {
    const [secret] = of(list, "Secret");
    assert.deepEqual([secret!.namespace, secret!.name, secret!.keys], ["external-secrets", "bitwarden-access-token", ["token"]]);
    assert.match(secret!.why, /^ClusterSecretStore secrets-bitwarden reads key token/);
    assert.match(
      secret!.howToCreate,
      /pulumi up --target 'urn:pulumi:prod::llm-platform::kubernetes:core\/v1:Namespace::ns-externalSecrets'.*kubectl -n external-secrets create secret generic bitwarden-access-token --from-literal=token=<a Bitwarden Secrets Manager machine-account access token>/,
    );
    assert.equal(of(list, "Secret").length, 1, "the gateway's and Qdrant's Secrets are created by the stack");
  });

  it("names the LoadBalancer the Gateway's data plane needs and DNS for the edge host", () => {
    assert.match(of(list, "LoadBalancer")[0]!.why, /the Service NGINX Gateway Fabric provisions for each Gateway's data plane in ingress-nginx/);
    assert.deepEqual(
      of(list, "DNSRecord").map((d) => d.name),
      ["llm.example.com"],
    );
    assert.match(of(list, "DNSRecord")[0]!.why, /HTTP-01 at http:\/\/llm\.example\.com\/\.well-known\/acme-challenge/);
  });
});

describe("the plan report's prerequisites", () => {
  const label = (setDuringUp?: string): Prerequisite => ({
    kind: "NodeLabel",
    name: "a=b",
    label: { key: "a", value: "b" },
    why: "pods select it",
    howToCreate: "label it",
    ...(setDuringUp ? { setDuringUp } : {}),
  });
  const storage: Prerequisite = { kind: "StorageClass", name: "fast", why: "claims", howToCreate: "create it" };
  const lines = (list: Prerequisite[]) => prerequisiteLines({ stack: "s", prerequisites: list } as unknown as PlanResult);

  it("counts only what must exist before up; a label set during up is listed apart, with who sets it", () => {
    const out = lines([storage, label("nfd from r")]);
    assert.equal(out[0], "Prerequisites (must exist before `pulumi up`; `npm run doctor -- --stack s` checks them): 1");
    assert.deepEqual(out.slice(4), [
      "Set during `pulumi up` by what the stack installs (the doctor reports them pending until then): 1",
      "  - NodeLabel a=b: by nfd from r",
      "      why: pods select it",
    ]);
  });

  it("a label nobody sets during up stays a prerequisite, and no set-during-up section appears", () => {
    const out = lines([storage, label()]);
    assert.match(out[0]!, /checks them\): 2$/);
    assert.ok(out.includes("  - NodeLabel a=b"));
    assert.ok(!out.some((l) => l.startsWith("Set during")));
  });
});

describe("prerequisites of the dev stack", () => {
  it("names a default storage class, the Bitwarden access token, the Bitwarden entries the ExternalSecrets copy and the controller's LoadBalancer; no GPU", async () => {
    const { resources, config } = await planned("dev");
    const list = prerequisites(resources, config);
    assert.match(of(list, "DefaultStorageClass")[0]!.why, /gateway-postgres-data .*qdrant-storage .*name no storage class/);
    const [token] = of(list, "Secret");
    assert.deepEqual([token!.namespace, token!.name, token!.keys], ["external-secrets", "bitwarden-access-token", ["token"]]);
    assert.deepEqual(
      of(list, "BitwardenSecret").map((b) => b.name),
      [config.providers.openai!.apiKey!.bitwardenSecret],
    );
    assert.deepEqual(of(list, "LoadBalancer")[0]!.service, { namespace: "ingress-nginx", name: "addons-ingress-nginx-controller" });
    assert.deepEqual([of(list, "NodeLabel").length, of(list, "GpuRuntime").length, of(list, "DynamicResourceAllocation").length], [0, 0, 0]);
  });
});

describe("prerequisites: one change at a time", () => {
  it("a claim without a class needs a default StorageClass", async () => {
    const raw = variant(stackConfig("prod"), (c) => delete c.storage.baseModels.storageClass);
    const plan = await planStack("prod", raw);
    const list = prerequisites(plan.resources, parsePlatformConfig(raw));
    assert.match(of(list, "DefaultStorageClass")[0]!.why, /^PersistentVolumeClaim llm-inference\/base-models \(ReadWriteMany, 50Gi\) name no storage class/);
    assert.deepEqual(
      of(list, "StorageClass")
        .find((c) => c.name === "nfs-rwx")
        ?.why.includes("base-models"),
      false,
    );
  });

  it("a gated model's token Secret given by name only is one to create, in the namespace the stack creates, with the key the Jobs read", async () => {
    const raw = variant(stackConfig("prod"), (c) => {
      c.models["llama-8b-awq"].gated = true;
      c.huggingFace = { tokenSecret: { name: "huggingface-token", key: "token" } };
    });
    const plan = await planStack("prod", raw);
    const secret = of(prerequisites(plan.resources, parsePlatformConfig(raw)), "Secret").find((x) => x.name === "huggingface-token")!;
    assert.deepEqual([secret.namespace, secret.keys], ["llm-inference", ["token"]]);
    assert.match(secret.why, /^Job llm-inference\/base-models-hugging-quants-meta-llama-3-1-8b.* reads key token/);
    assert.match(
      secret.howToCreate,
      /--target 'urn:pulumi:prod::llm-platform::kubernetes:core\/v1:Namespace::ns-inference'.*--from-literal=token=<a Hugging Face read token, hf_…>/,
    );
  });

  it("time-slicing: the device plugin's NFD sets the GPU label during the first up, and its runtime is named", async () => {
    const raw = variant(stackConfig("prod"), (c) => {
      c.gpuSharing = { mode: "time-slicing", replicas: 4 };
      for (const server of Object.values<any>(c.servers)) delete server.placement;
      c.host.nodes["gpu-node"].gpuProduct = "NVIDIA-GeForce-RTX-3090";
    });
    const plan = await planStack("prod", raw);
    const list = prerequisites(plan.resources, parsePlatformConfig(raw));
    const [label] = of(list, "NodeLabel");
    assert.match(label!.why, /the addons-gpu-device-plugin DaemonSets and 1 more run only on nodes labelled/, "the fifth: the DCGM exporter");
    assert.match(label!.setDuringUp!, /node-feature-discovery from addons-gpu-device-plugin \(gfd\.enabled\)/);
    assert.deepEqual(of(list, "GpuRuntime")[0]!.resources, ["nvidia.com/gpu"]);
    assert.match(of(list, "GpuRuntime")[0]!.howToCreate, /nvidia-ctk runtime configure --runtime=containerd --set-as-default/);
    assert.equal(of(list, "DynamicResourceAllocation").length, 0);
    assert.equal(
      of(list, "NodeLabel").some((l) => l.label.key === "kubernetes.io/hostname"),
      false,
      "the device plugin picks node and card",
    );
  });

  it("DRA with gpuSharing.nodeFeatureDiscovery.install false: the label is the operator's to set before up, naming the key that installs NFD", async () => {
    const raw = variant(stackConfig("prod"), (c) => (c.gpuSharing.nodeFeatureDiscovery = { install: false }));
    const plan = await planStack("prod", raw);
    const label = of(prerequisites(plan.resources, parsePlatformConfig(raw)), "NodeLabel").find(
      (l) => l.label.key === "feature.node.kubernetes.io/pci-10de.present",
    )!;
    assert.equal(label.setDuringUp, undefined);
    assert.match(
      label.howToCreate,
      /set llm-platform:gpuSharing\.nodeFeatureDiscovery\.install \(dra\) to have the stack install it\. Without NFD: `kubectl label node <gpu-node> feature\.node\.kubernetes\.io\/pci-10de\.present=true`/,
    );
  });

  it("the DCGM exporter's DaemonSet is among those that need the GPU label", async () => {
    const { resources, config } = await planned("prod");
    const label = of(prerequisites(resources, config), "NodeLabel").find((l) => l.label.key === "feature.node.kubernetes.io/pci-10de.present")!;
    // Five selectors, four named (listOf): the fifth is the exporter, and without it the list is complete.
    assert.match(label.why, /the addons-dra-driver kubelet plugin and 1 more run only on nodes labelled/);
    const stripped = prerequisites(
      resources.filter((r) => r.props.chart !== "dcgm-exporter"),
      config,
    );
    assert.match(
      of(stripped, "NodeLabel").find((l) => l.label.key === "feature.node.kubernetes.io/pci-10de.present")!.why,
      /the addons-dra-driver kubelet plugin run only on nodes labelled/,
    );
  });

  it("a hand-set GPU label is not promised by NFD", async () => {
    const raw = variant(stackConfig("prod"), (c) => (c.host.gpuNodeSelector = { "gpu.example.com/pool": "a" }));
    const plan = await planStack("prod", raw);
    const label = of(prerequisites(plan.resources, parsePlatformConfig(raw)), "NodeLabel").find((l) => l.label.key !== "kubernetes.io/hostname");
    assert.equal(label!.name, "gpu.example.com/pool=a");
    assert.equal(label!.setDuringUp, undefined);
    assert.match(label!.howToCreate, /^`kubectl label node <gpu-node> gpu\.example\.com\/pool=a`, or set llm-platform:host\.gpuNodeSelector/);
  });

  describe("an NFD release labels pci-10de only as its worker config says (nfd-worker v0.19.0 source/pci/pci.go, pkg/nfd-worker/nfd-worker.go)", () => {
    const ours = () => structuredClone(nodeFeatureDiscoveryValues({})) as any;
    const pci = (v: any) => v.worker.config.sources.pci;
    it("the values the stack renders: yes; one change at a time: no", () => {
      assert.equal(nfdLabelsNvidiaVendor(ours()), true);
      const off: [string, (v: any) => void][] = [
        ["NFD's default fields [class, vendor] (pci-0302_10de)", (v) => delete pci(v).deviceLabelFields],
        ["vendor and device", (v) => (pci(v).deviceLabelFields = ["vendor", "device"])],
        ["no display class whitelisted", (v) => (pci(v).deviceClassWhitelist = ["0200", "12"])],
        ["PCI label source off", (v) => (v.worker.config.core.labelSources = ["cpu"])],
        ["PCI feature source off", (v) => (v.worker.config.core.featureSources = ["cpu"])],
        ["PCI removed from all", (v) => (v.worker.config.core.labelSources = ["all", "-pci"])],
        ["worker disabled", (v) => (v.worker.enable = false)],
        ["master disabled", (v) => (v.master = { enable: false })],
      ];
      for (const [why, change] of off) {
        const v = ours();
        change(v);
        assert.equal(nfdLabelsNvidiaVendor(v), false, why);
      }
    });
    it("unknown fields are dropped, and class prefixes match as nfd-worker matches them", () => {
      const v = ours();
      pci(v).deviceLabelFields = ["vendor", "nonsense"];
      pci(v).deviceClassWhitelist = ["03"];
      v.worker.config.core = { labelSources: ["all"] };
      assert.equal(nfdLabelsNvidiaVendor(v), true);
      pci(v).deviceClassWhitelist = ["0302"];
      assert.equal(nfdLabelsNvidiaVendor(v), true, "a 3D controller alone");
      pci(v).deviceClassWhitelist = ["030"];
      assert.equal(nfdLabelsNvidiaVendor(v), true);
      pci(v).deviceClassWhitelist = ["0380"];
      assert.equal(nfdLabelsNvidiaVendor(v), false, "other display controllers are not NVIDIA's GPU classes");
      assert.equal(nfdLabelsNvidiaVendor(undefined), false, "chart defaults: [class, vendor]");
    });
  });

  it("defaults the GPU node selector to the label NFD sets for NVIDIA's PCI vendor 10de", () => {
    const raw = variant(stackConfig("prod"), (c) => delete c.host.gpuNodeSelector);
    assert.deepEqual(parsePlatformConfig(raw).host.gpuNodeSelector, { "feature.node.kubernetes.io/pci-10de.present": "true" });
  });

  it("reads secret references from env, envFrom, volumes, projected volumes and image pull secrets, skipping optional ones", () => {
    const refs = podSecretReferences({
      containers: [
        {
          env: [
            { name: "A", valueFrom: { secretKeyRef: { name: "s1", key: "a" } } },
            { name: "B", valueFrom: { secretKeyRef: { name: "s2", key: "b", optional: true } } },
          ],
          envFrom: [{ secretRef: { name: "s3" } }, { secretRef: { name: "s4", optional: true } }],
        },
      ],
      volumes: [{ secret: { secretName: "s5", items: [{ key: "tls.crt", path: "c" }] } }, { projected: { sources: [{ secret: { name: "s6" } }] } }],
      imagePullSecrets: [{ name: "s7" }],
    });
    assert.deepEqual(
      [...refs].map(([name, keys]) => [name, [...keys]]),
      [
        ["s1", ["a"]],
        ["s3", []],
        ["s5", ["tls.crt"]],
        ["s6", []],
        ["s7", []],
      ],
    );
  });
});
