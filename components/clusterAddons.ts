import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { certmanager } from "./crds";
import { GpuTimeSlicing, type GpuTimeSlicingArgs } from "./gpuTimeSlicing";
import {
  ADDON_CHARTS,
  GATEWAY_API_CRDS,
  certManagerValues,
  chartReference,
  externalSecretsValues,
  gatewayApiCrdsUrl,
  ingressNginxValues,
  nginxGatewayFabricValues,
  sdkServerCertificates,
  sdkServerUrl as sdkServerUrlOf,
} from "./specs/addons";
import type { HstsSettings } from "./specs/edge";
import { withOverride, type ChildOverride } from "./specs/merge";
import { dcgmExporterValues, kubePrometheusStackValues } from "./specs/monitoringAddons";
import { DRA_DRIVER_CHART, KEDA_CHART, NFD_CHART, draDriverValues, kedaValues, nfdReleaseCrdsUrl, nodeFeatureDiscoveryValues } from "./specs/modeAddons";

/** cert-manager: Certificates, Issuers and the ACME solver. */
export interface CertManagerAddon {
  namespace: pulumi.Input<string>;
  /** Default v1.21.1. */
  chartVersion?: pulumi.Input<string>;
  /**
   * Turn on cert-manager's Gateway API support (HTTP-01 through HTTPRoutes, Gateway annotations). It
   * watches Gateway API objects from start-up, so the CRDs come first: needs `nginxGatewayFabric`.
   */
  gatewayApi?: boolean;
  valuesOverride?: { [key: string]: any };
  /** Deep-merged into the Helm release's args. */
  releaseOverride?: ChildOverride;
}

/** External Secrets Operator, with Bitwarden's SDK server when a Bitwarden store is used. */
export interface ExternalSecretsAddon {
  namespace: pulumi.Input<string>;
  /** Default 2.9.0. */
  chartVersion?: pulumi.Input<string>;
  /** Deploy the Bitwarden SDK server with a TLS certificate from cert-manager (needs `certManager`). */
  bitwardenSdkServer?: boolean;
  valuesOverride?: { [key: string]: any };
  releaseOverride?: ChildOverride;
}

/** The ingress-nginx controller (retired upstream in March 2026; the Gateway API edge replaces it). */
export interface IngressNginxAddon {
  namespace: pulumi.Input<string>;
  /** Default 4.15.1. */
  chartVersion?: pulumi.Input<string>;
  /** Controller replicas; default 2. */
  replicas?: number;
  /** IngressClass the controller owns; default `<component name>-nginx`. */
  ingressClassName?: string;
  /** HSTS the controller adds to every HTTPS answer. */
  hsts?: HstsSettings;
  /** Seconds a client may pause while sending headers or its body; default 30. */
  clientTimeoutSeconds?: number;
  valuesOverride?: { [key: string]: any };
  releaseOverride?: ChildOverride;
}

export type { HstsSettings } from "./specs/edge";

/**
 * NGINX Gateway Fabric, the Gateway API controller of the edge, from its pinned OCI chart, after the
 * Gateway API CRDs (standard channel) it needs. Its data plane (one NGINX Deployment per Gateway) is
 * provisioned in each Gateway's namespace.
 */
export interface NginxGatewayFabricAddon {
  namespace: pulumi.Input<string>;
  /** Default 2.6.7. */
  chartVersion?: pulumi.Input<string>;
  /** Gateway API release whose standard-channel CRDs are installed first; default v1.5.1 (what NGF 2.6.7 pins). */
  gatewayApiVersion?: pulumi.Input<string>;
  /** GatewayClass the release creates (cluster-scoped); default `<component name>-nginx`. */
  gatewayClassName?: string;
  /** NGINX data-plane replicas per Gateway; default 2. */
  dataPlaneReplicas?: number;
  /** The data plane's Service type; default LoadBalancer. */
  serviceType?: string;
  valuesOverride?: { [key: string]: any };
  releaseOverride?: ChildOverride;
  /** Deep-merged into the Gateway API CRDs' ConfigFile args. */
  crdsOverride?: ChildOverride;
}

