/**
 * When a change to a resource's inputs is an update and when it forces a replacement: the rules of the
 * providers this stack uses, restated so the offline plan can classify a change without them.
 *
 * pulumi-kubernetes (read at github.com/pulumi/pulumi-kubernetes commit 94977969, v4.32.0+27, the newest
 * snapshot at hand; the project pins the SDK at 4.34.2 and the tables below have not changed in the
 * provider since v4.0):
 * - provider/pkg/provider/diff.go `forceNewProperties` and its `forceNew` table: `.metadata.name` and
 *   `.metadata.namespace` always; per group/version/kind the fields below; a Secret's `.type`, and its
 *   `.data`/`.stringData` unless the provider runs with `enableSecretMutable` (and the Secret is not
 *   `immutable`); a ConfigMap's `.data`/`.binaryData` likewise with `enableConfigMapMutable`.
 * - provider/pkg/provider/provider.go `Diff`: a changed property replaces when a force-new path matches
 *   it (`convertPatchToDiff` → openapi.PatchPropertiesChanged on the changed value's path); the
 *   replacement deletes first (`DeleteBeforeReplace`) when the object has a fixed `.metadata.name`
 *   that stays the same in the same namespace; `pulumi.com/replaceUnready` replaces a Job that is not
 *   complete (read from the cluster: the offline plan can only note it).
 * - provider/pkg/provider/helm_release.go `Diff`: a Helm Release replaces only when `.name` or
 *   `.namespace` changes, never delete-first; values, chart and version are updates.
 * - provider/pkg/provider/provider.go `DiffConfig`: a provider is replaced (and every resource it
 *   manages with it) when `clusterIdentifier` changes, when it stays unset and the kubeconfig's
 *   active cluster changes, or when `renderYamlToDirectory` changes; other changes are updates.
 * - The engine asks DiffConfig the same question when a resource moves to another provider
 *   (pulumi/pulumi#18509: explicit providers as default ones), so a move that keeps the cluster is an
 *   update.
 *
 * @pulumi/random 4.21.2 (terraform-provider-random): every input of a random resource, `keepers`
 * included, requires replacement ("Arbitrary map of values that, when changed, will trigger recreation
 * of resource"); a replaced generator produces a new value.
 *
 * @pulumi/docker 5.2.0 (terraform-provider-docker, internal/provider/resource_docker_container.go at
 * kreuzwerker/terraform-provider-docker commit 042f771a): a container's name, image, command,
 * entrypoint, env, ports, volumes, mounts, healthcheck and nearly all else are `ForceNew`; only the
 * fields in DOCKER_UPDATABLE are changed in place. Images and volumes are replaced on any change but
 * the local-keeping flags.
 */

/** A property path as the provider prints it: segments are keys or array indexes. */
export type PathSegment = string | number;

/** `.spec.containers[*].image` → `["spec", "containers", "*", "image"]`. */
export function parsePattern(pattern: string): PathSegment[] {
  return pattern
    .replace(/\[\*\]/g, ".*")
    .split(".")
    .filter((s) => s.length > 0);
}

const labelSelector = (prefix: string) => [
  `${prefix}.matchExpressions`,
  `${prefix}.matchExpressions.key`,
  `${prefix}.matchExpressions.operator`,
  `${prefix}.matchExpressions.values`,
  `${prefix}.matchLabels`,
];

const CONTAINER_FIELDS = [
  "args",
  "command",
  "env",
  "env.value",
  "image",
  "imagePullPolicy",
  "lifecycle",
  "livenessProbe",
  "ports",
  "readinessProbe",
  "resources",
  "securityContext",
  "stdin",
  "stdinOnce",
  "terminationMessagePath",
  "terminationMessagePolicy",
  "tty",
  "volumeDevices",
  "volumeMounts",
  "workingDir",
];

const POD_FIELDS = [
  ".spec.affinity",
  ".spec.automountServiceAccountToken",
  ".spec.dnsConfig",
  ".spec.dnsPolicy",
  ".spec.enableServiceLinks",
  ".spec.hostAliases",
  ".spec.hostIPC",
  ".spec.hostNetwork",
  ".spec.hostPID",
  ".spec.hostname",
  ".spec.imagePullSecrets",
  ".spec.nodeName",
  ".spec.nodeSelector",
  ".spec.overhead",
  ".spec.preemptionPolicy",
  ".spec.priority",
  ".spec.priorityClassName",
  ".spec.readinessGates",
  ".spec.restartPolicy",
  ".spec.runtimeClassName",
  ".spec.schedulerName",
  ".spec.securityContext",
  ".spec.serviceAccount",
  ".spec.serviceAccountName",
  ".spec.shareProcessNamespace",
  ".spec.subdomain",
  ".spec.terminationGracePeriodSeconds",
  ".spec.volumes",
  ...[".spec.containers[*]", ".spec.initContainers[*]"].flatMap((prefix) => CONTAINER_FIELDS.map((f) => `${prefix}.${f}`)),
];

