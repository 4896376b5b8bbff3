import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { certmanager } from "./crds";
import { GpuTimeSlicing, type GpuTimeSlicingArgs } from "./gpuTimeSlicing";
import { ADDON_CHARTS, certManagerValues, sdkServerUrl as sdkServerUrlOf, externalSecretsValues, ingressNginxValues, sdkServerCertificates } from "./specs/addons";
import { withOverride, type ChildOverride } from "./specs/merge";

/** cert-manager: Certificates, Issuers and the ACME solver. */
export interface CertManagerAddon {
  namespace: pulumi.Input<string>;
  /** Default v1.21.1. */
  chartVersion?: pulumi.Input<string>;
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
  valuesOverride?: { [key: string]: any };
  releaseOverride?: ChildOverride;
}

export interface HstsSettings {
  /** Default one year. */
  maxAgeSeconds?: number;
  /** Default true. */
  includeSubdomains?: boolean;
  /** Default false. */
  preload?: boolean;
}

export interface ClusterAddonsArgs {
  certManager?: CertManagerAddon;
  externalSecrets?: ExternalSecretsAddon;
  ingressNginx?: IngressNginxAddon;
  /** The NVIDIA device plugin with GPU sharing (a GpuTimeSlicing child). */
  gpuDevicePlugin?: GpuTimeSlicingArgs;
}

/**
 * The cluster-wide operators a stack uses, and nothing it does not: cert-manager, External Secrets
 * (with Bitwarden's SDK server), the ingress controller and the GPU device plugin, each a pinned Helm
 * release named after this component. Custom resources of these operators must wait for them: give
 * them `dependsOn: [addons]` — a component in `dependsOn` makes the engine wait for all of its
 * children. The External Secrets release waits for cert-manager when its SDK server needs a certificate
 * (its pod mounts the TLS Secret, and the release is atomic). Two instances coexist in one cluster
 * when their namespaces differ (the SDK server's TLS Secret name is fixed by its subchart); CRDs are
 * cluster-wide, so both must pin compatible chart versions.
 */
export class ClusterAddons extends pulumi.ComponentResource {
  /** Names of the add-ons this instance installs (`cert-manager`, `external-secrets`, `ingress-nginx`, `gpu-device-plugin`). */
  public readonly installed: pulumi.Output<string[]>;
  /** The IngressClass the ingress controller owns (empty without one). */
  public readonly ingressClassName: pulumi.Output<string>;
  /** In-cluster URL of the Bitwarden SDK server (empty without one). */
  public readonly bitwardenSdkServerUrl: pulumi.Output<string>;
  /** The extended resource GPU pods request (empty without a device plugin). */
  public readonly gpuResourceName: pulumi.Output<string>;

  constructor(name: string, args: ClusterAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:index:ClusterAddons", name, {}, opts);
    const child = { parent: this };
    const installed: string[] = [];
    const release = (addon: string, chart: { chart: string; repository: string; version: string }, a: { namespace: pulumi.Input<string>; chartVersion?: pulumi.Input<string>; releaseOverride?: ChildOverride }, values: pulumi.Input<{ [key: string]: any }>, dependsOn: pulumi.Resource[] = []) => {
      installed.push(addon);
      return new k8s.helm.v3.Release(
        `${name}-${addon}`,
        withOverride(
          {
            name: `${name}-${addon}`,
            chart: chart.chart,
            version: a.chartVersion ?? chart.version,
            repositoryOpts: { repo: chart.repository },
            namespace: a.namespace,
            values,
            atomic: true,
            cleanupOnFail: true,
          } satisfies k8s.helm.v3.ReleaseArgs,
          a.releaseOverride,
        ),
        { ...child, dependsOn },
      );
    };

    const certManager = args.certManager ? release("cert-manager", ADDON_CHARTS.certManager, args.certManager, certManagerValues(args.certManager.valuesOverride)) : undefined;

    let sdkServerUrl: pulumi.Output<string> = pulumi.output("");
    if (args.externalSecrets) {
      const eso = args.externalSecrets;
      const sdk = eso.bitwardenSdkServer ?? false;
      const certificates: pulumi.Resource[] = [];
      if (sdk) {
        if (!certManager) throw new Error(`ClusterAddons ${name}: externalSecrets.bitwardenSdkServer needs certManager (the SDK server is served over TLS with a cert-manager certificate)`);
        const tls = sdkServerCertificates(name, eso.namespace);
        const issuer = new certmanager.v1.Issuer(`${name}-bitwarden-issuer`, tls.issuer, { ...child, dependsOn: [certManager] });
        certificates.push(issuer, new certmanager.v1.Certificate(`${name}-bitwarden-certificate`, tls.certificate, { ...child, dependsOn: [certManager, issuer] }));
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
        },
        a.valuesOverride,
      );
      release("ingress-nginx", ADDON_CHARTS.ingressNginx, a, values);
    }

    let gpuResourceName: pulumi.Output<string> = pulumi.output("");
    if (args.gpuDevicePlugin) {
      installed.push("gpu-device-plugin");
      const plugin = new GpuTimeSlicing(`${name}-gpu`, args.gpuDevicePlugin, child);
      gpuResourceName = plugin.resourceName;
    }

    this.installed = pulumi.output(installed);
    this.ingressClassName = pulumi.output(ingressClassName);
    this.bitwardenSdkServerUrl = sdkServerUrl;
    this.gpuResourceName = gpuResourceName;
    this.registerOutputs({ installed: this.installed, ingressClassName: this.ingressClassName, bitwardenSdkServerUrl: this.bitwardenSdkServerUrl, gpuResourceName: this.gpuResourceName });
  }
}
