import { strict as assert } from "node:assert";
import { join } from "node:path";
import { diffPlans, formatPath, leafChanges, podReferences, type PlanDiff } from "../../plan/diff";
import {
  forcesReplacement,
  kubernetesForceNew,
  kubernetesProviderDiff,
  matchesPattern,
  parsePattern,
  HELM_RELEASE_FORCE_NEW,
} from "../../plan/replacementRules";
import { synthesize, type SynthesizedResource } from "../../plan/synthesize";

const STACK = "urn:pulumi:t::p::";
const provider: SynthesizedResource = {
  type: "pulumi:providers:kubernetes",
  name: "cluster",
  urn: `${STACK}pulumi:providers:kubernetes::cluster`,
  props: { context: "lab" },
  custom: true,
  dependencies: [],
  propertyDependencies: {},
};

/** A Kubernetes object as the plan records it, on the explicit provider. */
function object(type: string, name: string, props: Record<string, any>, opts: { protect?: boolean; retainOnDelete?: boolean } = {}): SynthesizedResource {
  return {
    type,
    name,
    urn: `${STACK}${type}::${name}`,
    props,
    custom: true,
    dependencies: [],
    propertyDependencies: {},
    provider: provider.urn,
    opts: { protect: opts.protect ?? false, retainOnDelete: opts.retainOnDelete ?? false },
  };
}

const pvc = (storage: string, extra: Record<string, any> = {}, opts = {}) =>
  object(
    "kubernetes:core/v1:PersistentVolumeClaim",
    "data",
    {
      metadata: { name: "data", namespace: "apps", labels: { "backup-tier": "gfs" } },
      spec: { accessModes: ["ReadWriteOnce"], storageClassName: "fast", resources: { requests: { storage } }, ...extra },
    },
    opts,
  );

function deployment(name: string, template: Record<string, any>, spec: Record<string, any> = {}): SynthesizedResource {
  return object("kubernetes:apps/v1:Deployment", name, {
    metadata: { name, namespace: "apps" },
    spec: { selector: { matchLabels: { app: name } }, template, ...spec },
  });
}

const opOf = (d: PlanDiff, name: string) => d.changes.find((c) => c.urn.endsWith(`::${name}`))?.op;
const diff = (base: SynthesizedResource[], current: SynthesizedResource[]) => diffPlans([provider, ...base], [provider, ...current]);

