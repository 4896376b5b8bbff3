import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";
import { ClusterAddons, type ClusterAddonsArgs } from "../components/clusterAddons";
import { deployNamespaces } from "./namespaces";
import { totalGpus } from "./servers";
import { stackScopedName } from "../config/clusterSchema";

/** The ClusterAddons instance's name: every add-on's Helm release is `<ADDONS_NAME>-<add-on>`. */
export const ADDONS_NAME = "addons";

/** What release names depend on: `cluster.shared` prefixes them with `platform.environment`. */
export type ReleaseScope = { cluster: { shared: boolean }; platform: { environment: string } };

/**
 * The ClusterAddons instance's name for a stack: `addons`, or `<environment>-addons` in a cluster
 * shared with another stack, so release names, and the cluster-scoped objects charts name after them
 * (ClusterRoles, webhook configurations), are the stack's own.
 */
export function addonsName(config?: ReleaseScope): string {
  return config?.cluster.shared ? stackScopedName(config.platform.environment, ADDONS_NAME) : ADDONS_NAME;
}
export const addonRelease = (addon: string, config?: ReleaseScope) => `${addonsName(config)}-${addon}`;

/** Which cluster-wide operators the stack uses: only those are installed. */
export function addonsUsed(config: PlatformConfig): {
  certManager: boolean;
  externalSecrets: boolean;
  ingressNginx: boolean;
  nginxGatewayFabric: boolean;
  gpuDevicePlugin: boolean;
  kubePrometheusStack: boolean;
  dcgmExporter: boolean;
  draDriver: boolean;
  nodeFeatureDiscovery: boolean;
  keda: boolean;
} {
  const externalSecrets = config.externalSecrets.bitwarden !== undefined;
  const gpus = totalGpus(config.host) > 0;
  return {
    // The edge's certificates, and the Bitwarden SDK server's TLS.
    certManager: config.edge !== undefined || externalSecrets,
    externalSecrets,
    ingressNginx: config.edge?.implementation === "ingress-nginx",
    nginxGatewayFabric: config.edge?.implementation === "gateway-api",
    // DRA: NVIDIA's DRA driver advertises the GPUs instead of the device plugin (they must not share a node).
    gpuDevicePlugin: gpus && config.gpuSharing.mode !== "dra",
    kubePrometheusStack: config.monitoring?.stack === "install",
    dcgmExporter: gpus && config.monitoring !== undefined && config.monitoring.dcgmExporter.enabled,
    draDriver: gpus && config.gpuSharing.mode === "dra" && config.gpuSharing.install,
    // Under DRA nothing else labels the GPU nodes (the device plugin's gfd brings NFD in the other modes).
    nodeFeatureDiscovery: gpus && config.gpuSharing.mode === "dra" && config.gpuSharing.nodeFeatureDiscovery.install,
    // KEDA runs the modes' schedules; with keda.install false it is a listed prerequisite.
    keda: Object.keys(config.modes).length > 0 && config.keda.install,
  };
}

/** Where monitoring's rules and dashboards (and, with `stack: install`, kube-prometheus-stack) live. */
export function monitoringNamespace(config: PlatformConfig): string {
  return config.monitoring?.namespace ?? config.namespaces.monitoring;
}

