import { strict as assert } from "node:assert";
import { certmanager } from "../../../components/crds";
import { installMocks, settle } from "../../fixtures/mocks";

describe("typed cert-manager resources (crd2pulumi layout)", () => {
  it("carry the Kubernetes provider's type tokens", () => {
    assert.equal(certmanager.v1.Certificate.__pulumiType, "kubernetes:cert-manager.io/v1:Certificate");
    assert.equal(certmanager.v1.ClusterIssuer.__pulumiType, "kubernetes:cert-manager.io/v1:ClusterIssuer");
    assert.equal(certmanager.v1.Issuer.__pulumiType, "kubernetes:cert-manager.io/v1:Issuer");
  });

  it("register apiVersion, kind, metadata and spec, and are recognised by isInstance", async () => {
    const recorded = installMocks();
    const cert = new certmanager.v1.Certificate("c", {
      metadata: { name: "tls", namespace: "gw" },
      spec: { secretName: "tls", dnsNames: ["a.example.com"], issuerRef: { name: "letsencrypt-staging", kind: "ClusterIssuer" } },
    });
    await settle();
    const r = recorded.find((x) => x.name === "c")!;
    assert.equal(r.type, "kubernetes:cert-manager.io/v1:Certificate");
    assert.equal(r.inputs.apiVersion, "cert-manager.io/v1");
    assert.equal(r.inputs.kind, "Certificate");
    assert.deepEqual(r.inputs.spec.dnsNames, ["a.example.com"]);
    assert.ok(certmanager.v1.Certificate.isInstance(cert));
    assert.ok(!certmanager.v1.ClusterIssuer.isInstance(cert));
    assert.ok(!certmanager.v1.Certificate.isInstance(undefined));
  });

  it("look up existing objects by ID without inputs", async () => {
    const recorded = installMocks();
    certmanager.v1.ClusterIssuer.get("existing", "letsencrypt-production");
    await settle();
    const read = recorded.filter((x) => x.name === "existing");
    assert.equal(read.length, 1);
    assert.equal(read[0]!.type, "kubernetes:cert-manager.io/v1:ClusterIssuer");
    assert.equal(read[0]!.inputs.spec, undefined, "a get sends no desired state");
  });
});