describe("replacement rules (pulumi-kubernetes provider/pkg/provider/diff.go, provider.go Diff, helm_release.go)", () => {
  it("a force-new path matches a change at it, below it, and above it when the new value holds it; * matches any index", () => {
    assert.ok(matchesPattern(["spec", "template", "metadata", "annotations", "x"], "1", parsePattern(".spec.template")));
    assert.ok(matchesPattern(["spec", "template"], { metadata: {} }, parsePattern(".spec.template")));
    assert.ok(matchesPattern(["spec"], { selector: { matchLabels: {} } }, parsePattern(".spec.selector.matchLabels")));
    assert.ok(!matchesPattern(["spec"], { replicas: 2 }, parsePattern(".spec.selector")));
    assert.ok(!matchesPattern(["spec", "replicas"], 2, parsePattern(".spec.selector")));
    assert.ok(matchesPattern(["spec", "containers", 3, "image"], "x", parsePattern(".spec.containers[*].image")));
    assert.ok(!matchesPattern(["spec", "containers", "name", "image"], "x", parsePattern(".spec.containers[*].image")));
    assert.ok(matchesPattern(["spec"], { containers: [{ name: "a" }, { image: "b" }] }, parsePattern(".spec.containers[*].image")));
    assert.ok(!matchesPattern(["spec", "templates"], {}, parsePattern(".spec.template")), "keys match whole, not by prefix");
  });

  it("every object: metadata.name and metadata.namespace; a Job's whole template; a Deployment's selector but not its template", () => {
    const job = kubernetesForceNew("kubernetes:batch/v1:Job", {});
    assert.ok(forcesReplacement(["metadata", "name"], "x", job));
    assert.ok(forcesReplacement(["metadata", "namespace"], "x", kubernetesForceNew("kubernetes:cert-manager.io/v1:Certificate", {})));
    assert.ok(!forcesReplacement(["spec", "dnsNames", 0], "x", kubernetesForceNew("kubernetes:cert-manager.io/v1:Certificate", {})));
    assert.ok(forcesReplacement(["spec", "template", "metadata", "annotations", "llm-platform.io/secret-hash"], "x", job));
    assert.ok(!forcesReplacement(["spec", "backoffLimit"], 3, job));
    const dep = kubernetesForceNew("kubernetes:apps/v1:Deployment", {});
    assert.ok(forcesReplacement(["spec", "selector", "matchLabels", "app"], "x", dep));
    assert.ok(!forcesReplacement(["spec", "template", "spec", "containers", 0, "image"], "x", dep));
    assert.ok(!forcesReplacement(["spec", "strategy", "type"], "Recreate", dep));
  });

  it("a StatefulSet's serviceName, volumeClaimTemplates, podManagementPolicy; a PVC's class, access modes and volume but not its size; a Service's clusterIP but not its type", () => {
    const sts = kubernetesForceNew("kubernetes:apps/v1:StatefulSet", {});
    for (const f of ["serviceName", "volumeClaimTemplates", "podManagementPolicy", "revisionHistoryLimit"])
      assert.ok(forcesReplacement(["spec", f], "x", sts), f);
    assert.ok(!forcesReplacement(["spec", "replicas"], 2, sts));
    assert.ok(!forcesReplacement(["spec", "template", "spec", "containers", 0, "image"], "x", sts));
    const claim = kubernetesForceNew("kubernetes:core/v1:PersistentVolumeClaim", {});
    for (const f of ["storageClassName", "accessModes", "volumeName"]) assert.ok(forcesReplacement(["spec", f], "x", claim), f);
    assert.ok(!forcesReplacement(["spec", "resources", "requests", "storage"], "20Gi", claim));
    const svc = kubernetesForceNew("kubernetes:core/v1:Service", {});
    assert.ok(forcesReplacement(["spec", "clusterIP"], "None", svc));
    assert.ok(!forcesReplacement(["spec", "type"], "LoadBalancer", svc));
    assert.ok(
      !forcesReplacement(["spec"], { selector: { a: "b" } }, kubernetesForceNew("kubernetes:policy/v1:PodDisruptionBudget", {})),
      "policy/v1 PDBs update (only v1beta1's spec forces)",
    );
    assert.ok(forcesReplacement(["spec", "minAvailable"], 1, kubernetesForceNew("kubernetes:policy/v1beta1:PodDisruptionBudget", {})));
  });

  it("Secret and ConfigMap data replace unless the provider makes them mutable, and always when immutable; a Secret's type always", () => {
    const secret = "kubernetes:core/v1:Secret";
    assert.ok(forcesReplacement(["stringData", "password"], "x", kubernetesForceNew(secret, {})));
    assert.ok(!forcesReplacement(["stringData", "password"], "x", kubernetesForceNew(secret, {}, { enableSecretMutable: true })));
    assert.ok(forcesReplacement(["stringData", "password"], "x", kubernetesForceNew(secret, { immutable: true }, { enableSecretMutable: true })));
    assert.ok(forcesReplacement(["type"], "kubernetes.io/tls", kubernetesForceNew(secret, {}, { enableSecretMutable: true })));
    const cm = "kubernetes:core/v1:ConfigMap";
    assert.ok(forcesReplacement(["data", "config.yaml"], "x", kubernetesForceNew(cm, {})));
    assert.ok(!forcesReplacement(["data", "config.yaml"], "x", kubernetesForceNew(cm, {}, { enableConfigMapMutable: true })));
    assert.ok(forcesReplacement(["binaryData", "b"], "x", kubernetesForceNew(cm, { immutable: true }, { enableConfigMapMutable: true })));
    assert.ok(!forcesReplacement(["metadata", "labels", "a"], "x", kubernetesForceNew(cm, {})));
  });

  it("a Helm release replaces on name or namespace only", () => {
    assert.ok(forcesReplacement(["name"], "x", HELM_RELEASE_FORCE_NEW));
    assert.ok(forcesReplacement(["namespace"], "x", HELM_RELEASE_FORCE_NEW));
    assert.ok(!forcesReplacement(["values", "replicas"], 2, HELM_RELEASE_FORCE_NEW));
    assert.ok(!forcesReplacement(["version"], "1.2.3", HELM_RELEASE_FORCE_NEW));
  });

  it("DiffConfig: a changed clusterIdentifier replaces, an unchanged one never does, a context without a kubeconfig input updates", () => {
    assert.equal(kubernetesProviderDiff({ context: "a" }, { context: "a" }).op, "same");
    assert.equal(kubernetesProviderDiff({ context: "a" }, { context: "b" }).op, "update");
    assert.equal(kubernetesProviderDiff({}, { context: "b" }).op, "update", "default → explicit provider with a context: an update (pulumi/pulumi#18509)");
    assert.equal(kubernetesProviderDiff({ clusterIdentifier: "x", context: "a" }, { clusterIdentifier: "y", context: "a" }).op, "replace");
    assert.equal(kubernetesProviderDiff({ clusterIdentifier: "x", kubeconfig: "k1" }, { clusterIdentifier: "x", kubeconfig: "k2" }).op, "update");
    assert.equal(kubernetesProviderDiff({ context: "a" }, { context: "a", clusterIdentifier: "x" }).op, "update", "adding an identifier never replaces");
    assert.equal(kubernetesProviderDiff({ kubeconfig: "k", context: "a" }, { kubeconfig: "k", context: "b" }).op, "replace");
    assert.equal(kubernetesProviderDiff({ renderYamlToDirectory: "a" }, { renderYamlToDirectory: "b" }).op, "replace");
  });

  it("leaf changes walk maps and arrays like the provider's patch converter, and print paths in its notation", () => {
    const changes = leafChanges({ a: { b: 1, c: [1, 2] }, d: "x" }, { a: { b: 2, c: [1] }, e: { f: 1 } });
    assert.deepEqual(
      changes.map((c) => `${c.kind} ${formatPath(c.path)}`),
      ["update a.b", "delete a.c[1]", "delete d", "add e"],
    );
    assert.deepEqual(leafChanges({ a: 1 }, { a: 1 }), []);
    assert.equal(formatPath(["metadata", "annotations", "llm-platform.io/secret-hash"]), 'metadata.annotations["llm-platform.io/secret-hash"]');
  });
});

