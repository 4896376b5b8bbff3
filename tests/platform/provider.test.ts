import { strict as assert } from "node:assert";
import { parsePlatformConfig } from "../../config/load";
import { CLUSTER_PROVIDER, clusterProviderArgs } from "../../platform/provider";
import { planned } from "../plan/planned";
import { stackConfig, variant } from "../fixtures/stacks";

const PROVIDER_TYPE = "pulumi:providers:kubernetes";

describe("one explicit Kubernetes provider per stack (llm-platform:cluster)", function () {
  this.timeout(120_000);

  for (const stack of ["prod", "dev"] as const) {
    it(`${stack}: every Kubernetes resource, Helm releases and remote components included, uses the stack's provider, never the default one`, async () => {
      const { resources, config } = await planned(stack);
      const providers = resources.filter((r) => r.type === PROVIDER_TYPE);
      assert.equal(providers.length, 1);
      const provider = providers[0]!;
      assert.equal(provider.urn, `urn:pulumi:${stack}::llm-platform::${PROVIDER_TYPE}::${CLUSTER_PROVIDER}`);
      assert.deepEqual(provider.props, { context: config.cluster.context });
      const kubernetes = resources.filter((r) => r.type.startsWith("kubernetes:"));
      assert.ok(kubernetes.length > 50);
      const onDefault = kubernetes.filter((r) => r.provider !== provider.urn).map((r) => `${r.type} ${r.name}`);
      assert.deepEqual(onDefault, []);
      assert.ok(kubernetes.some((r) => r.type === "kubernetes:helm.sh/v3:Release"));
    });
  }

  it("the provider does not change URNs: the model server's Deployment keeps its URN under its component", async () => {
    const { resources } = await planned("prod");
    assert.ok(resources.some((r) => r.urn === "urn:pulumi:prod::llm-platform::llm-platform:index:VllmServer$kubernetes:apps/v1:Deployment::llm-deployment"));
  });

  it("its inputs are the context alone: no kubeconfig (credentials stay out of the state) and no clusterIdentifier (an identity edit never replaces the stack)", () => {
    assert.deepEqual(clusterProviderArgs(parsePlatformConfig(stackConfig("prod"))), { context: "llm-prod" });
    assert.deepEqual(
      clusterProviderArgs(parsePlatformConfig(variant(stackConfig("dev"), (c) => delete c.cluster))),
      {},
      "no context: kubectl's current one, still through the explicit provider",
    );
  });

  it("a stack with platform.protectStatefulData must name its context and identity", () => {
    const noCluster = variant(stackConfig("prod"), (c) => delete c.cluster);
    assert.throws(
      () => parsePlatformConfig(noCluster),
      (e: any) => {
        const paths = e.issues.map((i: any) => i.path);
        assert.deepEqual(paths, ["llm-platform:cluster.context", "llm-platform:cluster.identity"]);
        assert.match(e.issues[1].message, /kubectl --context <context> get namespace kube-system -o jsonpath='\{\.metadata\.uid\}'/);
        return true;
      },
    );
    assert.throws(
      () => parsePlatformConfig(variant(stackConfig("prod"), (c) => (c.cluster.identity = {}))),
      /llm-platform:cluster\.identity: needs kubeSystemUid \(recommended\) or server/,
    );
    assert.throws(
      () => parsePlatformConfig(variant(stackConfig("prod"), (c) => (c.cluster.identity = { kubeSystemUid: "kube-system" }))),
      /"kube-system" is not a Kubernetes UID/,
    );
    assert.doesNotThrow(() => parsePlatformConfig(variant(stackConfig("prod"), (c) => (c.cluster.identity = { server: "https://192.168.1.10:6443" }))));
    assert.doesNotThrow(() => parsePlatformConfig(variant(stackConfig("dev"), (c) => delete c.cluster)), "dev (no protectStatefulData) may leave it out");
  });
});
