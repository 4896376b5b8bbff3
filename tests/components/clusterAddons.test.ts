import { strict as assert } from "node:assert";
import { ClusterAddons } from "../../components/clusterAddons";
import { certManagerValues, chartReference, externalSecretsValues, ingressNginxValues, nginxGatewayFabricValues } from "../../components/specs/addons";
import { draDriverValues, kedaValues, nodeFeatureDiscoveryValues } from "../../components/specs/modeAddons";
import { chartValuesErrors } from "../fixtures/chartSchemas";
import { kubernetesNames, renderComponents, unwrap, valueOf, type Rendering } from "../fixtures/components";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const ISSUER = "kubernetes:cert-manager.io/v1:Issuer";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";
const CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile";

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
      const values = ingressNginxValues({
        replicas: 2,
        ingressClassName: "edge-nginx",
        hsts: { maxAgeSeconds: 600, includeSubdomains: false, preload: true },
      }) as any;
      const config = values.controller.config;
      assert.equal(config["http-redirect-code"], "308");
      assert.deepEqual([config.hsts, config["hsts-max-age"], config["hsts-include-subdomains"], config["hsts-preload"]], ["true", "600", "false", "true"]);
      assert.equal(config["limit-req-status-code"], "429");
      assert.equal(config["limit-conn-status-code"], "429");
      assert.equal(config["allow-snippet-annotations"], "false", "snippets stay off (CVE-2025-1974 class)");
      assert.equal(values.controller.service.externalTrafficPolicy, "Local", "client IPs reach the per-client limits");
      assert.equal(values.controller.replicaCount, 2);
      assert.deepEqual(values.controller.ingressClassResource, { name: "edge-nginx", default: false, controllerValue: "k8s.io/edge-nginx" });
      assert.deepEqual([config["client-body-timeout"], config["client-header-timeout"]], ["30", "30"], "a slow client is cut after 30 s by default");
      const slow = ingressNginxValues({
        replicas: 1,
        ingressClassName: "x",
        hsts: { maxAgeSeconds: 1, includeSubdomains: true, preload: false },
        clientTimeoutSeconds: 12,
      }) as any;
      assert.deepEqual([slow.controller.config["client-body-timeout"], slow.controller.config["client-header-timeout"]], ["12", "12"]);
    });

    it("turns on cert-manager's Gateway API support only when asked, in values its schema accepts", () => {
      const on = certManagerValues(undefined, true) as any;
      assert.deepEqual(on.config, { apiVersion: "controller.config.cert-manager.io/v1alpha1", kind: "ControllerConfiguration", gatewayAPI: { enabled: true } });
      assert.deepEqual(chartValuesErrors("cert-manager-v1.21.1.values.schema.json", on), []);
      assert.equal((certManagerValues() as any).config, undefined);
    });

    it("configures NGINX Gateway Fabric with a named class and controller, client addresses kept and snippets off, in values its schema accepts", () => {
      const values = nginxGatewayFabricValues({
        gatewayClassName: "edge-nginx",
        controllerName: "gateway.nginx.org/edge-controller",
        dataPlaneReplicas: 3,
        serviceType: "NodePort",
      }) as any;
      assert.deepEqual(chartValuesErrors("nginx-gateway-fabric-2.6.7.values.schema.json", values), []);
      assert.equal(values.nginxGateway.gatewayClassName, "edge-nginx");
      assert.equal(values.nginxGateway.gatewayControllerName, "gateway.nginx.org/edge-controller");
      assert.deepEqual(
        [values.nginxGateway.snippets.enable, values.nginxGateway.snippetsFilters.enable],
        [false, false],
        "no NGINX config injection by route owners",
      );
      assert.equal(values.nginxGateway.productTelemetry.enable, false, "no egress to the vendor");
      assert.deepEqual(values.nginx.service, { type: "NodePort", externalTrafficPolicy: "Local" }, "client addresses reach the per-client limits");
      assert.equal(values.nginx.replicas, 3);
      assert.notDeepEqual(
        chartValuesErrors("nginx-gateway-fabric-2.6.7.values.schema.json", { nginxGateway: { gatewayControllerName: "example.com/edge" } }),
        [],
        "the chart refuses a controller outside gateway.nginx.org",
      );
      assert.notDeepEqual(chartValuesErrors("nginx-gateway-fabric-2.6.7.values.schema.json", { nginx: { service: { externalTrafficPolicy: "Both" } } }), []);
    });

    it("addresses OCI charts in full and classic ones through their repository", () => {
      assert.deepEqual(chartReference({ chart: "nginx-gateway-fabric", repository: "oci://ghcr.io/nginx/charts" }), {
        chart: "oci://ghcr.io/nginx/charts/nginx-gateway-fabric",
      });
      assert.deepEqual(chartReference({ chart: "cert-manager", repository: "https://charts.jetstack.io" }), {
        chart: "cert-manager",
        repositoryOpts: { repo: "https://charts.jetstack.io" },
      });
    });
  });

  describe("component", () => {
    let all: Rendering;
    let none: Rendering;
    let gatewayApi: Rendering;
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
      gatewayApi = await renderComponents(() => {
        const gw = new ClusterAddons("gw", {
          certManager: { namespace: "cert-manager", gatewayApi: true },
          nginxGatewayFabric: { namespace: "nginx-gateway", dataPlaneReplicas: 3, gatewayApiVersion: "v1.5.0" },
        });
        new ClusterAddons("gw-b", { nginxGatewayFabric: { namespace: "nginx-gateway-b" } });
        return gw;
      });
    });

    it("installs exactly the add-ons asked for, each a pinned release named after the component", () => {
      assert.deepEqual(outputs.installed, ["cert-manager", "external-secrets", "ingress-nginx", "gpu-device-plugin"]);
      const releases = all.ofType(RELEASE).filter((r) => r.parent?.endsWith("::addons") || r.parent?.includes("::addons-gpu"));
      assert.deepEqual(releases.map((r) => [unwrap(r.inputs).name, unwrap(r.inputs).chart, unwrap(r.inputs).version]).sort(), [
        ["addons-cert-manager", "cert-manager", "v1.21.1"],
        ["addons-external-secrets", "external-secrets", "2.9.0"],
        ["addons-gpu-device-plugin", "nvidia-device-plugin", "0.17.4"],
        ["addons-ingress-nginx", "ingress-nginx", "4.15.1"],
      ]);
      assert.deepEqual(
        none.ofType(RELEASE).map((r) => unwrap(r.inputs).chart),
        ["external-secrets"],
        "nothing the stack does not use",
      );
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
      assert.deepEqual(spec.dnsNames, [
        "bitwarden-sdk-server",
        "bitwarden-sdk-server.external-secrets.svc",
        "bitwarden-sdk-server.external-secrets.svc.cluster.local",
      ]);
      assert.deepEqual(spec.issuerRef, { name: "addons-bitwarden-selfsigned", kind: "Issuer", group: "cert-manager.io" });
      assert.equal(outputs.sdk, "https://bitwarden-sdk-server.external-secrets.svc.cluster.local:9998");
    });

    it("refuses a Bitwarden SDK server without cert-manager, naming the fix", async () => {
      await assert.rejects(
        renderComponents(() => new ClusterAddons("broken", { externalSecrets: { namespace: "external-secrets", bitwardenSdkServer: true } })),
        /externalSecrets\.bitwardenSdkServer needs certManager/,
      );
    });

    it("installs NGINX Gateway Fabric from its OCI chart after the Gateway API CRDs, and cert-manager's Gateway API support after them too", async () => {
      const crds = gatewayApi.get(CONFIG_FILE, "gw-gateway-api-crds");
      assert.equal(unwrap(crds.inputs).file, "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.0/standard-install.yaml");
      const ngf = gatewayApi.get(RELEASE, "gw-nginx-gateway-fabric");
      const inputs = unwrap(ngf.inputs);
      assert.deepEqual(
        [inputs.name, inputs.chart, inputs.version, inputs.repositoryOpts, inputs.namespace],
        ["gw-nginx-gateway-fabric", "oci://ghcr.io/nginx/charts/nginx-gateway-fabric", "2.6.7", undefined, "nginx-gateway"],
      );
      assert.deepEqual(
        [inputs.values.nginxGateway.gatewayClassName, inputs.values.nginxGateway.gatewayControllerName, inputs.values.nginx.replicas],
        ["gw-nginx", "gateway.nginx.org/gw-nginx-gateway-controller", 3],
      );
      assert.ok(ngf.dependencies.includes(crds.urn), "the controller starts only once the Gateway API CRDs exist");
      const certManager = gatewayApi.get(RELEASE, "gw-cert-manager");
      assert.ok(certManager.dependencies.includes(crds.urn), "cert-manager watches HTTPRoutes from start-up");
      assert.deepEqual(unwrap(certManager.inputs).values.config.gatewayAPI, { enabled: true });
      assert.deepEqual(all.get(RELEASE, "addons-cert-manager").dependencies, [], "without the Gateway API, cert-manager waits for nothing");
      const addons = (gatewayApi as unknown as { result: ClusterAddons }).result;
      assert.deepEqual(await valueOf(addons.installed), ["gateway-api-crds", "cert-manager", "nginx-gateway-fabric"]);
      assert.equal(await valueOf(addons.gatewayClassName), "gw-nginx");
      assert.equal(await valueOf(addons.ingressClassName), "");
      assert.equal(crds.parent, gatewayApi.get("llm-platform:index:ClusterAddons", "gw").urn);
    });

    it("refuses cert-manager's Gateway API support without the CRDs' installer, naming the fix", async () => {
      await assert.rejects(
        renderComponents(() => new ClusterAddons("broken", { certManager: { namespace: "cert-manager", gatewayApi: true } })),
        /certManager\.gatewayApi needs nginxGatewayFabric/,
      );
    });

    it("lets two Gateway API installations coexist: distinct GatewayClasses and controller names", () => {
      const names = kubernetesNames(gatewayApi.resources);
      assert.equal(new Set(names).size, names.length, names.join("\n"));
      const classOf = (release: string) => unwrap(gatewayApi.get(RELEASE, release).inputs).values.nginxGateway;
      assert.notEqual(classOf("gw-nginx-gateway-fabric").gatewayClassName, classOf("gw-b-nginx-gateway-fabric").gatewayClassName);
      assert.notEqual(classOf("gw-nginx-gateway-fabric").gatewayControllerName, classOf("gw-b-nginx-gateway-fabric").gatewayControllerName);
    });

    it("exposes the ingress class and the GPU resource name", () => {
      assert.equal(outputs.ingressClassName, "nginx");
      assert.equal(outputs.gpu, "nvidia.com/gpu");
    });

    it("parents every child to the component (the device plugin through its GpuTimeSlicing)", () => {
      const component = all.get("llm-platform:index:ClusterAddons", "addons").urn;
      const plugin = all.get("llm-platform:index:GpuTimeSlicing", "addons-gpu");
      assert.equal(plugin.parent, component);
      const pluginChildren = ["addons-gpu-device-plugin", "addons-gpu-nfd-crds"];
      for (const child of pluginChildren) assert.equal(all.resources.find((r) => r.name === child)!.parent, plugin.urn, child);
      for (const r of all.resources.filter(
        (x) => x.name.startsWith("addons-") && x.type !== "llm-platform:index:GpuTimeSlicing" && !pluginChildren.includes(x.name),
      )) {
        assert.equal(r.parent, component, r.name);
      }
    });

    it("lets two instances coexist: no Kubernetes name collides", () => {
      const names = kubernetesNames(all.resources);
      assert.equal(new Set(names).size, names.length, names.join("\n"));
      assert.equal(unwrap(all.get(RELEASE, "staging-addons-ingress-nginx").inputs).values.controller.ingressClassResource.name, "staging-addons-nginx");
    });
  });

  describe("Node Feature Discovery beside the DRA driver (nodeFeatureDiscovery)", () => {
    const GPU_TOLERATION = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };
    let nfd: Rendering;
    let installed: string[];
    before(async () => {
      nfd = await renderComponents(() => {
        const addons = new ClusterAddons("addons", {
          draDriver: { namespace: "nvidia-device-plugin" },
          nodeFeatureDiscovery: { namespace: "nvidia-device-plugin", tolerations: [GPU_TOLERATION] },
        });
        new ClusterAddons("b", { nodeFeatureDiscovery: { namespace: "b-gpu", chartVersion: "0.18.3", valuesOverride: { gc: { enable: false } } } });
        return addons;
      });
      installed = await valueOf((nfd as unknown as { result: ClusterAddons }).result.installed);
    });

    /**
     * The label nfd-worker's PCI source publishes for a device (v0.19.0 source/pci/pci.go GetLabels): a
     * device whose class starts with a whitelisted class is named by its attributes in the order class,
     * vendor, device, subsystem_vendor, subsystem_device, those configured joined by "_"; the master
     * prefixes feature.node.kubernetes.io/ and the source name.
     */
    function pciLabel(config: { deviceClassWhitelist: string[]; deviceLabelFields: string[] }, device: Record<string, string>): string | undefined {
      if (!config.deviceClassWhitelist.some((c) => device.class!.startsWith(c.toLowerCase()))) return undefined;
      const fields = ["class", "vendor", "device", "subsystem_vendor", "subsystem_device"].filter((f) => config.deviceLabelFields.includes(f));
      return `feature.node.kubernetes.io/pci-${fields.map((f) => device[f]).join("_")}.present`;
    }

    it("installs node-feature-discovery 0.19.0 from the kubernetes-sigs chart repository, after its CRDs from the same release, named after the component", () => {
      assert.deepEqual(installed, ["dra-driver", "nfd-crds", "node-feature-discovery"]);
      const release = nfd.get(RELEASE, "addons-node-feature-discovery");
      const r = unwrap(release.inputs);
      assert.deepEqual(
        [r.name, r.chart, r.repositoryOpts.repo, r.version, r.namespace],
        [
          "addons-node-feature-discovery",
          "node-feature-discovery",
          "https://kubernetes-sigs.github.io/node-feature-discovery/charts",
          "0.19.0",
          "nvidia-device-plugin",
        ],
      );
      assert.deepEqual([r.atomic, r.skipCrds], [true, true], "Pulumi applies and upgrades the CRDs; Helm would install crds/ once and never upgrade them");
      const crds = nfd.get(CONFIG_FILE, "addons-nfd-crds");
      assert.equal(
        unwrap(crds.inputs).file,
        "https://raw.githubusercontent.com/kubernetes-sigs/node-feature-discovery/v0.19.0/deployment/base/nfd-crds/nfd-api-crds.yaml",
      );
      assert.ok(release.dependencies.includes(crds.urn), "the master and workers use NodeFeature objects from start-up");
      assert.equal(
        unwrap(nfd.get(CONFIG_FILE, "b-nfd-crds").inputs).file,
        "https://raw.githubusercontent.com/kubernetes-sigs/node-feature-discovery/v0.18.3/deployment/base/nfd-crds/nfd-api-crds.yaml",
        "the CRDs follow the chart version",
      );
      assert.equal(unwrap(nfd.get(RELEASE, "b-node-feature-discovery").inputs).version, "0.18.3");
    });

    it("the DRA driver does not wait for NFD (its kubelet plugin is scheduled once the label appears), and other releases keep Helm's CRDs", () => {
      const driver = nfd.get(RELEASE, "addons-dra-driver");
      assert.ok(!driver.dependencies.includes(nfd.get(RELEASE, "addons-node-feature-discovery").urn));
      assert.equal(unwrap(driver.inputs).skipCrds, undefined);
    });

    it("labels a node with an NVIDIA GPU pci-10de.present — 3D controller (0302) or VGA (0300) — and publishes no other source's labels", () => {
      const worker = (nodeFeatureDiscoveryValues({}) as any).worker.config;
      assert.deepEqual(worker.core, { featureSources: ["pci"], labelSources: ["pci"] });
      const label = "feature.node.kubernetes.io/pci-10de.present";
      assert.equal(pciLabel(worker.sources.pci, { class: "0302", vendor: "10de", device: "2330" }), label, "H100 SXM: 3D controller");
      assert.equal(pciLabel(worker.sources.pci, { class: "0300", vendor: "10de", device: "2204" }), label, "RTX 3090: VGA controller");
      assert.equal(pciLabel(worker.sources.pci, { class: "0200", vendor: "15b3", device: "101d" }), undefined, "a NIC is not labelled");
      // NFD's own default (deviceLabelFields [class, vendor]) names the card by class too: not what host.gpuNodeSelector selects.
      assert.equal(
        pciLabel({ deviceClassWhitelist: ["03"], deviceLabelFields: ["class", "vendor"] }, { class: "0302", vendor: "10de" }),
        "feature.node.kubernetes.io/pci-0302_10de.present",
      );
    });

    it("lets the worker onto the tainted GPU nodes; without tolerations the chart's (none) stay; the override is merged last", () => {
      const values = unwrap(nfd.get(RELEASE, "addons-node-feature-discovery").inputs).values;
      assert.deepEqual(values.worker.tolerations, [GPU_TOLERATION]);
      const b = unwrap(nfd.get(RELEASE, "b-node-feature-discovery").inputs).values;
      assert.equal("tolerations" in b.worker, false);
      assert.deepEqual(b.gc, { enable: false });
      assert.deepEqual(b.worker.config.sources.pci.deviceLabelFields, ["vendor"], "an override of another key keeps the PCI config");
    });

    it("never installs NFD beside the device plugin: its gfd option already runs one", async () => {
      await assert.rejects(
        renderComponents(
          () =>
            new ClusterAddons("both", { nodeFeatureDiscovery: { namespace: "gpu" }, gpuDevicePlugin: { namespace: "gpu", mode: "time-slicing", replicas: 4 } }),
        ),
        /ClusterAddons both: nodeFeatureDiscovery and gpuDevicePlugin both run NFD \(the device plugin's gfd brings it\); install one of them/,
      );
    });

    it("parents its children to the component and lets two instances coexist", () => {
      const names = kubernetesNames(nfd.resources);
      assert.equal(new Set(names).size, names.length, names.join("\n"));
      for (const n of ["addons-nfd-crds", "addons-node-feature-discovery"])
        assert.equal(nfd.resources.find((r) => r.name === n)!.parent, nfd.get("llm-platform:index:ClusterAddons", "addons").urn, n);
    });
  });

  describe("GPU sharing with DRA and serving modes (draDriver, keda)", () => {
    let dra: Rendering;
    let installed: string[];
    let gpu: string;
    before(async () => {
      dra = await renderComponents(() => {
        const addons = new ClusterAddons("addons", {
          draDriver: {
            namespace: "nvidia-device-plugin",
            nodeSelector: { "feature.node.kubernetes.io/pci-10de.present": "true" },
            tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
          },
          keda: { namespace: "keda", valuesOverride: { operator: { replicaCount: 2 } } },
        });
        new ClusterAddons("b", {
          draDriver: { namespace: "b-gpu", chartVersion: "0.4.0", nvidiaDriverRoot: "/run/nvidia/driver" },
          keda: { namespace: "b-keda" },
        });
        return addons;
      });
      const addons = (dra as unknown as { result: ClusterAddons }).result;
      installed = await valueOf(addons.installed);
      gpu = await valueOf(addons.gpuResourceName);
    });

    it("installs NVIDIA's DRA driver from its OCI chart at 0.4.1 and KEDA at 2.20.2, named after the component", () => {
      assert.deepEqual(installed, ["dra-driver", "keda"]);
      const driver = unwrap(dra.get(RELEASE, "addons-dra-driver").inputs);
      assert.deepEqual(
        [driver.name, driver.chart, driver.version, driver.namespace],
        ["addons-dra-driver", "oci://registry.k8s.io/dra-driver-nvidia/charts/dra-driver-nvidia-gpu", "0.4.1", "nvidia-device-plugin"],
      );
      const keda = unwrap(dra.get(RELEASE, "addons-keda").inputs);
      assert.deepEqual(
        [keda.name, keda.chart, keda.version, keda.repositoryOpts.repo, keda.namespace],
        ["addons-keda", "keda", "2.20.2", "https://kedacore.github.io/charts", "keda"],
      );
      // The program creates KEDA's namespace (default deny, platform/network.ts): Helm must not.
      assert.notEqual(keda.createNamespace, true);
      assert.equal(unwrap(dra.get(RELEASE, "b-dra-driver").inputs).version, "0.4.0");
      assert.equal(gpu, "", "no device plugin, no extended resource name");
    });

    it("values the DRA driver for whole GPUs only, on the GPU nodes (v0.4.1 values.yaml keys)", () => {
      const values = unwrap(dra.get(RELEASE, "addons-dra-driver").inputs).values;
      // templates/validation.yaml refuses resources.gpus.enabled without gpuResourcesEnabledOverride (the device plugin must not run beside it).
      assert.deepEqual([values.resources.gpus.enabled, values.gpuResourcesEnabledOverride], [true, true]);
      assert.equal(values.resources.computeDomains.enabled, false, "ComputeDomains are for multi-node NVLink");
      assert.equal(values.nvidiaDriverRoot, "/");
      assert.deepEqual(values.kubeletPlugin.nodeSelector, { "feature.node.kubernetes.io/pci-10de.present": "true" });
      assert.deepEqual(values.kubeletPlugin.tolerations, [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
      assert.equal(unwrap(dra.get(RELEASE, "b-dra-driver").inputs).values.nvidiaDriverRoot, "/run/nvidia/driver");
      assert.deepEqual(unwrap(dra.get(RELEASE, "b-dra-driver").inputs).values.kubeletPlugin, {}, "no selector unless given");
    });

    it("installs KEDA with its CRDs, the override merged in", () => {
      assert.deepEqual(kedaValues(), { crds: { install: true } });
      assert.deepEqual(unwrap(dra.get(RELEASE, "addons-keda").inputs).values, { crds: { install: true }, operator: { replicaCount: 2 } });
      assert.deepEqual(draDriverValues({}, { resources: { computeDomains: { enabled: true } } }).resources, {
        gpus: { enabled: true },
        computeDomains: { enabled: true },
      });
    });

    it("never installs the DRA driver beside the device plugin: both would advertise the same GPUs", async () => {
      await assert.rejects(
        renderComponents(
          () => new ClusterAddons("both", { draDriver: { namespace: "gpu" }, gpuDevicePlugin: { namespace: "gpu", mode: "time-slicing", replicas: 4 } }),
        ),
        /ClusterAddons both: draDriver and gpuDevicePlugin both advertise the GPUs of a node; install one of them/,
      );
    });

    it("lets two instances coexist: no Kubernetes name collides", () => {
      const names = kubernetesNames(dra.resources);
      assert.equal(new Set(names).size, names.length, names.join("\n"));
      for (const r of dra.ofType(RELEASE))
        assert.ok(r.parent === dra.get("llm-platform:index:ClusterAddons", unwrap(r.inputs).name.startsWith("b-") ? "b" : "addons").urn, r.name);
    });
  });
});