describe("the change preview on hand-built plans", () => {
  const template = (annotations: Record<string, string> = {}, image = "app:1") => ({
    metadata: { labels: { app: "app" }, annotations },
    spec: { containers: [{ name: "app", image, env: [{ name: "PW", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } }] }] },
  });
  const secret = (password: string, extra: Record<string, string> = {}) =>
    object("kubernetes:core/v1:Secret", "creds", { metadata: { name: "creds", namespace: "apps" }, stringData: { password, ...extra } });

  it("replacing a named object deletes it first; a new name is created first", () => {
    const d = diff([pvc("1Gi")], [pvc("1Gi", { storageClassName: "slow" })]);
    const c = d.changes.find((x) => x.object === "PersistentVolumeClaim apps/data")!;
    assert.equal(c.op, "replace");
    assert.equal(c.deleteBeforeReplace, true);
    const job = (name: string) =>
      object("kubernetes:batch/v1:Job", "job", { metadata: { name, namespace: "apps" }, spec: { template: { spec: { containers: [] } } } });
    const renamedJob = diff([job("setup-aaaa")], [job("setup-bbbb")]).changes.find((x) => x.urn.endsWith("::job"))!;
    assert.deepEqual([renamedJob.op, renamedJob.deleteBeforeReplace], ["replace", false]);
  });

  it("a PVC may grow (update) but not shrink (refused: the API server rejects it)", () => {
    const grow = diff([pvc("10Gi")], [pvc("20Gi")]);
    assert.equal(opOf(grow, "data"), "update");
    assert.equal(grow.exitCode, 0);
    const same = diff([pvc("10Gi")], [pvc("10Gi")]);
    assert.equal(same.findings.length, 0);
    const shrink = diff([pvc("10Gi")], [pvc("8Gi")]);
    assert.equal(shrink.exitCode, 1);
    assert.match(shrink.findings[0]!.message, /PersistentVolumeClaim apps\/data shrinks from 10Gi to 8Gi: the API server refuses/);
  });

  it("a protected volume replaced is refused; an unprotected one holding data too; one labelled backup-tier none is not", () => {
    const protectedPvc = diff([pvc("1Gi", {}, { protect: true })], [pvc("1Gi", { storageClassName: "slow" }, { protect: true })]);
    assert.deepEqual(
      protectedPvc.findings.map((f) => f.kind),
      ["protected-data"],
    );
    assert.match(
      protectedPvc.findings[0]!.message,
      /replaces protected PersistentVolumeClaim apps\/data \(replacement forced by spec\.storageClassName: fast → slow/,
    );
    const unprotected = diff([pvc("1Gi")], [pvc("1Gi", { storageClassName: "slow" })]);
    assert.deepEqual(
      unprotected.findings.map((f) => f.kind),
      ["data-loss"],
    );
    const scratch = (cls: string) =>
      object("kubernetes:core/v1:PersistentVolumeClaim", "data", {
        metadata: { name: "data", namespace: "apps", labels: { "backup-tier": "none" } },
        spec: { storageClassName: cls },
      });
    assert.equal(diff([scratch("fast")], [scratch("slow")]).exitCode, 0);
  });

  it("a deleted volume with retainOnDelete stays in the cluster (not refused) unless its namespace goes too", () => {
    const kept = diff([pvc("1Gi", {}, { retainOnDelete: true })], []);
    assert.equal(opOf(kept, "data"), "delete");
    assert.equal(kept.exitCode, 0);
    assert.equal(diff([pvc("1Gi")], []).exitCode, 1);
    const ns = object("kubernetes:core/v1:Namespace", "ns-apps", { metadata: { name: "apps" } });
    const withNs = diff([ns, pvc("1Gi", {}, { retainOnDelete: true })], []);
    assert.equal(withNs.exitCode, 1);
    assert.ok(
      withNs.findings.some((f) =>
        /deletes Namespace apps, and Kubernetes deletes every PVC in a deleted namespace: PersistentVolumeClaim apps\/data/.test(f.message),
      ),
      JSON.stringify(withNs.findings),
    );
  });

  it("a Secret rotated under an unchanged pod template is a stale secret; a hash on the template restarts the pods instead", () => {
    const stale = diff([secret("old"), deployment("app", template())], [secret("new"), deployment("app", template())]);
    assert.equal(stale.exitCode, 1);
    assert.equal(stale.findings[0]!.kind, "stale-secret");
    assert.match(
      stale.findings[0]!.message,
      /Secret apps\/creds changes \(password\), but Deployment apps\/app reads it \(env PW\) and its pod template does not change/,
    );
    const hashed = diff(
      [secret("old"), deployment("app", template({ "llm-platform.io/secret-hash": "1" }))],
      [secret("new"), deployment("app", template({ "llm-platform.io/secret-hash": "2" }))],
    );
    assert.equal(hashed.exitCode, 0);
    assert.equal(hashed.changes.find((c) => c.object === "Deployment apps/app")!.restarts, true);
  });

  it("a Secret key the pods do not read changes nothing for them", () => {
    const d = diff([secret("pw", { other: "a" }), deployment("app", template())], [secret("pw", { other: "b" }), deployment("app", template())]);
    assert.equal(d.exitCode, 0);
    assert.deepEqual(podReferences(deployment("app", template())), [{ kind: "secret", name: "creds", keys: ["password"], how: "env PW" }]);
  });

  it("a Recreate GPU Deployment that restarts goes down; a replica change alone restarts nothing", () => {
    const gpu = (args: string[], replicas = 1) =>
      deployment(
        "vllm",
        { metadata: {}, spec: { containers: [{ name: "vllm", image: "vllm", args, resources: { limits: { "nvidia.com/gpu": "1" } } }] } },
        { replicas, strategy: { type: "Recreate" } },
      );
    const args = ["BAAI/bge-m3", "--max-model-len", "8192"];
    const scaled = diff([gpu(args)], [gpu(args, 2)]);
    assert.equal(scaled.changes.find((c) => c.object === "Deployment apps/vllm")!.restarts, false);
    assert.equal(scaled.gpuOutages.length, 0);
    const restarted = diff([gpu(args)], [gpu([...args.slice(0, 2), "4096"])]);
    assert.equal(restarted.gpuOutages.length, 1);
    assert.equal(restarted.gpuOutages[0]!.model, "BAAI/bge-m3");
  });

  it("a replaced provider replaces everything on it; a resource whose unknown input reads a replaced resource changes", () => {
    const p2 = { ...provider, props: { clusterIdentifier: "b" } };
    const p1 = { ...provider, props: { clusterIdentifier: "a" } };
    const d = diffPlans([p1, pvc("1Gi")], [p2, pvc("1Gi")]);
    assert.equal(opOf(d, "data"), "replace");
    assert.match(d.changes.find((c) => c.urn.endsWith("::data"))!.reason, /its provider cluster is replaced/);
    const pw = (length: number): SynthesizedResource => ({
      type: "random:index/randomPassword:RandomPassword",
      name: "pw",
      urn: `${STACK}random:index/randomPassword:RandomPassword::pw`,
      props: { length },
      custom: true,
      dependencies: [],
      propertyDependencies: {},
    });
    const reader = {
      ...secret("x"),
      props: { metadata: { name: "creds", namespace: "apps" }, stringData: { __pulumiUnknown: true } },
      propertyDependencies: { stringData: [pw(1).urn] },
    };
    assert.equal(opOf(diff([pw(16), reader], [pw(16), reader]), "creds"), "same");
    assert.equal(opOf(diff([pw(16), reader], [pw(24), reader]), "creds"), "replace");
  });
});

