import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { hostFrom, preinstalledChartsConfigSchema } from "./config";

/**
 * API groups served by an operator, and the Helm charts that install their CRDs (and the admission
 * webhooks that validate them). One table: a custom resource of a group here must wait for a release
 * of one of its charts (or for the CustomResourceDefinition itself), or the first `pulumi up` on an
 * empty cluster creates it before its kind exists ("no matches for kind") or before the webhook
 * answers ("failed calling webhook").
 */
export const CRD_INSTALLERS: Record<string, { charts: string[]; operator: string }> = {
  "cert-manager.io": { charts: ["cert-manager"], operator: "cert-manager" },
  "acme.cert-manager.io": { charts: ["cert-manager"], operator: "cert-manager" },
  "external-secrets.io": { charts: ["external-secrets"], operator: "External Secrets Operator" },
  "generators.external-secrets.io": { charts: ["external-secrets"], operator: "External Secrets Operator" },
  "monitoring.coreos.com": { charts: ["kube-prometheus-stack", "prometheus-operator-crds", "prometheus-operator"], operator: "Prometheus Operator" },
  "gateway.networking.k8s.io": {
    charts: ["gateway-api-crds", "gateway-helm", "nginx-gateway-fabric", "traefik", "kgateway-crds", "istio-base", "cilium"],
    operator: "a Gateway API implementation",
  },
  "gateway.nginx.org": { charts: ["nginx-gateway-fabric"], operator: "NGINX Gateway Fabric" },
  "keda.sh": { charts: ["keda"], operator: "KEDA" },
  // DeviceClasses and the kubelet plugin behind ResourceClaims come from the DRA driver (NVIDIA's chart
  // nvidia-dra-driver-gpu until v25.12; dra-driver-nvidia-gpu since it moved to kubernetes-sigs, v0.4).
  "resource.k8s.io": { charts: ["nvidia-dra-driver-gpu", "dra-driver-nvidia-gpu"], operator: "the NVIDIA DRA driver" },
  "nfd.k8s-sigs.io": { charts: ["node-feature-discovery", "nvidia-device-plugin", "gpu-operator"], operator: "Node Feature Discovery" },
  "nvidia.com": { charts: ["gpu-operator"], operator: "the NVIDIA GPU Operator" },
  "metallb.io": { charts: ["metallb"], operator: "MetalLB" },
  "cilium.io": { charts: ["cilium"], operator: "Cilium" },
  "argoproj.io": { charts: ["argo-cd"], operator: "Argo CD" },
  "ray.io": { charts: ["kuberay-operator"], operator: "KubeRay" },
  "serving.kserve.io": { charts: ["kserve", "kserve-crd"], operator: "KServe" },
  "leaderworkerset.x-k8s.io": { charts: ["lws"], operator: "LeaderWorkerSet" },
  "snapshot.storage.k8s.io": { charts: ["snapshot-controller"], operator: "the CSI snapshot controller" },
};

/** API groups the API server serves itself (no CRD, no operator), plus Pulumi's own pseudo-groups. */
const BUILT_IN_GROUPS = new Set([
  "core",
  "apps",
  "batch",
  "autoscaling",
  "policy",
  "networking.k8s.io",
  "storage.k8s.io",
  "rbac.authorization.k8s.io",
  "apiextensions.k8s.io",
  "admissionregistration.k8s.io",
  "apiregistration.k8s.io",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "events.k8s.io",
  "flowcontrol.apiserver.k8s.io",
  "node.k8s.io",
  "scheduling.k8s.io",
  "certificates.k8s.io",
  "authentication.k8s.io",
  "authorization.k8s.io",
  "internal.apiserver.k8s.io",
  "storagemigration.k8s.io",
  // Pulumi's Helm, YAML and kustomize resources are not Kubernetes kinds.
  "helm.sh",
  "yaml",
  "kustomize",
]);