const DEPLOYMENT = [".spec.selector", ...labelSelector(".spec.selector")];
const STATEFUL_SET = [
  ".spec.podManagementPolicy",
  ".spec.revisionHistoryLimit",
  ".spec.selector",
  ".spec.serviceName",
  ".spec.volumeClaimTemplates",
  ...labelSelector(".spec.selector"),
];
const JOB = [".spec.completions", ".spec.parallelism", ".spec.selector", ".spec.template", ...labelSelector(".spec.selector")];
const ROLE_BINDING = [".roleRef"];

const CORE: Record<string, string[]> = {
  PersistentVolume: [
    ".spec.awsElasticBlockStore",
    ".spec.azureDisk",
    ".spec.azureFile",
    ".spec.cephfs",
    ".spec.cinder",
    ".spec.csi",
    ".spec.fc",
    ".spec.flexVolume",
    ".spec.flocker",
    ".spec.gcePersistentDisk",
    ".spec.glusterfs",
    ".spec.hostPath",
    ".spec.iscsi",
    ".spec.local",
    ".spec.nfs",
    ".spec.photonPersistentDisk",
    ".spec.portworxVolume",
    ".spec.quobyte",
    ".spec.rbd",
    ".spec.scaleIO",
    ".spec.storageos",
    ".spec.vsphereVolume",
  ],
  PersistentVolumeClaim: [".spec.accessModes", ".spec.selector", ".spec.storageClassName", ".spec.volumeName", ...labelSelector(".spec.selector")],
  Pod: POD_FIELDS,
  ResourceQuota: [".spec.scopes"],
  Secret: [".type"],
  Service: [".spec.clusterIP"],
};

/** diff.go's `forceNew`: group → version → kind → force-new paths ("core" and "" are the core group). */
const FORCE_NEW: Record<string, Record<string, Record<string, string[]>>> = {
  apps: {
    v1beta1: { StatefulSet: STATEFUL_SET },
    v1beta2: { DaemonSet: DEPLOYMENT, Deployment: DEPLOYMENT, StatefulSet: STATEFUL_SET },
    v1: { DaemonSet: DEPLOYMENT, Deployment: DEPLOYMENT, StatefulSet: STATEFUL_SET },
  },
  core: { v1: CORE },
  "": { v1: CORE },
  policy: { v1beta1: { PodDisruptionBudget: [".spec"] } },
  "rbac.authorization.k8s.io": {
    v1alpha1: { ClusterRoleBinding: ROLE_BINDING, RoleBinding: ROLE_BINDING },
    v1beta1: { ClusterRoleBinding: ROLE_BINDING, RoleBinding: ROLE_BINDING },
    v1: { ClusterRoleBinding: ROLE_BINDING, RoleBinding: ROLE_BINDING },
  },
  "storage.k8s.io": { v1: { StorageClass: [".parameters", ".provisioner"] } },
  batch: { v1beta1: { Job: JOB }, v1: { Job: JOB }, v2alpha1: { Job: JOB } },
};

/** The settings of a pulumi-kubernetes provider that change its replacement rules. */
export interface KubernetesProviderSettings {
  enableSecretMutable?: boolean;
  enableConfigMapMutable?: boolean;
}

/** `kubernetes:apps/v1:Deployment` → group apps, version v1, kind Deployment. */
export function kubernetesGvk(type: string): { group: string; version: string; kind: string } | undefined {
  const m = /^kubernetes:(?:([^/:]+)\/)?([^/:]+):([A-Za-z0-9]+)$/.exec(type);
  if (!m) return undefined;
  return { group: m[1] ?? "core", version: m[2]!, kind: m[3]! };
}

const truthy = (v: unknown) => v === true || v === "true";

/** The force-new paths of a Kubernetes object with these (new) inputs, as `forceNewProperties` computes them. */
export function kubernetesForceNew(type: string, newInputs: Record<string, any>, settings: KubernetesProviderSettings = {}): string[] {
  const props = [".metadata.name", ".metadata.namespace"];
  const gvk = kubernetesGvk(type);
  if (!gvk) return props;
  const versions = FORCE_NEW[gvk.group];
  const kinds = versions?.[gvk.version];
  if (!kinds) return props;
  const immutable = newInputs.immutable === true;
  if (gvk.kind === "Secret" && (gvk.group === "core" || gvk.group === "")) {
    if (!truthy(settings.enableSecretMutable) || immutable) return [...props, ".type", ".stringData", ".data"];
  }
  if (kinds[gvk.kind]) return [...props, ...kinds[gvk.kind]!];
  if (gvk.kind === "ConfigMap" && (gvk.group === "core" || gvk.group === "") && (!truthy(settings.enableConfigMapMutable) || immutable)) {
    return [...props, ".binaryData", ".data"];
  }
  return props;
}

