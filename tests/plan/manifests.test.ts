import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { SYNC_OPTIONS, SYNC_WAVE, bitwardenKey, renderManifests, toYaml, writeManifests } from "../../plan/manifests";
import { deployOrder } from "../../plan/deployOrder";
import { SERVICES } from "../../platform/flows";
import { planStack } from "../fixtures/plans";
import { stackConfig, variant } from "../fixtures/stacks";
import { planned } from "./planned";

/** Scalars YAML 1.1 (kubectl, many tools) or 1.2 reads as something other than a string when written bare. */
const AMBIGUOUS = [
  "off",
  "on",
  "yes",
  "no",
  "y",
  "n",
  "Y",
  "NO",
  "true",
  "False",
  "~",
  "null",
  "",
  "0777",
  "0o17",
  "0x1F",
  "1e3",
  ".5",
  "+1",
  "-2",
  "1:20",
  "2026-01-01",
  ".inf",
  ".NaN",
  "<<",
];

describe("YAML every reader takes the same way", () => {
  it("quotes each scalar YAML 1.1 or 1.2 would read as a boolean, number, null or timestamp — values and keys", () => {
    const data = Object.fromEntries(AMBIGUOUS.map((s, i) => [`k${i}`, s]));
    const keys = Object.fromEntries(AMBIGUOUS.filter((s) => s !== "").map((s) => [s, "v"]));
    const text = toYaml({ data, keys });
    for (const version of ["1.1", "1.2"] as const) assert.deepEqual(parse(text, { version }), { data, keys }, `YAML ${version}:\n${text}`);
    for (const s of ["off", "yes", "~", "0777", "1:20", "2026-01-01"]) assert.match(text, new RegExp(`: "${s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\n`));
  });

  it("leaves plain words, numbers and multi-line text as they are", () => {
    const text = toYaml({ image: "nginx", port: 80, enabled: true, script: "set -eu\necho off\n", cidr: "10.0.0.0/8" });
    assert.match(text, /^image: nginx$/m);
    assert.match(text, /^port: 80$/m);
    assert.match(text, /^enabled: true$/m);
    assert.match(text, /^script: \|/m);
    assert.match(text, /^cidr: 10\.0\.0\.0\/8$/m);
  });
});

for (const stack of ["prod", "dev"] as const) {
  describe(`the ${stack} GitOps tree`, () => {
    let tree: ReturnType<typeof renderManifests>;
    let plan: Awaited<ReturnType<typeof planned>>;
    before(async () => {
      plan = await planned(stack);
      tree = renderManifests(plan.resources, { stack, order: plan.order });
    });

    it("reads the same under YAML 1.1 and 1.2 in every file", () => {
      for (const [path, text] of tree.contents) assert.deepEqual(parse(text, { version: "1.1" }), parse(text, { version: "1.2" }), path);
      // ingress-nginx (dev's edge) takes "off" as an annotation value: quoted, kubectl reads the string.
      const ingress = [...tree.contents].find(([p]) => p.endsWith("--ingress--edge-v1.yaml"));
      if (stack === "dev") assert.match(ingress![1], /nginx\.ingress\.kubernetes\.io\/proxy-buffering: "off"/);
    });

    it("carries no Secret and no generated value", () => {
      for (const [path, text] of tree.contents) {
        const obj = parse(text);
        assert.notEqual(obj?.kind, "Secret", path);
        assert.doesNotMatch(text, /generated at deploy time/, path);
      }
    });

    it("gives every object its deploy-order wave, and custom resources SkipDryRunOnMissingResource", () => {
      for (const r of plan.resources) {
        const file = [...tree.contents].find(([, text]) => {
          const o = parse(text);
          return o?.metadata?.name === r.props.metadata?.name && o?.metadata?.namespace === r.props.metadata?.namespace && r.type.endsWith(`:${o?.kind}`);
        });
        if (!file) continue;
        const annotations = parse(file[1]).metadata.annotations ?? {};
        assert.equal(annotations[SYNC_WAVE], String(plan.order.waveOf.get(r.urn)), file[0]);
        // Kinds the API server serves itself (the HPA is autoscaling/v2). ResourceClaims count as the DRA driver's: their DeviceClass is its.
        const custom = !/^kubernetes:(core|apps|batch|autoscaling|networking\.k8s\.io|policy)\//.test(r.type);
        assert.equal(annotations[SYNC_OPTIONS], custom ? "SkipDryRunOnMissingResource=true" : undefined, file[0]);
      }
    });

    it("puts each chart in its own kustomization with its release's wave, before the custom resources it serves", () => {
      const chartWave = (chart: string) => {
        const [, text] = [...tree.contents].find(([p, t]) => p.startsWith("charts/") && parse(t).helmCharts[0].name === chart)!;
        return Number(parse(text).commonAnnotations[SYNC_WAVE]);
      };
      const waves = (kind: string) =>
        [...tree.contents.values()]
          .map((t) => parse(t))
          .filter((o) => o?.kind === kind)
          .map((o) => Number(o.metadata.annotations[SYNC_WAVE]));
      assert.ok(Math.min(...waves("Certificate")) > chartWave("cert-manager"));
      if (stack === "dev") assert.ok(Math.min(...waves("ExternalSecret")) > chartWave("external-secrets"));
      const root = parse(tree.contents.get("kustomization.yaml")!);
      assert.deepEqual(
        root.resources.filter((r: string) => r.startsWith("charts/")),
        tree.helmCharts.map((c) => `charts/${c.releaseName}`).sort(),
      );
    });
  });
}