describe("renames, with and without aliases (tests/plan/fixtures/renameProgram.ts)", function () {
  this.timeout(120_000);
  const program = join(__dirname, "fixtures", "renameProgram.ts");
  const run = async (variant: string) =>
    (await synthesize({ program, project: "rename", stack: "test", config: { "rename:variant": variant }, keyGeneratedValues: true })).resources;
  let base: SynthesizedResource[];
  before(async () => {
    base = await run("base");
  });

  it("without an alias every URN changes: the fixed-name PVC is a create of an existing object and a delete of a protected one: refused", async () => {
    const d = diffPlans(base, await run("renamed"));
    assert.equal(d.exitCode, 1);
    const claim = d.changes.find((c) => c.object === "PersistentVolumeClaim apps/data")!;
    assert.equal(claim.op, "replace");
    assert.equal(claim.baseUrn, "urn:pulumi:test::rename::test:index:Store$kubernetes:core/v1:PersistentVolumeClaim::store-data");
    assert.match(claim.reason, /renamed without an alias .* the create fails with AlreadyExists/);
    assert.deepEqual(d.findings.map((f) => f.kind).sort(), ["cannot-apply", "protected-data"]);
    assert.ok(d.changes.some((c) => c.op === "delete" && c.object === "Deployment apps/store"));
    assert.ok(d.changes.some((c) => c.op === "create" && c.object === "Deployment apps/vault"));
  });

  it("with aliases: [{name: 'store'}] the children follow (inherited aliases): the PVC is the same, the renamed Deployment is replaced in place", async () => {
    const d = diffPlans(base, await run("aliased"));
    assert.equal(d.exitCode, 0, JSON.stringify(d.findings));
    const claim = d.changes.find((c) => c.object === "PersistentVolumeClaim apps/data")!;
    assert.equal(claim.op, "same");
    assert.equal(claim.baseUrn, "urn:pulumi:test::rename::test:index:Store$kubernetes:core/v1:PersistentVolumeClaim::store-data");
    const app = d.changes.find((c) => c.object === "Deployment apps/vault")!;
    assert.deepEqual([app.op, app.deleteBeforeReplace, app.restarts], ["replace", false, true]);
    assert.deepEqual(d.counts, { replace: 1, delete: 0, create: 0, update: 0, same: 2 });
  });
});
