import { strict as assert } from "node:assert";
import { chartName, isCustomResourceType, kubernetesGroupOf, producedSecret, SECRETS_MOUNTED_BY_CHART } from "../../policies/ordering";

/** The ordering policies' readers of a plan (#23): what a resource produces, what a chart mounts, which kinds are custom resources. */
describe("ordering helpers (#23)", () => {
  it("the Secret a resource creates or has an operator create", () => {
    const r = (type: string, props: Record<string, any>) => ({ type, props });
    assert.equal(producedSecret(r("kubernetes:core/v1:Secret", { metadata: { name: "s", namespace: "a" } })), "a/s");
    assert.equal(producedSecret(r("kubernetes:core/v1:Secret", { metadata: { name: "s" } })), "default/s");
    assert.equal(producedSecret(r("kubernetes:core/v1:ConfigMap", { metadata: { name: "s", namespace: "a" } })), undefined);
    assert.equal(
      producedSecret(r("kubernetes:cert-manager.io/v1:Certificate", { metadata: { name: "c", namespace: "a" }, spec: { secretName: "tls" } })),
      "a/tls",
    );
    assert.equal(producedSecret(r("kubernetes:cert-manager.io/v1:Certificate", { metadata: { name: "c", namespace: "a" }, spec: {} })), undefined);
    assert.equal(
      producedSecret(r("kubernetes:cert-manager.io/v1:Issuer", { metadata: { name: "c", namespace: "a" }, spec: { secretName: "tls" } })),
      undefined,
    );
    assert.equal(
      producedSecret(r("kubernetes:external-secrets.io/v1:ExternalSecret", { metadata: { name: "e", namespace: "a" }, spec: { target: { name: "t" } } })),
      "a/t",
    );
    assert.equal(producedSecret(r("kubernetes:external-secrets.io/v1:ExternalSecret", { metadata: { name: "e", namespace: "a" }, spec: {} })), "a/e");
    assert.equal(producedSecret(r("kubernetes:external-secrets.io/v1:SecretStore", { metadata: { name: "e", namespace: "a" }, spec: {} })), undefined);
    assert.equal(producedSecret(r("random:index/randomPassword:RandomPassword", { metadata: { name: "p" } })), undefined);
  });

  it("the Secrets the external-secrets chart mounts: the Bitwarden SDK server's TLS volumes when it is on", () => {
    const mounted = SECRETS_MOUNTED_BY_CHART["external-secrets"]!;
    assert.deepEqual(mounted({}), []);
    assert.deepEqual(mounted({ "bitwarden-sdk-server": { enabled: false } }), []);
    assert.deepEqual(mounted({ "bitwarden-sdk-server": { enabled: true } }), ["bitwarden-tls-certs"]);
    assert.deepEqual(mounted({ "bitwarden-sdk-server": { enabled: true, image: { tls: { enabled: false } } } }), []);
    assert.deepEqual(
      mounted({ "bitwarden-sdk-server": { enabled: true, image: { tls: { volumes: [{ secret: { secretName: "mine" } }, { emptyDir: {} }] } } } }),
      ["mine"],
    );
  });

  it("group, version and kind of a type; custom resources; chart names", () => {
    assert.deepEqual(kubernetesGroupOf("kubernetes:cert-manager.io/v1:Issuer"), { group: "cert-manager.io", version: "v1", kind: "Issuer" });
    assert.equal(kubernetesGroupOf("kubernetes:cert-manager.io/v1:Issuer:x"), undefined);
    assert.equal(kubernetesGroupOf("xkubernetes:core/v1:Secret"), undefined);
    assert.equal(kubernetesGroupOf("random:index/randomPassword:RandomPassword"), undefined);
    assert.equal(isCustomResourceType("kubernetes:cert-manager.io/v1:Issuer"), true);
    assert.equal(isCustomResourceType("kubernetes:acme.example.com/v1:Widget"), true);
    assert.equal(isCustomResourceType("kubernetes:apps/v1:Deployment"), false);
    assert.equal(isCustomResourceType("kubernetes:core/v1:Secret"), false);
    assert.equal(isCustomResourceType("random:index/randomPassword:RandomPassword"), false);
    assert.equal(chartName({ type: "kubernetes:helm.sh/v3:Release", props: { chart: "oci://quay.io/jetstack/charts/cert-manager" } }), "cert-manager");
    assert.equal(chartName({ type: "kubernetes:helm.sh/v4:Chart", props: { chart: "jetstack/cert-manager/" } }), "cert-manager");
    assert.equal(chartName({ type: "kubernetes:helm.sh/v3:Release", props: {} }), undefined);
    assert.equal(chartName({ type: "kubernetes:apps/v1:Deployment", props: { chart: "x" } }), undefined);
  });
});