describe("manifests the program applies from a URL", () => {
  it("are remote resources of their own kustomization, in the wave of the ConfigFile, before what needs them", async () => {
    // Prod with the device plugin (time-slicing) instead of DRA: GpuTimeSlicing applies NFD's CRDs, the edge the Gateway API's.
    const raw = variant(stackConfig("prod"), (c) => {
      c.gpuSharing = { mode: "time-slicing", replicas: 4 };
      for (const s of Object.values<any>(c.servers)) delete s.placement;
      c.host.nodes["gpu-node"].gpuProduct = "NVIDIA-GeForce-RTX-3090";
    });
    const synthesized = await planStack("prod", raw);
    const plan = { ...synthesized, order: deployOrder(synthesized.resources) };
    const tree = renderManifests(plan.resources, { stack: "prod", order: plan.order });
    const root = parse(tree.contents.get("kustomization.yaml")!);
    const configFiles = plan.resources.filter((r) => r.type === "kubernetes:yaml/v2:ConfigFile");
    assert.deepEqual(configFiles.map((r) => /gateway-api|node-feature-discovery/.exec(r.props.file)?.[0]).sort(), ["gateway-api", "node-feature-discovery"]);
    for (const r of configFiles) {
      const sub = `remote/${r.name}`;
      assert.ok(root.resources.includes(sub), sub);
      const k = parse(tree.contents.get(`${sub}/kustomization.yaml`)!);
      assert.deepEqual(k.resources, [r.props.file]);
      assert.equal(k.commonAnnotations[SYNC_WAVE], String(plan.order.waveOf.get(r.urn)));
    }
    const nfd = configFiles.find((r) => /node-feature-discovery/.test(r.props.file))!;
    const plugin = plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.props.chart === "nvidia-device-plugin")!;
    assert.ok(plan.order.waveOf.get(nfd.urn)! < plan.order.waveOf.get(plugin.urn)!, "NFD's CRDs sync before the device plugin");
  });
});

describe("generated Secrets in the GitOps tree", () => {
  it("without a Bitwarden store: left out and listed with their keys and value formats", async () => {
    const raw = variant(stackConfig("prod"), (c) => {
      delete c.externalSecrets;
      delete c.providers.openai;
      delete c.gateway.fallbacks;
      delete c.gateway.contextWindowFallbacks;
    });
    const plan = await planStack("prod", raw);
    const { secrets, contents } = renderManifests(plan.resources, { stack: "prod", order: deployOrder(plan.resources) });
    const generated = plan.resources.filter((r) => r.type === "kubernetes:core/v1:Secret").map((r) => `${r.props.metadata.namespace}/${r.props.metadata.name}`);
    assert.ok(generated.length >= 4);
    assert.deepEqual(
      secrets.map((s) => `${s.namespace}/${s.name}`),
      generated,
    );
    assert.ok([...contents.keys()].every((f) => !f.includes("--secret--") && !f.includes("--externalsecret--")));
    const keys = secrets.find((s) => s.name === SERVICES.litellm + "-keys")!;
    assert.equal(keys.source, "create");
    assert.deepEqual(keys.keys, [
      { key: "master-key", format: "sk-<random>" },
      { key: "salt-key", format: "<random>" },
    ]);
    assert.match(
      keys.howToCreate,
      new RegExp(
        `^kubectl -n llm-gateway create secret generic ${SERVICES.litellm}-keys --from-literal=master-key=sk-<random> --from-literal=salt-key=<random>`,
      ),
    );
  });

  it("dev (Bitwarden store): ExternalSecrets of the same names read from the store, one Bitwarden entry per key", async () => {
    const { resources, order } = await planned("dev");
    const tree = renderManifests(resources, { stack: "dev", order });
    const es = parse(tree.contents.get(`llm-gateway--externalsecret--${SERVICES.postgres}.yaml`)!);
    const store = resources.find((r) => r.type === "kubernetes:external-secrets.io/v1:ClusterSecretStore")!.props.metadata.name;
    assert.deepEqual(es.spec.secretStoreRef, { name: store, kind: "ClusterSecretStore" });
    assert.deepEqual(es.spec.target, { name: SERVICES.postgres, creationPolicy: "Owner", template: { type: "Opaque" } });
    const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.props.metadata.name === SERVICES.postgres)!;
    const keys = Object.keys({ ...secret.props.data, ...secret.props.stringData });
    assert.deepEqual(
      es.spec.data,
      keys.map((k) => ({ secretKey: k, remoteRef: { key: bitwardenKey("dev", "llm-gateway", SERVICES.postgres, k) } })),
    );
    assert.ok(tree.secrets.every((s) => s.source === "bitwarden"));
  });
});

describe("the tree with kubectl kustomize", function () {
  this.timeout(120_000);
  it("builds (Helm charts need --enable-helm and a helm binary, so their kustomizations are emptied first)", async function () {
    if (spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status !== 0) this.skip();
    const { resources, order } = await planned("dev");
    const dir = mkdtempSync(join(tmpdir(), "tree-"));
    const tree = writeManifests(dir, resources, { stack: "dev", order });
    for (const chart of tree.helmCharts) {
      const file = join(dir, "charts", chart.releaseName, "kustomization.yaml");
      const k = parse(readFileSync(file, "utf8"));
      delete k.helmCharts;
      writeFileSync(file, toYaml(k));
    }
    // Remote manifests (CRDs the program applies from a URL) need the network: built without them here.
    for (const sub of parse(readFileSync(join(dir, "kustomization.yaml"), "utf8")).resources.filter((r: string) => r.startsWith("remote/"))) {
      const file = join(dir, sub, "kustomization.yaml");
      writeFileSync(file, toYaml({ ...parse(readFileSync(file, "utf8")), resources: [] }));
    }
    const built = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
    assert.equal(built.status, 0, built.stderr);
    assert.equal((built.stdout.match(/^kind: /gm) ?? []).length, tree.files.length);
  });
});
