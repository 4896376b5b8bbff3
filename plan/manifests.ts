import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { SynthesizedResource } from "./synthesize";

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** apiVersion and kind of a Kubernetes resource type token (`kubernetes:apps/v1:Deployment`). */
export function kubernetesKind(type: string): { apiVersion: string; kind: string } | undefined {
  const m = /^kubernetes:([^:]+)\/([^:/]+):([A-Za-z]+)$/.exec(type);
  if (!m || type === HELM_RELEASE || m[3]!.endsWith("List") || m[3] === "ConfigFile" || m[3] === "ConfigGroup") return undefined;
  return { apiVersion: m[1] === "core" ? m[2]! : `${m[1]}/${m[2]}`, kind: m[3]! };
}

/** The object `kubectl apply` would get: apiVersion and kind first, Pulumi-only fields dropped. */
export function kubernetesObject(r: SynthesizedResource): Record<string, any> | undefined {
  const kind = kubernetesKind(r.type);
  if (!kind) return undefined;
  const { apiVersion: _a, kind: _k, ...rest } = r.props;
  return JSON.parse(JSON.stringify({ ...kind, ...rest }));
}

export interface HelmChartEntry {
  name: string;
  repo?: string;
  version?: string;
  releaseName: string;
  namespace?: string;
  includeCRDs: boolean;
  valuesInline: Record<string, unknown>;
}

export function helmChartEntry(r: SynthesizedResource): HelmChartEntry {
  const p = r.props;
  return {
    name: p.chart,
    repo: p.repositoryOpts?.repo,
    version: p.version,
    releaseName: p.name ?? r.name,
    namespace: p.namespace,
    includeCRDs: p.skipCrds !== true,
    valuesInline: JSON.parse(JSON.stringify(p.values ?? {})),
  };
}

export function manifestFileName(obj: Record<string, any>): string {
  const ns = obj.metadata?.namespace ?? "_cluster";
  return `${ns}--${String(obj.kind).toLowerCase()}--${obj.metadata?.name}.yaml`;
}

/**
 * Writes a kustomize tree: one YAML file per Kubernetes object and a kustomization.yaml listing
 * them, with Helm releases as `helmCharts` (`kustomize build --enable-helm`, Argo CD).
 */
export function writeManifests(dir: string, resources: SynthesizedResource[]): { files: string[]; helmCharts: HelmChartEntry[] } {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const r of resources) {
    const obj = kubernetesObject(r);
    if (!obj) continue;
    const file = manifestFileName(obj);
    writeFileSync(join(dir, file), stringify(obj, { lineWidth: 0 }));
    files.push(file);
  }
  files.sort();
  const helmCharts = resources.filter((r) => r.type === HELM_RELEASE).map(helmChartEntry);
  const kustomization: Record<string, unknown> = { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: files };
  if (helmCharts.length) kustomization.helmCharts = helmCharts;
  writeFileSync(join(dir, "kustomization.yaml"), stringify(kustomization, { lineWidth: 0 }));
  return { files, helmCharts };
}
