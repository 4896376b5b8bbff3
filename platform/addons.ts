import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";
import { ClusterAddons, type ClusterAddonsArgs } from "../components/clusterAddons";
import { totalGpus } from "./servers";

/** Which cluster-wide operators the stack uses: only those are installed. */
export function addonsUsed(config: PlatformConfig): { certManager: boolean; externalSecrets: boolean; ingressNginx: boolean; gpuDevicePlugin: boolean } {
  const externalSecrets = config.externalSecrets.bitwarden !== undefined;
  return {
    // The edge's certificates, and the Bitwarden SDK server's TLS.
    certManager: config.edge !== undefined || externalSecrets,
    externalSecrets,
    ingressNginx: config.edge !== undefined,
    gpuDevicePlugin: totalGpus(config.host) > 0,
  };
}

/** ClusterAddons args from the stack config. */
export function clusterAddonsArgs(config: PlatformConfig): ClusterAddonsArgs {
  const used = addonsUsed(config);
  const ns = config.namespaces;
  const sharing = config.gpuSharing;
  return {
    certManager: used.certManager ? { namespace: ns.certManager, chartVersion: config.edge?.certManager.chartVersion } : undefined,
    externalSecrets: used.externalSecrets ? { namespace: ns.externalSecrets, chartVersion: config.externalSecrets.chartVersion, bitwardenSdkServer: true } : undefined,
    ingressNginx:
      used.ingressNginx && config.edge
        ? { namespace: ns.ingress, chartVersion: config.edge.controller.chartVersion, replicas: config.edge.controller.replicas, ingressClassName: config.edge.ingressClass, hsts: config.edge.hsts }
        : undefined,
    gpuDevicePlugin: used.gpuDevicePlugin
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
  };
}

export function deployClusterAddons(config: PlatformConfig, namespaces: pulumi.Resource[]): ClusterAddons {
  return new ClusterAddons("addons", clusterAddonsArgs(config), { dependsOn: namespaces });
}
