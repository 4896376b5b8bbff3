import { strict as assert } from "node:assert";
import { stackScoped, stackScopedName } from "../../config/clusterSchema";
import { parsePlatformConfig } from "../../config/load";
import { platformFlows } from "../../platform/flows";
import { evaluateReachability } from "../../plan/reachability";
import type { SynthesizedResource } from "../../plan/synthesize";
import { planStack } from "../fixtures/plans";
import { stackConfig, variant } from "../fixtures/stacks";
import { planned } from "../plan/planned";

/** Cluster-scoped kinds the plans contain: their names are cluster-wide. */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterIssuer",
  "ClusterSecretStore",
  "ClusterRole",
  "ClusterRoleBinding",
  "GatewayClass",
  "IngressClass",
  "StorageClass",
]);

/**
 * What two stacks' objects cannot share in one cluster: a namespaced object's kind, namespace and name;
 * a cluster-scoped object's kind and name; a Helm release's name (charts name their ClusterRoles and
 * webhook configurations after it); and the edge classes the stack's controller owns.
 */
function clusterNames(resources: SynthesizedResource[]): Set<string> {
  const names = new Set<string>();
  for (const r of resources) {
    const kind = r.type.split(":").pop()!;
    if (r.type === "kubernetes:helm.sh/v3:Release") {
      names.add(`Release ${r.props.name}`);
      const values = r.props.values ?? {};
      const ingressClass = values.controller?.ingressClassResource?.name;
      const gatewayClass = values.nginxGateway?.gatewayClassName;
      if (ingressClass) names.add(`IngressClass ${ingressClass}`);
      if (gatewayClass) names.add(`GatewayClass ${gatewayClass}`);
      continue;
    }
    const name = r.props?.metadata?.name;
    if (!r.type.startsWith("kubernetes:") || typeof name !== "string") continue;
    names.add(CLUSTER_SCOPED.has(kind) ? `${kind} ${name}` : `${kind} ${r.props.metadata.namespace}/${name}`);
  }
  return names;
}

const charts = (resources: SynthesizedResource[]) =>
  new Set(resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => String(r.props.chart).split("/").pop()!));
const both = <T>(a: Set<T>, b: Set<T>) => [...a].filter((x) => b.has(x)).sort();

describe("two stacks in one cluster (llm-platform:cluster.shared)", function () {
  this.timeout(180_000);
  const shared = (stack: string) => variant(stackConfig(stack), (c) => (c.cluster = { ...c.cluster, shared: true }));
  let prod: SynthesizedResource[];
  let dev: SynthesizedResource[];
  before(async () => {
    prod = (await planStack("prod", shared("prod"))).resources;
    dev = (await planStack("dev", shared("dev"))).resources;
  });

  it("names are prefixed with platform.environment once; the edge classes too; an unshared stack keeps its names", () => {
    assert.equal(stackScopedName("dev", "llm-gateway"), "dev-llm-gateway");
    assert.equal(stackScopedName("dev", "dev-llm-gateway"), "dev-llm-gateway");
    const config = parsePlatformConfig(shared("dev"));
    assert.deepEqual(
      Object.values(config.namespaces).filter((n) => !n.startsWith("dev-")),
      [],
    );
    assert.equal(config.edge!.ingressNginx.ingressClass, "dev-nginx");
    assert.equal(parsePlatformConfig(shared("prod")).edge!.gatewayApi.gatewayClass, "prod-nginx");
    const unshared = parsePlatformConfig(stackConfig("dev"));
    assert.equal(stackScoped(unshared), unshared);
    assert.equal(unshared.namespaces.gateway, "llm-gateway");
    assert.throws(
      () => parsePlatformConfig(variant(shared("dev"), (c) => (c.namespaces = { gateway: "g".repeat(60) }))),
      /llm-platform:namespaces\.gateway: "dev-g+" \(prefixed with platform\.environment for cluster\.shared\) is longer than 63 characters/,
    );
  });

  it("side by side, prod and dev share no object, release or class name; unshared they collide on every namespace", async () => {
    assert.deepEqual(both(clusterNames(prod), clusterNames(dev)), []);
    const unshared = both(clusterNames((await planned("prod")).resources), clusterNames((await planned("dev")).resources));
    for (const name of [
      "Namespace llm-gateway",
      "Namespace llm-data",
      "Release addons-cert-manager",
      "ClusterIssuer edge-acme",
      "ClusterSecretStore secrets-bitwarden",
      "Deployment llm-gateway/gateway-litellm",
    ]) {
      assert.ok(unshared.includes(name), `${name} in ${unshared.join(", ")}`);
    }
    assert.ok(clusterNames(prod).has("Release prod-addons-cert-manager"));
    assert.ok(clusterNames(dev).has("IngressClass dev-nginx"));
    assert.ok(clusterNames(prod).has("GatewayClass prod-nginx"));
    assert.ok(clusterNames(prod).has("ClusterIssuer prod-edge-acme"));
  });

  it("what both still install are the cluster-wide operators, which a shared cluster must run once (docs/operations.md)", () => {
    assert.deepEqual(both(charts(prod), charts(dev)), ["cert-manager", "external-secrets"]);
  });

  it("the flows and NetworkPolicies follow the prefixed namespaces and release names: nothing blocked", () => {
    for (const [resources, stack] of [
      [prod, "prod"],
      [dev, "dev"],
    ] as const) {
      const reachability = evaluateReachability(resources, platformFlows(parsePlatformConfig(shared(stack))));
      assert.deepEqual(
        reachability.violations.map((v) => v.message),
        [],
        stack,
      );
    }
  });
});