/** kube-prometheus-stack: the Prometheus operator and its CRDs, Prometheus, Alertmanager, Grafana, kube-state-metrics. */
export interface KubePrometheusStackAddon {
  /** Its pods run under the restricted Pod Security level; with `nodeExporter` the namespace must be privileged. */
  namespace: pulumi.Input<string>;
  /** Default 88.5.3. */
  chartVersion?: pulumi.Input<string>;
  /** How long Prometheus keeps samples; default 15d. */
  retention?: string;
  /** Prometheus' volume; absent: an emptyDir. */
  storage?: PrometheusStorage;
  /** Grafana with its dashboard sidecar; default true. */
  grafana?: boolean;
  /** node-exporter on every node (host network, PIDs and paths); default false. */
  nodeExporter?: boolean;
  /** Label key and value Grafana's sidecar loads dashboard ConfigMaps by; default grafana_dashboard: "1". */
  dashboardLabelKey?: string;
  dashboardLabelValue?: string;
  valuesOverride?: { [key: string]: any };
  releaseOverride?: ChildOverride;
}

export interface PrometheusStorage {
  size: string;
  storageClass?: string;
}

/** NVIDIA's DCGM exporter on the GPU nodes (GPU memory, utilisation, power per card). */
export interface DcgmExporterAddon {
  /** It mounts the kubelet's pod-resources socket (a host path): a privileged namespace. */
  namespace: pulumi.Input<string>;
  /** Default 4.8.2. */
  chartVersion?: pulumi.Input<string>;
  nodeSelector?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
  tolerations?: pulumi.Input<pulumi.Input<k8s.types.input.core.v1.Toleration>[]>;
  /** RuntimeClass that gives the exporter the GPUs when the default runtime is not NVIDIA's. */
  runtimeClassName?: string;
  valuesOverride?: { [key: string]: any };
  releaseOverride?: ChildOverride;
}

/** NVIDIA's DRA driver for GPUs (Dynamic Resource Allocation): ResourceSlices and the `gpu.nvidia.com` DeviceClass. */
export interface DraDriverAddon {
  /** Its kubelet plugin is privileged (host paths, device nodes): a privileged namespace. */
  namespace: pulumi.Input<string>;
  /** Default 0.4.1. */
  chartVersion?: pulumi.Input<string>;
  nodeSelector?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
  tolerations?: pulumi.Input<pulumi.Input<k8s.types.input.core.v1.Toleration>[]>;
  /** Where the NVIDIA driver is on the host; default `/`. */
  nvidiaDriverRoot?: string;
  valuesOverride?: { [key: string]: any };
  releaseOverride?: ChildOverride;
}

/**
 * Node Feature Discovery: labels each node with an NVIDIA GPU `feature.node.kubernetes.io/pci-10de.present=true`,
 * what the DRA driver's kubelet plugin, the DCGM exporter and the GPU pods select on by default. The
 * device plugin brings its own (gfd); install this one with the DRA driver, never beside another NFD.
 */
export interface NodeFeatureDiscoveryAddon {
  /** Its worker reads host paths (/sys, /boot, /lib, /usr/lib): a privileged namespace. */
  namespace: pulumi.Input<string>;
  /** Default 0.19.0; its CRDs are applied from the NFD release of the same version. */
  chartVersion?: pulumi.Input<string>;
  /** The worker's tolerations: it must run on the tainted GPU nodes it labels. */
  tolerations?: pulumi.Input<pulumi.Input<k8s.types.input.core.v1.Toleration>[]>;
  valuesOverride?: { [key: string]: any };
  releaseOverride?: ChildOverride;
  /** Deep-merged into the NFD CRDs' ConfigFile args. */
  crdsOverride?: ChildOverride;
}

