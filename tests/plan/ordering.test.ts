import { strict as assert } from "node:assert";
import { evaluatePolicies, type PlannedResource } from "../../policies/evaluate";
import { customResourcesAfterTheirOperator, isCustomResourceType, releasesAfterTheSecretsTheyMount } from "../../policies/ordering";
import { waitsTransitively } from "../../plan/deployOrder";
import { planned } from "./planned";

const ORDERING = [customResourcesAfterTheirOperator, releasesAfterTheSecretsTheyMount];
const RELEASE = "kubernetes:helm.sh/v3:Release";
const ISSUER = "kubernetes:cert-manager.io/v1:Issuer";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";

function res(name: string, type: string, props: Record<string, any>, links: { parent?: string; dependencies?: string[] } = {}): PlannedResource {
  return {
    type,
    name,
    urn: `urn:pulumi:prod::llm-platform::${type}::${name}`,
    props,
    opts: { parent: links.parent ? urnOf(links.parent) : undefined },
    dependencies: (links.dependencies ?? []).map(urnOf),
  };
}
const COMPONENT = "llm-platform:index:Group";
const types: Record<string, string> = {};
function urnOf(name: string): string {
  return `urn:pulumi:prod::llm-platform::${types[name]}::${name}`;
}
function plan(...resources: PlannedResource[]): PlannedResource[] {
  for (const r of resources) types[r.name] = r.type;
  return resources;
}

/**
 * The layout the readiness review found: the Bitwarden SDK server's Issuer and Certificate and the
 * External Secrets release in a "secrets" component that waits only for namespaces, while cert-manager
 * is a child of the edge, which waits for the gateway, which waits for the secrets.
 */
function todaysLayout(): PlannedResource[] {
  return plan(
    res("ns-external-secrets", "kubernetes:core/v1:Namespace", { metadata: { name: "external-secrets" } }),
    res("secrets", COMPONENT, {}, { dependencies: ["ns-external-secrets"] }),
    res(
      "secrets-operator",
      RELEASE,
      {
        chart: "external-secrets",
        name: "external-secrets",
        namespace: "external-secrets",
        atomic: true,
        values: { "bitwarden-sdk-server": { enabled: true } },
      },
      { parent: "secrets" },
    ),
    res(
      "secrets-issuer",
      ISSUER,
      { metadata: { name: "bitwarden-selfsigned", namespace: "external-secrets" }, spec: { selfSigned: {} } },
      { parent: "secrets" },
    ),
    res(
      "secrets-certificate",
      CERTIFICATE,
      { metadata: { name: "bitwarden-sdk-server", namespace: "external-secrets" }, spec: { secretName: "bitwarden-tls-certs" } },
      { parent: "secrets", dependencies: ["secrets-issuer"] },
    ),
    res("gateway", COMPONENT, {}, { dependencies: ["secrets-operator", "secrets-issuer", "secrets-certificate"] }),
    res("gateway-deployment", "kubernetes:apps/v1:Deployment", { metadata: { name: "litellm", namespace: "llm-gateway" } }, { parent: "gateway" }),
    res("edge", COMPONENT, {}, { dependencies: ["gateway-deployment"] }),
    res("edge-cert-manager", RELEASE, { chart: "cert-manager", name: "cert-manager", namespace: "cert-manager" }, { parent: "edge" }),
  );
}

const messages = async (resources: PlannedResource[], settings: Record<string, unknown> = {}) =>
  (await evaluatePolicies(resources, settings as Parameters<typeof evaluatePolicies>[1], ORDERING)).map((v) => `${v.policy}: ${v.message}`);