/**
 * Secrets a chart's pods mount, by chart name, from its values: the release (often `atomic`) waits
 * for pods that cannot start until the Secret exists. external-secrets: the bitwarden-sdk-server
 * subchart mounts `image.tls.volumes` (default Secret `bitwarden-tls-certs`, which a cert-manager
 * Certificate fills) when `bitwarden-sdk-server.enabled` and `image.tls.enabled` (chart
 * external-secrets/bitwarden-sdk-server deploy/charts/bitwarden-sdk-server/values.yaml).
 */
export const SECRETS_MOUNTED_BY_CHART: Record<string, (values: Record<string, any>) => string[]> = {
  "external-secrets": (values) => {
    const sdk = values?.["bitwarden-sdk-server"];
    if (sdk?.enabled !== true || sdk?.image?.tls?.enabled === false) return [];
    const volumes: any[] = sdk?.image?.tls?.volumes ?? [{ secret: { secretName: "bitwarden-tls-certs" } }];
    return volumes.map((v) => v?.secret?.secretName).filter((n): n is string => typeof n === "string");
  },
};

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const HELM_CHART_V4 = "kubernetes:helm.sh/v4:Chart";
const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";

/** `kubernetes:cert-manager.io/v1:Issuer` → group, version and kind; undefined for non-Kubernetes types. */
export function kubernetesGroupOf(type: string): { group: string; version: string; kind: string } | undefined {
  const m = /^kubernetes:([^:/]+)\/([^:/]+):([A-Za-z0-9]+)$/.exec(type);
  return m ? { group: m[1]!, version: m[2]!, kind: m[3]! } : undefined;
}

/** True for a kind served through a CRD (an operator's API), false for the API server's own kinds. */
export function isCustomResourceType(type: string): boolean {
  const g = kubernetesGroupOf(type);
  if (!g) return false;
  if (g.group in CRD_INSTALLERS) return true;
  return !BUILT_IN_GROUPS.has(g.group);
}

/** The chart name of a Helm release or v4 Chart (`oci://…/cert-manager`, `jetstack/cert-manager` → `cert-manager`). */
export function chartName(r: { type: string; props: Record<string, any> }): string | undefined {
  if (r.type !== HELM_RELEASE && r.type !== HELM_CHART_V4) return undefined;
  const chart = r.props?.chart;
  return typeof chart === "string" ? chart.split("/").filter(Boolean).pop() : undefined;
}

/**
 * True when `from` cannot be created before `to`: a path through registration dependencies (explicit
 * and property) or through the parent. A parent counts because the Node.js SDK registers a child only
 * after its parent's URN resolves, and a component's URN resolves only after the component's own
 * dependencies exist (`prepareResource`, @pulumi/pulumi runtime/resource.js; pulumi/pulumi#7833).
 */
export function dependsTransitively(from: PolicyResource, to: PolicyResource): boolean {
  const seen = new Set<string>([from.urn]);
  const queue: PolicyResource[] = [from];
  while (queue.length) {
    const r = queue.pop()!;
    const next = [...(r.dependencies ?? []), ...Object.values(r.propertyDependencies ?? {}).flat(), ...(r.parent ? [r.parent] : [])];
    for (const n of next) {
      if (n.urn === to.urn) return true;
      if (!seen.has(n.urn)) {
        seen.add(n.urn);
        queue.push(n);
      }
    }
  }
  return false;
}

function describe(r: PolicyResource): string {
  const g = kubernetesGroupOf(r.type);
  const ns = r.props?.metadata?.namespace;
  const name = r.props?.metadata?.name ?? r.name;
  if (r.type === HELM_RELEASE || r.type === HELM_CHART_V4) return `Helm release ${r.name} (chart ${chartName(r)})`;
  return `${g?.kind ?? r.type} ${ns ? `${ns}/` : ""}${name} (${g ? `${g.group}/${g.version}` : r.type}, Pulumi name ${r.name})`;
}