/** KEDA: event-driven autoscaling (ScaledObjects with cron, Prometheus, … triggers) and its CRDs. */
export interface KedaAddon {
  namespace: pulumi.Input<string>;
  /** Default 2.20.2. */
  chartVersion?: pulumi.Input<string>;
  valuesOverride?: { [key: string]: any };
  releaseOverride?: ChildOverride;
}

export interface ClusterAddonsArgs {
  certManager?: CertManagerAddon;
  externalSecrets?: ExternalSecretsAddon;
  ingressNginx?: IngressNginxAddon;
  nginxGatewayFabric?: NginxGatewayFabricAddon;
  /** The NVIDIA device plugin with GPU sharing (a GpuTimeSlicing child). */
  gpuDevicePlugin?: GpuTimeSlicingArgs;
  kubePrometheusStack?: KubePrometheusStackAddon;
  dcgmExporter?: DcgmExporterAddon;
  /** NVIDIA's DRA driver, for gpuSharing mode dra; never together with `gpuDevicePlugin` on the same nodes. */
  draDriver?: DraDriverAddon;
  /** Node Feature Discovery, for the GPU node label under DRA; never together with `gpuDevicePlugin` (it brings NFD). */
  nodeFeatureDiscovery?: NodeFeatureDiscoveryAddon;
  keda?: KedaAddon;
}

/**
 * The cluster-wide operators a stack uses, and nothing it does not: cert-manager, External Secrets
 * (with Bitwarden's SDK server), the edge controller (ingress-nginx, or NGINX Gateway Fabric after the
 * Gateway API CRDs), the GPU device plugin (time-slicing, MPS) or NVIDIA's DRA driver (per-card
 * ResourceClaims) with Node Feature Discovery (after its CRDs) to label the GPU nodes, KEDA (serving
 * modes' cron ScaledObjects) and, for monitoring, kube-prometheus-stack and NVIDIA's DCGM exporter, each a pinned Helm release named after this component. Custom resources of these
 * operators must wait for them: give
 * them `dependsOn: [addons]` — a component in `dependsOn` makes the engine wait for all of its
 * children. The External Secrets release waits for cert-manager when its SDK server needs a certificate
 * (its pod mounts the TLS Secret, and the release is atomic). Two instances coexist in one cluster
 * when their namespaces differ (the SDK server's TLS Secret name is fixed by its subchart); CRDs are
 * cluster-wide, so both must pin compatible chart versions.
 */
export class ClusterAddons extends pulumi.ComponentResource {
  /** Names of the add-ons this instance installs (`cert-manager`, `external-secrets`, `ingress-nginx`, `gateway-api-crds`, `nginx-gateway-fabric`, `gpu-device-plugin`, `kube-prometheus-stack`, `dcgm-exporter`, `dra-driver`, `nfd-crds`, `node-feature-discovery`, `keda`). */
  public readonly installed: pulumi.Output<string[]>;
  /** The IngressClass the ingress controller owns (empty without one). */
  public readonly ingressClassName: pulumi.Output<string>;
  /** The GatewayClass NGINX Gateway Fabric owns (empty without it). */
  public readonly gatewayClassName: pulumi.Output<string>;
  /** In-cluster URL of the Bitwarden SDK server (empty without one). */
  public readonly bitwardenSdkServerUrl: pulumi.Output<string>;
  /** The extended resource GPU pods request (empty without a device plugin). */
  public readonly gpuResourceName: pulumi.Output<string>;

  constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:index:ClusterAddons", name, {}, opts);
    const child = { parent: this };
    const installed: string[] = [];
    const release = (
      addon: string,
      chart: { chart: string; repository: string; version: string },
      a: { namespace: pulumi.Input<string>; chartVersion?: pulumi.Input<string>; releaseOverride?: ChildOverride },
      values: pulumi.Input<{ [key: string]: any }>,
      dependsOn: pulumi.Resource[] = [],
      skipCrds = false,
    ) => {
      installed.push(addon);
      return new k8s.helm.v3.Release(
        `${name}-${addon}`,
        withOverride(
          {
            name: `${name}-${addon}`,
            ...chartReference(chart),
            version: a.chartVersion ?? chart.version,
            namespace: a.namespace,
            values,
            atomic: true,
            cleanupOnFail: true,
            ...(skipCrds ? { skipCrds } : {}),
          } satisfies k8s.helm.v3.ReleaseArgs,
          a.releaseOverride,
        ),
        { ...child, dependsOn },
      );
    };