/** helm_release.go: a release is replaced only when its name or namespace changes. */
export const HELM_RELEASE_FORCE_NEW = [".name", ".namespace"];

/** Container fields terraform-provider-docker updates in place (resourceDockerContainerUpdate); every other field is ForceNew. */
export const DOCKER_UPDATABLE: Record<string, string[]> = {
  "docker:index/container:Container": [
    "restart",
    "maxRetryCount",
    "rm",
    "start",
    "wait",
    "waitTimeout",
    "attach",
    "logs",
    "mustRun",
    "removeVolumes",
    "cpuShares",
    "cpuSet",
    "memory",
    "memorySwap",
    "destroyGraceSeconds",
  ],
  "docker:index/remoteImage:RemoteImage": ["keepLocally", "forceRemove"],
  "docker:index/volume:Volume": [],
};

/**
 * Whether a change at `path` (whose new value is `value`, undefined for a deletion) matches the
 * force-new `pattern`: the provider builds an object holding only the changed value at its path and
 * looks the pattern up in it, so a pattern matches a change at or below it, and a change above it when
 * the pattern's remainder exists in the new value (`*` matches any index).
 */
export function matchesPattern(path: PathSegment[], value: unknown, pattern: PathSegment[]): boolean {
  let i = 0;
  for (; i < pattern.length && i < path.length; i++) {
    const p = pattern[i]!;
    const s = path[i]!;
    if (p === "*" ? typeof s !== "number" : String(p) !== String(s)) return false;
  }
  if (i === pattern.length) return true;
  // The path ends above the pattern: look the rest up inside the changed value.
  let node: unknown = value;
  for (; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === "*") {
      if (!Array.isArray(node)) return false;
      const rest = pattern.slice(i + 1);
      return node.some((el) => matchesPattern([], el, rest));
    }
    if (node === null || typeof node !== "object" || Array.isArray(node) || !(String(p) in (node as object))) return false;
    node = (node as Record<string, unknown>)[String(p)];
  }
  return true;
}

/** True when a change at `path` forces replacement under any of the `.a.b[*].c` patterns. */
export function forcesReplacement(path: PathSegment[], value: unknown, patterns: string[]): boolean {
  return patterns.some((p) => matchesPattern(path, value, parsePattern(p)));
}

/**
 * DiffConfig of two pulumi-kubernetes provider configurations: "replace" (every resource of the
 * provider is replaced), "update" or "same", and why.
 */
export function kubernetesProviderDiff(olds: Record<string, unknown>, news: Record<string, unknown>): { op: "same" | "update" | "replace"; reason: string } {
  const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => k !== "version");
  const changed = keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
  if (changed.length === 0) return { op: "same", reason: "" };
  const has = (m: Record<string, unknown>, k: string) => m[k] !== undefined && m[k] !== null && m[k] !== "";
  if (has(olds, "clusterIdentifier") && has(news, "clusterIdentifier")) {
    if (olds.clusterIdentifier !== news.clusterIdentifier)
      return {
        op: "replace",
        reason: `clusterIdentifier ${String(olds.clusterIdentifier)} → ${String(news.clusterIdentifier)}: the provider and everything it manages are replaced`,
      };
    return { op: "update", reason: `${changed.join(", ")} (clusterIdentifier unchanged: never a replacement)` };
  }
  if (changed.includes("renderYamlToDirectory")) return { op: "replace", reason: "renderYamlToDirectory changes: every manifest is rendered anew" };
  const clusterKeys = changed.filter((k) => k === "kubeconfig" || k === "context" || k === "cluster");
  if (clusterKeys.length > 0 && (has(olds, "kubeconfig") || has(news, "kubeconfig"))) {
    // DiffConfig compares the kubeconfig's active cluster entry; the offline plan cannot read a kubeconfig.
    return {
      op: "replace",
      reason: `${clusterKeys.join(", ")} change with a kubeconfig input: the provider replaces everything if the active cluster entry differs (the offline plan cannot tell)`,
    };
  }
  return {
    op: "update",
    reason: `provider configuration ${changed.join(", ")} (no kubeconfig input: the active cluster cannot be compared, so never a replacement)`,
  };
}