export const customResourcesAfterTheirOperator: StackValidationPolicy = {
  name: "custom-resources-after-their-operator",
  description: "Every operator-backed custom resource depends on the Helm release (or CRD) that installs its kind and webhook.",
  enforcementLevel: "mandatory",
  configSchema: preinstalledChartsConfigSchema,
  validateStack: (args, reportViolation) => {
    const preinstalled = new Set(hostFrom(args).preinstalledCharts);
    const resources = args.resources;
    for (const r of resources) {
      if (!isCustomResourceType(r.type)) continue;
      const { group } = kubernetesGroupOf(r.type)!;
      const entry = CRD_INSTALLERS[group];
      const installers = resources.filter((x) => (entry && entry.charts.includes(chartName(x) ?? "")) || (x.type === CRD && x.props?.spec?.group === group));
      if (installers.length === 0) {
        if (entry?.charts.some((c) => preinstalled.has(c))) continue;
        reportViolation(
          entry
            ? `${describe(r)}: nothing in the stack installs ${entry.operator} (chart ${entry.charts.join(" or ")}), which serves ${group}. Add the release to the stack and make this resource depend on it, or, if the cluster already runs it, list the chart in this policy's preinstalledCharts.`
            : `${describe(r)}: ${group} is served through a CRD, and no resource in the stack installs it (a CustomResourceDefinition or a Helm release known to CRD_INSTALLERS in policies/ordering.ts). Add the installer's chart to that table and make this resource depend on its release.`,
          r.urn,
        );
        continue;
      }
      if (installers.some((i) => dependsTransitively(r, i))) continue;
      reportViolation(
        `${describe(r)} has no dependency path to ${installers.map(describe).join(" or ")}, which installs the ${group} CRDs${entry ? ` and ${entry.operator}'s webhook` : ""}: on an empty cluster it is created before its kind exists and \`pulumi up\` fails. Make it (or its component) depend on ${installers.map((i) => i.name).join(" or ")}.`,
        r.urn,
      );
    }
  },
};

export const releasesAfterTheSecretsTheyMount: StackValidationPolicy = {
  name: "releases-after-the-secrets-they-mount",
  description: "A Helm release whose pods mount a Secret another resource of the stack produces (a Certificate, an ExternalSecret) depends on that resource.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const resources = args.resources;
    for (const release of resources) {
      const chart = chartName(release);
      const mounted = chart ? (SECRETS_MOUNTED_BY_CHART[chart]?.(release.props?.values ?? {}) ?? []) : [];
      const namespace = release.props?.namespace ?? "default";
      for (const secret of mounted) {
        const producers = resources.filter((p) => producedSecret(p) === `${namespace}/${secret}`);
        if (producers.length === 0 || producers.some((p) => dependsTransitively(release, p))) continue;
        reportViolation(
          `${describe(release)} mounts Secret ${namespace}/${secret}, which ${producers.map(describe).join(" or ")} produces, but does not wait for it: its pods cannot start and the release${release.props?.atomic ? " (atomic) fails and rolls back" : " never becomes ready"}. Make the release depend on ${producers.map((p) => p.name).join(" or ")} (and so on the operator that fills it).`,
          release.urn,
        );
      }
    }
  },
};

/** `namespace/name` of the Secret a resource creates or has an operator create. */
export function producedSecret(r: { type: string; props: Record<string, any> }): string | undefined {
  const g = kubernetesGroupOf(r.type);
  const ns = r.props?.metadata?.namespace ?? "default";
  if (!g) return undefined;
  if (g.group === "core" && g.kind === "Secret") return `${ns}/${r.props?.metadata?.name}`;
  if (g.group === "cert-manager.io" && g.kind === "Certificate" && r.props?.spec?.secretName) return `${ns}/${r.props.spec.secretName}`;
  if (g.group === "external-secrets.io" && g.kind === "ExternalSecret") return `${ns}/${r.props?.spec?.target?.name ?? r.props?.metadata?.name}`;
  return undefined;
}