    // Gateway API CRDs first: NGF's controller and cert-manager's Gateway API support watch them from start-up.
    let gatewayApiCrds: pulumi.Resource | undefined;
    if (args.nginxGatewayFabric) {
      installed.push("gateway-api-crds");
      const version = args.nginxGatewayFabric.gatewayApiVersion ?? GATEWAY_API_CRDS.version;
      gatewayApiCrds = new k8s.yaml.v2.ConfigFile(
        `${name}-gateway-api-crds`,
        withOverride({ file: pulumi.output(version).apply(gatewayApiCrdsUrl) } satisfies k8s.yaml.v2.ConfigFileArgs, args.nginxGatewayFabric.crdsOverride),
        child,
      );
    }
    if (args.certManager?.gatewayApi && !gatewayApiCrds) {
      throw new Error(
        `ClusterAddons ${name}: certManager.gatewayApi needs nginxGatewayFabric (it installs the Gateway API CRDs cert-manager watches from start-up)`,
      );
    }
    const certManager = args.certManager
      ? release(
          "cert-manager",
          ADDON_CHARTS.certManager,
          args.certManager,
          certManagerValues(args.certManager.valuesOverride, args.certManager.gatewayApi ?? false),
          gatewayApiCrds && args.certManager.gatewayApi ? [gatewayApiCrds] : [],
        )
      : undefined;

    let sdkServerUrl: pulumi.Output<string> = pulumi.output("");
    if (args.externalSecrets) {
      const eso = args.externalSecrets;
      const sdk = eso.bitwardenSdkServer ?? false;
      const certificates: pulumi.Resource[] = [];
      if (sdk) {
        if (!certManager)
          throw new Error(
            `ClusterAddons ${name}: externalSecrets.bitwardenSdkServer needs certManager (the SDK server is served over TLS with a cert-manager certificate)`,
          );
        const tls = sdkServerCertificates(name, eso.namespace);
        const issuer = new certmanager.v1.Issuer(`${name}-bitwarden-issuer`, tls.issuer, { ...child, dependsOn: [certManager] });
        certificates.push(
          issuer,
          new certmanager.v1.Certificate(`${name}-bitwarden-certificate`, tls.certificate, { ...child, dependsOn: [certManager, issuer] }),
        );
        sdkServerUrl = sdkServerUrlOf(eso.namespace);
      }
      release("external-secrets", ADDON_CHARTS.externalSecrets, eso, externalSecretsValues(sdk, eso.valuesOverride), certificates);
    }

    let ingressClassName = "";
    if (args.ingressNginx) {
      const a = args.ingressNginx;
      ingressClassName = a.ingressClassName ?? `${name}-nginx`;
      const values = ingressNginxValues(
        {
          replicas: a.replicas ?? 2,
          ingressClassName,
          hsts: { maxAgeSeconds: a.hsts?.maxAgeSeconds ?? 31536000, includeSubdomains: a.hsts?.includeSubdomains ?? true, preload: a.hsts?.preload ?? false },
          clientTimeoutSeconds: a.clientTimeoutSeconds,
        },
        a.valuesOverride,
      );
      release("ingress-nginx", ADDON_CHARTS.ingressNginx, a, values);
    }

    let gatewayClassName = "";
    if (args.nginxGatewayFabric) {
      const a = args.nginxGatewayFabric;
      gatewayClassName = a.gatewayClassName ?? `${name}-nginx`;
      const values = nginxGatewayFabricValues(
        {
          gatewayClassName,
          controllerName: `gateway.nginx.org/${name}-nginx-gateway-controller`,
          dataPlaneReplicas: a.dataPlaneReplicas ?? 2,
          serviceType: a.serviceType ?? "LoadBalancer",
        },
        a.valuesOverride,
      );
      release("nginx-gateway-fabric", ADDON_CHARTS.nginxGatewayFabric, a, values, [gatewayApiCrds!]);
    }