/** ClusterAddons args from the stack config. */
export function clusterAddonsArgs(config: PlatformConfig): ClusterAddonsArgs {
  const used = addonsUsed(config);
  const ns = config.namespaces;
  const sharing = config.gpuSharing;
  const monitoring = config.monitoring;
  return {
    certManager: used.certManager
      ? { namespace: ns.certManager, chartVersion: config.edge?.certManager.chartVersion, gatewayApi: used.nginxGatewayFabric }
      : undefined,
    externalSecrets: used.externalSecrets
      ? { namespace: ns.externalSecrets, chartVersion: config.externalSecrets.chartVersion, bitwardenSdkServer: true }
      : undefined,
    ingressNginx:
      used.ingressNginx && config.edge
        ? {
            namespace: ns.ingress,
            chartVersion: config.edge.ingressNginx.chartVersion,
            replicas: config.edge.ingressNginx.replicas,
            ingressClassName: config.edge.ingressNginx.ingressClass,
            hsts: config.edge.hsts,
            clientTimeoutSeconds: config.edge.timeouts.clientBodySeconds,
          }
        : undefined,
    // The Gateway (and so its NGINX data plane) lives in the same namespace as the controller.
    nginxGatewayFabric:
      used.nginxGatewayFabric && config.edge
        ? {
            namespace: ns.ingress,
            chartVersion: config.edge.gatewayApi.chartVersion,
            gatewayApiVersion: config.edge.gatewayApi.gatewayApiVersion,
            gatewayClassName: config.edge.gatewayApi.gatewayClass,
            dataPlaneReplicas: config.edge.gatewayApi.replicas,
            serviceType: config.edge.gatewayApi.serviceType,
          }
        : undefined,
    draDriver:
      used.draDriver && sharing.mode === "dra"
        ? { namespace: ns.devicePlugin, chartVersion: sharing.chartVersion, nodeSelector: config.host.gpuNodeSelector, tolerations: config.host.gpuTolerations }
        : undefined,
    // Beside the DRA driver: its worker reads host paths, and the namespace is already privileged for GPU host daemons.
    nodeFeatureDiscovery:
      used.nodeFeatureDiscovery && sharing.mode === "dra"
        ? { namespace: ns.devicePlugin, chartVersion: sharing.nodeFeatureDiscovery.chartVersion, tolerations: config.host.gpuTolerations }
        : undefined,
    // KEDA's namespace is the program's (index.ts), with default deny and the flows of platform/network.ts.
    keda: used.keda ? { namespace: config.keda.namespace, chartVersion: config.keda.chartVersion } : undefined,
    gpuDevicePlugin:
      used.gpuDevicePlugin && sharing.mode !== "dra"
        ? {
            namespace: ns.devicePlugin,
            mode: sharing.mode,
            replicas: sharing.mode === "none" ? undefined : sharing.replicas,
            renameByDefault: sharing.mode === "time-slicing" ? sharing.renameByDefault : undefined,
            chartVersion: config.charts.nvidiaDevicePlugin.version,
            chartRepository: config.charts.nvidiaDevicePlugin.repo,
            nodeSelector: config.host.gpuNodeSelector,
            tolerations: config.host.gpuTolerations,
          }
        : undefined,
    kubePrometheusStack:
      used.kubePrometheusStack && monitoring
        ? {
            namespace: monitoringNamespace(config),
            chartVersion: monitoring.kubePrometheusStack.chartVersion,
            retention: monitoring.kubePrometheusStack.retention,
            storage: monitoring.kubePrometheusStack.storage,
            grafana: monitoring.kubePrometheusStack.grafana,
            nodeExporter: monitoring.kubePrometheusStack.nodeExporter,
            dashboardLabelKey: monitoring.dashboardLabel.key,
            dashboardLabelValue: monitoring.dashboardLabel.value,
            valuesOverride: monitoring.kubePrometheusStack.values,
          }
        : undefined,
    dcgmExporter:
      used.dcgmExporter && monitoring
        ? {
            // Beside the device plugin: the one namespace already privileged for GPU host daemons.
            namespace: ns.devicePlugin,
            chartVersion: monitoring.dcgmExporter.chartVersion,
            nodeSelector: config.host.gpuNodeSelector,
            tolerations: config.host.gpuTolerations,
            runtimeClassName: monitoring.dcgmExporter.runtimeClassName,
          }
        : undefined,
  };
}

/** `opts` carries the stack's Kubernetes provider (platform/provider.ts) to the add-ons and the monitoring namespace. */
export function deployClusterAddons(config: PlatformConfig, namespaces: pulumi.Resource[], opts: pulumi.ComponentResourceOptions = {}): ClusterAddons {
  const used = addonsUsed(config);
  // kube-prometheus-stack's namespace: restricted unless node-exporter (a host daemon) runs there.
  const monitoring = used.kubePrometheusStack
    ? deployNamespaces(
        { monitoring: { name: monitoringNamespace(config), level: config.monitoring?.kubePrometheusStack.nodeExporter ? "privileged" : "restricted" } },
        undefined,
        { provider: opts.provider },
      )
    : {};
  return new ClusterAddons(addonsName(config), clusterAddonsArgs(config), { ...opts, dependsOn: [...namespaces, ...Object.values(monitoring)] });
}
