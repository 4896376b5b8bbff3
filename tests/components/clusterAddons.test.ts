import { strict as assert } from "node:assert";
import { ClusterAddons } from "../../components/clusterAddons";
import { certManagerValues, externalSecretsValues, ingressNginxValues } from "../../components/specs/addons";
import { chartValuesErrors } from "../fixtures/chartSchemas";
import { kubernetesNames, renderComponents, unwrap, valueOf, type Rendering } from "../fixtures/components";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const ISSUER = "kubernetes:cert-manager.io/v1:Issuer";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";

describe("ClusterAddons", () => {
  describe("chart values", () => {
    it("installs cert-manager with its CRDs kept on uninstall, values its schema accepts", () => {
      assert.deepEqual(certManagerValues().crds, { enabled: true, keep: true });
      assert.deepEqual(chartValuesErrors("cert-manager-v1.21.1.values.schema.json", certManagerValues()), []);
      assert.notDeepEqual(chartValuesErrors("cert-manager-v1.21.1.values.schema.json", { installCRDz: true }), [], "unknown keys are refused");
    });

    it("gives the external-secrets chart values its schema accepts, the SDK server only when asked", () => {
      for (const sdk of [true, false]) {
        assert.deepEqual(chartValuesErrors("external-secrets-2.9.0.values.schema.json", externalSecretsValues(sdk)), []);
        assert.equal((externalSecretsValues(sdk)["bitwarden-sdk-server"] as any).enabled, sdk);
      }
      assert.notDeepEqual(chartValuesErrors("external-secrets-2.9.0.values.schema.json", { "bitwarden-sdk-server": { enabled: "yes" } }), []);
    });

    it("configures ingress-nginx for 308 redirects, HSTS and 429s, keeping client IPs, owning only its class", () => {
      const values = ingressNginxValues({ replicas: 2, ingressClassName: "edge-nginx", hsts: { maxAgeSeconds: 600, includeSubdomains: false, preload: true } }) as any;
      const config = values.controller.config;
      assert.equal(config["http-redirect-code"], "308");
      assert.deepEqual([config.hsts, config["hsts-max-age"], config["hsts-include-subdomains"], config["hsts-preload"]], ["true", "600", "false", "true"]);
      assert.equal(config["limit-req-status-code"], "429");
      assert.equal(config["limit-conn-status-code"], "429");
      assert.equal(config["allow-snippet-annotations"], "false", "snippets stay off (CVE-2025-1974 class)");
      assert.equal(values.controller.service.externalTrafficPolicy, "Local", "client IPs reach the per-client limits");
      assert.equal(values.controller.replicaCount, 2);
      assert.deepEqual(values.controller.ingressClassResource, { name: "edge-nginx", default: false, controllerValue: "k8s.io/edge-nginx" });
    });
  });

  describe("component", () => {
    let all: Rendering;
    let none: Rendering;
    let outputs: { installed: string[]; ingressClassName: string; sdk: string; gpu: string };
    before(async () => {
      all = await renderComponents(() => {
        const addons = new ClusterAddons("addons", {
          certManager: { namespace: "cert-manager" },
          externalSecrets: { namespace: "external-secrets", bitwardenSdkServer: true },
          ingressNginx: { namespace: "ingress-nginx", replicas: 1, ingressClassName: "nginx" },
          gpuDevicePlugin: { namespace: "nvidia-device-plugin", mode: "time-slicing", replicas: 4 },
        });
        // A second stack's add-ons beside the first, in its own namespaces: every name derives from the component name.
        new ClusterAddons("staging-addons", {
          certManager: { namespace: "staging-cert-manager" },
          externalSecrets: { namespace: "staging-external-secrets", bitwardenSdkServer: true },
          ingressNginx: { namespace: "staging-ingress-nginx" },
        });
        return addons;
      });
      const addons = (all as unknown as { result: ClusterAddons }).result;
      outputs = {
        installed: await valueOf(addons.installed),
        ingressClassName: await valueOf(addons.ingressClassName),
        sdk: await valueOf(addons.bitwardenSdkServerUrl),
        gpu: await valueOf(addons.gpuResourceName),
      };
      none = await renderComponents(() => new ClusterAddons("bare", { externalSecrets: { namespace: "external-secrets" } }));
    });

    it("installs exactly the add-ons asked for, each a pinned release named after the component", () => {
      assert.deepEqual(outputs.installed, ["cert-manager", "external-secrets", "ingress-nginx", "gpu-device-plugin"]);
      const releases = all.ofType(RELEASE).filter((r) => r.parent?.endsWith("::addons") || r.parent?.includes("::addons-gpu"));
      assert.deepEqual(
        releases.map((r) => [unwrap(r.inputs).name, unwrap(r.inputs).chart, unwrap(r.inputs).version]).sort(),
        [
          ["addons-cert-manager", "cert-manager", "v1.21.1"],
          ["addons-external-secrets", "external-secrets", "2.9.0"],
          ["addons-gpu-device-plugin", "nvidia-device-plugin", "0.17.4"],
          ["addons-ingress-nginx", "ingress-nginx", "4.15.1"],
        ],
      );
      assert.deepEqual(none.ofType(RELEASE).map((r) => unwrap(r.inputs).chart), ["external-secrets"], "nothing the stack does not use");
      assert.equal(none.ofType(ISSUER).length, 0, "no SDK server, no certificate");
    });

    it("orders External Secrets after the SDK server's certificate, which waits for cert-manager", () => {
      const certManager = all.get(RELEASE, "addons-cert-manager").urn;
      const issuer = all.get(ISSUER, "addons-bitwarden-issuer");
      const certificate = all.get(CERTIFICATE, "addons-bitwarden-certificate");
      const eso = all.get(RELEASE, "addons-external-secrets");
      assert.ok(issuer.dependencies.includes(certManager), "the Issuer's CRD comes with cert-manager");
      assert.ok(certificate.dependencies.includes(certManager) && certificate.dependencies.includes(issuer.urn));
      assert.ok(eso.dependencies.includes(certificate.urn), "the atomic release waits for a pod that mounts the certificate's Secret");
      assert.deepEqual(all.get(RELEASE, "addons-cert-manager").dependencies, []);
    });

    it("issues the SDK server a certificate for its Service names and exposes its URL", () => {
      const spec = unwrap(all.get(CERTIFICATE, "addons-bitwarden-certificate").inputs).spec;
      assert.equal(spec.secretName, "bitwarden-tls-certs", "the name the bitwarden-sdk-server subchart mounts");
      assert.deepEqual(spec.dnsNames, ["bitwarden-sdk-server", "bitwarden-sdk-server.external-secrets.svc", "bitwarden-sdk-server.external-secrets.svc.cluster.local"]);
      assert.deepEqual(spec.issuerRef, { name: "addons-bitwarden-selfsigned", kind: "Issuer", group: "cert-manager.io" });
      assert.equal(outputs.sdk, "https://bitwarden-sdk-server.external-secrets.svc.cluster.local:9998");
    });

    it("refuses a Bitwarden SDK server without cert-manager, naming the fix", async () => {
      await assert.rejects(
        renderComponents(() => new ClusterAddons("broken", { externalSecrets: { namespace: "external-secrets", bitwardenSdkServer: true } })),
        /externalSecrets\.bitwardenSdkServer needs certManager/,
      );
    });

    it("exposes the ingress class and the GPU resource name", () => {
      assert.equal(outputs.ingressClassName, "nginx");
      assert.equal(outputs.gpu, "nvidia.com/gpu");
    });

    it("parents every child to the component (the device plugin through its GpuTimeSlicing)", () => {
      const component = all.get("llm-platform:index:ClusterAddons", "addons").urn;
      const plugin = all.get("llm-platform:index:GpuTimeSlicing", "addons-gpu");
      assert.equal(plugin.parent, component);
      assert.equal(all.get(RELEASE, "addons-gpu-device-plugin").parent, plugin.urn);
      for (const r of all.resources.filter((x) => x.name.startsWith("addons-") && x.type !== "llm-platform:index:GpuTimeSlicing" && x.name !== "addons-gpu-device-plugin")) {
        assert.equal(r.parent, component, r.name);
      }
    });

    it("lets two instances coexist: no Kubernetes name collides", () => {
      const names = kubernetesNames(all.resources);
      assert.equal(new Set(names).size, names.length, names.join("\n"));
      assert.equal(unwrap(all.get(RELEASE, "staging-addons-ingress-nginx").inputs).values.controller.ingressClassResource.name, "staging-addons-nginx");
    });
  });
});