describe("ordering policies", () => {
  it("refuse today's layout: the Issuer and Certificate before cert-manager, the External Secrets release before its TLS Secret", async () => {
    const m = await messages(todaysLayout());
    assert.equal(m.length, 3, m.join("\n"));
    assert.match(
      m[0]!,
      /^custom-resources-after-their-operator: Issuer external-secrets\/bitwarden-selfsigned \(cert-manager\.io\/v1, Pulumi name secrets-issuer\) has no dependency path to Helm release edge-cert-manager \(chart cert-manager\)/,
    );
    assert.match(m[1]!, /Certificate external-secrets\/bitwarden-sdk-server .* Make it \(or its component\) depend on edge-cert-manager\./);
    assert.match(
      m[2]!,
      /^releases-after-the-secrets-they-mount: Helm release secrets-operator \(chart external-secrets\) mounts Secret external-secrets\/bitwarden-tls-certs, which Certificate external-secrets\/bitwarden-sdk-server .* \(atomic\) fails and rolls back/,
    );
  });

  it("accept the fix made on the resources themselves", async () => {
    const fixed = todaysLayout().map((r) =>
      r.name === "secrets-issuer"
        ? { ...r, dependencies: [urnOf("edge-cert-manager")] }
        : r.name === "secrets-operator"
          ? { ...r, dependencies: [urnOf("secrets-certificate")] }
          : r,
    );
    assert.deepEqual(await messages(fixed), []);
  });

  it("accept the fix made on their component: a child registers only after its component's dependencies", async () => {
    // cert-manager moved out of the edge into a component of its own, and the secrets component waits for it.
    const fixed = [
      ...plan(res("addons", COMPONENT, {})),
      ...todaysLayout().map((r) =>
        r.name === "edge-cert-manager"
          ? { ...r, opts: { parent: urnOf("addons") } }
          : r.name === "secrets"
            ? { ...r, dependencies: [urnOf("ns-external-secrets"), urnOf("edge-cert-manager")] }
            : r,
      ),
    ];
    const m = await messages(fixed);
    assert.deepEqual(
      m.filter((x) => x.startsWith("custom-resources")),
      [],
    );
    // The release still does not wait for the Certificate: cert-manager existing does not issue it.
    assert.equal(m.filter((x) => x.startsWith("releases-after")).length, 1);
  });

  it("refuse a custom resource when nothing in the stack installs its operator, unless the chart is preinstalled", async () => {
    const alone = plan(res("monitor", "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", { metadata: { name: "vllm", namespace: "llm-inference" } }));
    assert.match(
      (await messages(alone))[0]!,
      /nothing in the stack installs Prometheus Operator \(chart kube-prometheus-stack or prometheus-operator-crds or prometheus-operator\).*preinstalledCharts/,
    );
    assert.deepEqual(await messages(alone, { preinstalledCharts: ["kube-prometheus-stack"] }), []);
    assert.equal((await messages(alone, { preinstalledCharts: ["cert-manager"] })).length, 1);
  });

  it("treat any CRD-backed group as operator-backed: a CustomResourceDefinition in the plan is its installer", async () => {
    const crd = res("widget-crd", "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", { spec: { group: "example.com" } });
    const widget = (deps: string[]) => res("widget", "kubernetes:example.com/v1:Widget", { metadata: { name: "w" } }, { dependencies: deps });
    assert.match((await messages(plan(crd, widget([]))))[0]!, /Widget w \(example\.com\/v1.*no dependency path to CustomResourceDefinition/);
    assert.deepEqual(await messages(plan(crd, widget(["widget-crd"]))), []);
    assert.match((await messages(plan(widget([]))))[0]!, /example\.com is served through a CRD.*CRD_INSTALLERS in policies\/ordering\.ts/);
  });

  it("leave the API server's own kinds alone and know the operator groups", () => {
    for (const t of ["kubernetes:core/v1:Secret", "kubernetes:apps/v1:Deployment", "kubernetes:networking.k8s.io/v1:NetworkPolicy", RELEASE])
      assert.equal(isCustomResourceType(t), false, t);
    for (const t of [
      ISSUER,
      "kubernetes:external-secrets.io/v1:ExternalSecret",
      "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
      "kubernetes:keda.sh/v1alpha1:ScaledObject",
      "kubernetes:resource.k8s.io/v1:ResourceClaim",
    ]) {
      assert.equal(isCustomResourceType(t), true, t);
    }
  });

  it("do not ask a release to wait for a Secret its pods do not mount (SDK server disabled)", async () => {
    const layout = todaysLayout().map((r) =>
      r.name === "secrets-operator" ? { ...r, props: { ...r.props, values: { "bitwarden-sdk-server": { enabled: false } } } } : r,
    );
    assert.deepEqual(
      (await messages(layout)).filter((m) => m.startsWith("releases-after")),
      [],
    );
  });
});

describe("ordering policies on the fixture stacks", () => {
  for (const stack of ["prod", "dev"] as const) {
    it(`${stack}: refuse exactly the custom resources that do not wait for their installer (checked by an independent walk of the deploy order)`, async () => {
      const { resources, order } = await planned(stack);
      const charts: Record<string, string> = { "cert-manager.io": "cert-manager", "external-secrets.io": "external-secrets" };
      const expected: string[] = [];
      for (const r of resources) {
        const group = /^kubernetes:([^/]+)\//.exec(r.type)?.[1];
        const chart = group && charts[group];
        if (!chart) continue;
        const installers = resources.filter((x) => x.props.chart === chart);
        if (!installers.some((i) => waitsTransitively(order, r.urn, i.urn))) expected.push(r.name);
      }
      const found = (await evaluatePolicies(resources, undefined, [customResourcesAfterTheirOperator])).map((v) => v.resource ?? v.urn);
      assert.deepEqual(found.map((u) => resources.find((r) => r.urn === u || r.name === u)?.name).sort(), expected.sort());
    });
  }

  it("prod: the ordering the stack now has passes, and cutting the Issuer loose from cert-manager is refused naming both", async () => {
    const { resources } = await planned("prod");
    assert.deepEqual(await messages(resources), []);
    const dev = await planned("dev");
    const issuer = dev.resources.find((r) => r.type === ISSUER)!;
    const cut = structuredClone(dev.resources).map((r) => (r.urn === issuer.urn ? { ...r, dependencies: [], opts: { ...r.opts, parent: undefined } } : r));
    const m = await messages(cut);
    assert.equal(m.length, 1, m.join("\n"));
    assert.match(
      m[0]!,
      new RegExp(
        `Issuer external-secrets/${issuer.props.metadata.name} .* has no dependency path to Helm release addons-cert-manager \\(chart cert-manager\\)`,
      ),
    );
  });
});