    let gpuResourceName: pulumi.Output<string> = pulumi.output("");
    if (args.gpuDevicePlugin) {
      installed.push("gpu-device-plugin");
      const plugin = new GpuTimeSlicing(`${name}-gpu`, args.gpuDevicePlugin, child);
      gpuResourceName = plugin.resourceName;
    }

    if (args.draDriver) {
      if (args.gpuDevicePlugin) throw new Error(`ClusterAddons ${name}: draDriver and gpuDevicePlugin both advertise the GPUs of a node; install one of them`);
      const a = args.draDriver;
      release(
        "dra-driver",
        DRA_DRIVER_CHART,
        a,
        draDriverValues({ nodeSelector: a.nodeSelector, tolerations: a.tolerations, nvidiaDriverRoot: a.nvidiaDriverRoot }, a.valuesOverride),
      );
    }

    // NFD: its CRDs first (the master and workers read and write NodeFeature objects from start-up).
    // The DRA driver does not wait for it: the kubelet plugin is scheduled when the label appears.
    if (args.nodeFeatureDiscovery) {
      if (args.gpuDevicePlugin)
        throw new Error(
          `ClusterAddons ${name}: nodeFeatureDiscovery and gpuDevicePlugin both run NFD (the device plugin's gfd brings it); install one of them`,
        );
      const a = args.nodeFeatureDiscovery;
      const version = a.chartVersion ?? NFD_CHART.version;
      installed.push("nfd-crds");
      const crds = new k8s.yaml.v2.ConfigFile(
        `${name}-nfd-crds`,
        withOverride({ file: pulumi.output(version).apply(nfdReleaseCrdsUrl) } satisfies k8s.yaml.v2.ConfigFileArgs, a.crdsOverride),
        child,
      );
      // The chart's own crds/ are skipped: Pulumi applies (and upgrades) them from the release above.
      release("node-feature-discovery", NFD_CHART, a, nodeFeatureDiscoveryValues({ workerTolerations: a.tolerations }, a.valuesOverride), [crds], true);
    }

    if (args.keda) {
      release("keda", KEDA_CHART, args.keda, kedaValues(args.keda.valuesOverride));
    }

    if (args.kubePrometheusStack) {
      const a = args.kubePrometheusStack;
      const values = kubePrometheusStackValues(
        {
          retention: a.retention ?? "15d",
          storage: a.storage,
          grafana: a.grafana ?? true,
          nodeExporter: a.nodeExporter ?? false,
          dashboardLabel: { key: a.dashboardLabelKey ?? "grafana_dashboard", value: a.dashboardLabelValue ?? "1" },
        },
        a.valuesOverride,
      );
      release("kube-prometheus-stack", ADDON_CHARTS.kubePrometheusStack, a, values);
    }

    if (args.dcgmExporter) {
      const a = args.dcgmExporter;
      release(
        "dcgm-exporter",
        ADDON_CHARTS.dcgmExporter,
        a,
        dcgmExporterValues({ nodeSelector: a.nodeSelector, tolerations: a.tolerations, runtimeClassName: a.runtimeClassName }, a.valuesOverride),
      );
    }

    this.installed = pulumi.output(installed);
    this.ingressClassName = pulumi.output(ingressClassName);
    this.gatewayClassName = pulumi.output(gatewayClassName);
    this.bitwardenSdkServerUrl = sdkServerUrl;
    this.gpuResourceName = gpuResourceName;
    this.registerOutputs({
      installed: this.installed,
      ingressClassName: this.ingressClassName,
      gatewayClassName: this.gatewayClassName,
      bitwardenSdkServerUrl: this.bitwardenSdkServerUrl,
      gpuResourceName: this.gpuResourceName,
    });
  }
}
