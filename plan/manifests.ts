import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Document, parse, visit } from "yaml";
import { chartName, isCustomResourceType } from "../policies/ordering";
import type { DeployOrder } from "./deployOrder";
import type { SynthesizedResource } from "./synthesize";

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile";
const SECRET = "kubernetes:core/v1:Secret";
const CLUSTER_SECRET_STORE = /^kubernetes:external-secrets\.io\/[^:]+:ClusterSecretStore$/;
/** The marker synthesize.ts puts where only the provider knows the value (generated passwords). */
const GENERATED = "[generated at deploy time]";

/** Argo CD: apply in waves, each after the previous one is healthy; skip the dry run of kinds whose CRD a chart installs. */
export const SYNC_WAVE = "argocd.argoproj.io/sync-wave";
export const SYNC_OPTIONS = "argocd.argoproj.io/sync-options";

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

/** True when a plain scalar would not read back as this same string under YAML 1.1 or 1.2. */
export function readsAsOtherThanString(text: string): boolean {
  for (const version of ["1.1", "1.2"] as const) {
    try {
      if (parse(text, { version }) !== text) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/** True when a plain mapping key would not read back as this string key (e.g. `<<`, a YAML 1.1 merge key). */
function keyReadsOtherwise(text: string): boolean {
  for (const version of ["1.1", "1.2"] as const) {
    try {
      const map = parse(`${text}: 0`, { version }) as Record<string, unknown> | null;
      if (!map || typeof map !== "object" || Object.keys(map).length !== 1 || !(text in map)) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/**
 * YAML that every reader takes the same way. `kubectl apply -f` and many tools read YAML 1.1, where
 * `off`, `on`, `yes`, `no`, `y`, `n`, `~`, `0777`, `1:20`, `2026-01-01` are booleans, numbers, null or
 * timestamps; YAML 1.2 (the `yaml` package's default) writes them bare. Every single-line string that
 * either version would read as something else is double-quoted, keys included.
 */
export function toYaml(value: unknown): string {
  const doc = new Document(value, { version: "1.2" });
  visit(doc, {
    Scalar(key, node) {
      if (typeof node.value !== "string" || node.value.includes("\n")) return;
      if (readsAsOtherThanString(node.value) || (key === "key" && keyReadsOtherwise(node.value))) node.type = "QUOTE_DOUBLE";
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** A Secret the tree leaves out (its values exist only in Pulumi state) and what must provide it for a GitOps sync. */
export interface GitOpsSecret {
  namespace: string;
  name: string;
  keys: { key: string; format: string }[];
  /** `bitwarden`: an ExternalSecret replaces it, each key from the Bitwarden entry named in `remoteKeys`. `create`: create it by hand. */
  source: "bitwarden" | "create";
  remoteKeys?: Record<string, string>;
  howToCreate: string;
}

/** How a generated value looks (`sk-<random>`), from the placeholder the plan rendered. */
function valueFormat(value: unknown): string {
  const raw = String(value ?? "");
  // A file (redis.conf) reads as one line: its line breaks written as \n.
  const text = raw.includes("\n") ? JSON.stringify(raw).slice(1, -1) : raw;
  if (text.includes(GENERATED)) return text.split(GENERATED).join("<random>");
  const secret = /\[secret ([^\]]+)\]/.exec(text);
  if (secret) return text.replace(secret[0], `<value of ${secret[1]}>`);
  return "<value>";
}

/** The Bitwarden entry a generated Secret key is read from in the GitOps tree. */
export function bitwardenKey(stack: string, namespace: string, name: string, key: string): string {
  return `llm-platform-${stack}-${namespace}-${name}-${key}`;
}

function secretKeys(r: SynthesizedResource): { key: string; format: string }[] {
  const data: Record<string, unknown> = { ...(r.props.data ?? {}), ...(r.props.stringData ?? {}) };
  return Object.entries(data).map(([key, value]) => ({
    key,
    format: r.props.data?.[key] !== undefined && r.props.stringData?.[key] === undefined ? "<base64 value>" : valueFormat(value),
  }));
}

function bitwardenStore(resources: SynthesizedResource[]): SynthesizedResource | undefined {
  return resources.find((r) => CLUSTER_SECRET_STORE.test(r.type) && r.props.spec?.provider?.bitwardensecretsmanager);
}

function withAnnotations(obj: Record<string, any>, annotations: Record<string, string>): Record<string, any> {
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...(obj.metadata?.annotations ?? {}), ...annotations } } };
}

export interface ManifestTree {
  /** Path (relative to the tree's root) → file content, kustomization.yaml files included. */
  contents: Map<string, string>;
  /** The object files the root kustomization lists. */
  files: string[];
  helmCharts: HelmChartEntry[];
  /** Secrets the tree does not carry, with what provides them. */
  secrets: GitOpsSecret[];
}

export interface ManifestOptions {
  stack: string;
  order?: DeployOrder;
}

/**
 * A kustomize tree Argo CD can sync as it is: one YAML file per Kubernetes object and a
 * kustomization.yaml listing them; each Helm release in its own `charts/<release>` kustomization
 * (`helmCharts`, `kustomize build --enable-helm`) so its objects get the release's sync wave.
 *
 * - No Secret carries a value: with a Bitwarden ClusterSecretStore in the stack each generated Secret
 *   becomes an ExternalSecret of the same name (the values live in Bitwarden); without one it is left out
 *   and listed with its keys.
 * - `argocd.argoproj.io/sync-wave` is the object's wave in the deploy order (plan/deployOrder.ts), so
 *   custom resources follow the releases that install their CRDs and webhooks; custom resources also get
 *   `SkipDryRunOnMissingResource=true` (their kind does not exist when Argo CD dry-runs the first sync).
 * - Every scalar that YAML 1.1 or 1.2 would read as a non-string is quoted (`toYaml`).
 */
export function renderManifests(resources: SynthesizedResource[], options: ManifestOptions = { stack: "stack" }): ManifestTree {
  const contents = new Map<string, string>();
  const waveOf = (urn: string) => options.order?.waveOf.get(urn);
  const store = bitwardenStore(resources);
  const storeWave = store ? waveOf(store.urn) : undefined;
  const files: string[] = [];
  const secrets: GitOpsSecret[] = [];
  const write = (obj: Record<string, any>, wave: number | undefined, custom: boolean) => {
    const annotations: Record<string, string> = {};
    if (wave !== undefined) annotations[SYNC_WAVE] = String(wave);
    if (custom) annotations[SYNC_OPTIONS] = "SkipDryRunOnMissingResource=true";
    const file = manifestFileName(obj);
    contents.set(file, toYaml(Object.keys(annotations).length ? withAnnotations(obj, annotations) : obj));
    files.push(file);
  };
  for (const r of resources) {
    const obj = kubernetesObject(r);
    if (!obj) continue;
    if (r.type === SECRET) {
      const namespace = obj.metadata?.namespace ?? "default";
      const name = obj.metadata?.name ?? r.name;
      const keys = secretKeys(r);
      if (store) {
        const remoteKeys = Object.fromEntries(keys.map((k) => [k.key, bitwardenKey(options.stack, namespace, name, k.key)]));
        const externalSecret = {
          apiVersion: "external-secrets.io/v1",
          kind: "ExternalSecret",
          metadata: { name, namespace, labels: obj.metadata?.labels },
          spec: {
            refreshInterval: "1h",
            secretStoreRef: { name: store.props.metadata?.name, kind: "ClusterSecretStore" },
            target: { name, creationPolicy: "Owner", template: { type: obj.type ?? "Opaque" } },
            data: keys.map((k) => ({ secretKey: k.key, remoteRef: { key: remoteKeys[k.key] } })),
          },
        };
        const wave = Math.max(waveOf(r.urn) ?? 0, (storeWave ?? -1) + 1);
        write(JSON.parse(JSON.stringify(externalSecret)), options.order ? wave : undefined, true);
        secrets.push({
          namespace,
          name,
          keys,
          source: "bitwarden",
          remoteKeys,
          howToCreate: `create ${keys.map((k) => `${remoteKeys[k.key]} (${k.format})`).join(", ")} in the Bitwarden project of ClusterSecretStore ${store.props.metadata?.name}`,
        });
      } else {
        secrets.push({
          namespace,
          name,
          keys,
          source: "create",
          howToCreate: `kubectl -n ${namespace} create secret generic ${name} ${keys.map((k) => `--from-literal=${k.key}=${k.format}`).join(" ")} (before the sync; or configure llm-platform:externalSecrets.bitwarden to have the tree read it from Bitwarden)`,
        });
      }
      continue;
    }
    write(obj, waveOf(r.urn), isCustomResourceType(r.type));
  }
  files.sort();

  const releases = resources.filter((r) => r.type === HELM_RELEASE);
  const helmCharts = releases.map(helmChartEntry);
  const chartDirs: string[] = [];
  releases.forEach((r, i) => {
    const entry = helmCharts[i]!;
    const sub = `charts/${entry.releaseName}`;
    const wave = waveOf(r.urn);
    const kustomization: Record<string, unknown> = {
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      ...(wave !== undefined ? { commonAnnotations: { [SYNC_WAVE]: String(wave) } } : {}),
      helmCharts: [entry],
    };
    contents.set(
      `${sub}/kustomization.yaml`,
      `# ${chartName(r)} ${entry.version ?? ""}: \`kustomize build --enable-helm\` renders it\n${toYaml(kustomization)}`,
    );
    chartDirs.push(sub);
  });
  // Manifests the program applies from a URL (ConfigFile: the Gateway API's and node-feature-discovery's
  // CRDs): kustomize fetches remote resources itself; each gets its own kustomization for its wave.
  const remoteDirs: string[] = [];
  for (const r of resources.filter((x) => x.type === CONFIG_FILE && /^https?:\/\//.test(String(x.props.file ?? "")))) {
    const sub = `remote/${r.name}`;
    const wave = waveOf(r.urn);
    const kustomization = {
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      ...(wave !== undefined ? { commonAnnotations: { [SYNC_WAVE]: String(wave) } } : {}),
      resources: [String(r.props.file)],
    };
    contents.set(`${sub}/kustomization.yaml`, `# applied by the program from ${String(r.props.file)}\n${toYaml(kustomization)}`);
    remoteDirs.push(sub);
  }
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: [...files, ...chartDirs.sort(), ...remoteDirs.sort()],
  };
  contents.set("kustomization.yaml", toYaml(kustomization));
  return { contents, files, helmCharts, secrets };
}

/** Writes a rendered tree into `dir`, replacing what was there. */
export function writeTree(dir: string, tree: ManifestTree): ManifestTree {
  rmSync(dir, { recursive: true, force: true });
  for (const [path, text] of tree.contents) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return tree;
}

/** Renders the tree (`renderManifests`) into `dir`. */
export function writeManifests(dir: string, resources: SynthesizedResource[], options?: ManifestOptions): ManifestTree {
  return writeTree(dir, renderManifests(resources, options));
}
