import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { deepMerge, type Plain } from "./merge";

/**
 * Values of the monitoring add-ons ClusterAddons installs. Checked against the pinned charts:
 * kube-prometheus-stack 88.5.3 (prometheus-community/helm-charts, values.yaml and
 * templates/prometheus/prometheus.yaml) and dcgm-exporter 4.8.2 (NVIDIA/dcgm-exporter, deployment/).
 */

export interface KubePrometheusStackValuesArgs {
  /** How long Prometheus keeps samples, e.g. `15d`. */
  retention: string;
  /** Prometheus' volume; absent: an emptyDir. */
  storage?: { size: string; storageClass?: string };
  /** Grafana with the dashboard sidecar. */
  grafana: boolean;
  /** node-exporter (needs a privileged namespace). */
  nodeExporter: boolean;
  /** The label Grafana's sidecar loads dashboard ConfigMaps by. */
  dashboardLabel: { key: string; value: string };
}

/**
 * kube-prometheus-stack: Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules that carry
 * `release: <release name>` in every namespace (the chart's `*SelectorNilUsesHelmValues` defaults,
 * stated here so a chart default change cannot silently widen or empty the selection); Grafana's
 * sidecar loads dashboard ConfigMaps from every namespace by the configured label; kube-state-metrics
 * (restarts) comes with it. Every pod but node-exporter runs under the restricted Pod Security level
 * with the chart's defaults, so node-exporter is optional.
 */
export function kubePrometheusStackValues(a: KubePrometheusStackValuesArgs, override?: Plain): Plain {
  return deepMerge(
    {
      crds: { enabled: true },
      kubeStateMetrics: { enabled: true },
      nodeExporter: { enabled: a.nodeExporter },
      prometheus: {
        prometheusSpec: {
          retention: a.retention,
          serviceMonitorSelectorNilUsesHelmValues: true,
          podMonitorSelectorNilUsesHelmValues: true,
          ruleSelectorNilUsesHelmValues: true,
          serviceMonitorNamespaceSelector: {},
          podMonitorNamespaceSelector: {},
          ruleNamespaceSelector: {},
          ...(a.storage
            ? {
                storageSpec: {
                  volumeClaimTemplate: {
                    spec: {
                      accessModes: ["ReadWriteOnce"],
                      resources: { requests: { storage: a.storage.size } },
                      ...(a.storage.storageClass ? { storageClassName: a.storage.storageClass } : {}),
                    },
                  },
                },
              }
            : {}),
        },
      },
      grafana: {
        enabled: a.grafana,
        sidecar: { dashboards: { enabled: true, label: a.dashboardLabel.key, labelValue: a.dashboardLabel.value, searchNamespace: "ALL" } },
      },
    },
    override,
  );
}

/** The selector label kube-prometheus-stack's Prometheus uses with its chart defaults. */
export function kubePrometheusStackSelector(releaseName: string): Record<string, string> {
  return { release: releaseName };
}

export interface DcgmExporterValuesArgs {
  nodeSelector?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
  tolerations?: pulumi.Input<pulumi.Input<k8s.types.input.core.v1.Toleration>[]>;
  runtimeClassName?: string;
}

/**
 * The DCGM exporter on the GPU nodes only (the chart tolerates only the control-plane taint by
 * default). The chart's own ServiceMonitor is off: Observability renders one that also labels each
 * series with its `node`. Pod mapping stays on (DCGM_EXPORTER_KUBERNETES, via the kubelet's
 * pod-resources socket) so series of a card in use carry the pod that holds it.
 */
export function dcgmExporterValues(a: DcgmExporterValuesArgs, override?: Plain): Plain {
  return deepMerge(
    {
      serviceMonitor: { enabled: false },
      ...(a.nodeSelector ? { nodeSelector: a.nodeSelector } : {}),
      ...(a.tolerations ? { tolerations: a.tolerations } : {}),
      ...(a.runtimeClassName ? { runtimeClassName: a.runtimeClassName } : {}),
    },
    override,
  );
}

/** Labels of the DCGM exporter's Service and pods (the chart's selectorLabels for a release name). */
export function dcgmExporterLabels(releaseName: string): Record<string, string> {
  return { "app.kubernetes.io/name": "dcgm-exporter", "app.kubernetes.io/instance": releaseName, "app.kubernetes.io/component": "dcgm-exporter" };
}

export const DCGM_EXPORTER_PORT = { name: "metrics", number: 9400 } as const;

/** A chart's fullname: the release name when it contains the chart's name (the common Helm helper). */
export function chartFullname(releaseName: string, chart: string): string {
  return (releaseName.includes(chart) ? releaseName : `${releaseName}-${chart}`).slice(0, 63).replace(/-+$/, "");
}

/** Where a chart serves Prometheus metrics: Service name, its labels, the port's name and number. */
export interface ChartMetricsService {
  service: string;
  labels: Record<string, string>;
  port: { name: string; number: number };
}

/** ingress-nginx 4.15.1 (templates/controller-service-metrics.yaml; `controller.metrics.enabled: true`). */
export function ingressNginxMetricsService(releaseName: string): ChartMetricsService {
  return {
    service: `${chartFullname(releaseName, "ingress-nginx")}-controller-metrics`,
    labels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/instance": releaseName, "app.kubernetes.io/component": "controller" },
    port: { name: "metrics", number: 10254 },
  };
}

/** cert-manager v1.21.1 (templates/service.yaml, created with `prometheus.enabled: true`). */
export function certManagerMetricsService(releaseName: string): ChartMetricsService {
  return {
    service: chartFullname(releaseName, "cert-manager"),
    labels: { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/instance": releaseName, "app.kubernetes.io/component": "controller" },
    port: { name: "http-metrics", number: 9402 },
  };
}

/** dcgm-exporter 4.8.2 (templates/service.yaml). */
export function dcgmExporterMetricsService(releaseName: string): ChartMetricsService {
  return {
    service: chartFullname(releaseName, "dcgm-exporter"),
    labels: dcgmExporterLabels(releaseName),
    port: { name: DCGM_EXPORTER_PORT.name, number: DCGM_EXPORTER_PORT.number },
  };
}
