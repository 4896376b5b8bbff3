import { createHash } from "node:crypto";
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "./labels";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./security";

/** Where every pod mounts the model cache volume. */
export const MODEL_CACHE_MOUNT = "/models";
/** HF_HOME inside the volume: the Hugging Face cache lives under `huggingface/hub/`. */
export const MODEL_CACHE_HF_DIR = "huggingface";
export const MODEL_CACHE_HF_HOME = `${MODEL_CACHE_MOUNT}/${MODEL_CACHE_HF_DIR}`;
export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";
export const DEFAULT_DOWNLOAD_TIMEOUT_SECONDS = 3600;
/** What the Job's await allows beyond its own deadline: scheduling and pulling the small image. */
export const DOWNLOAD_AWAIT_MARGIN_SECONDS = 600;
/**
 * Files vLLM never reads from a Hugging Face checkpoint: Meta's duplicate `original/` consolidated
 * weights, ONNX/OpenVINO/Core ML exports, GGUF, TensorFlow/Flax/Rust weights. Shell patterns
 * (`*` also matches `/`).
 */
export const DEFAULT_DOWNLOAD_EXCLUDE = [
  "original/*",
  "onnx/*",
  "openvino/*",
  "coreml/*",
  "*.gguf",
  "*.onnx",
  "*.onnx_data",
  "*.h5",
  "*.msgpack",
  "*.ot",
  "*.tflite",
];

/** A model repository revision the cache holds. */
export interface CachedModel {
  /** Hugging Face repo id (`owner/name`). */
  id: string;
  /** Commit SHA (pin it in production), branch or tag; default `main`. */
  revision?: string;
  /** The repo is gated: its download needs the token (the Secret becomes required). */
  gated?: boolean;
}

/**
 * The download Job's script: one model revision from the Hub into the Hugging Face cache layout
 * (`$HF_HOME/hub/models--<owner>--<name>/snapshots/<commit>/…`, `refs/<revision>`) that
 * huggingface_hub — and so vLLM with HF_HUB_OFFLINE=1 — reads without the network. Runs in a small
 * curl image (sh, curl, sed, grep, sha256sum): the only pod with the token and internet egress has no
 * Python and no inference engine. It lists the revision's files with `GET /api/models/<id>/revision/
 * <rev>?blobs=true` (sizes and LFS sha256), fetches each with `/<id>/resolve/<commit>/<file>`
 * (redirects followed, partial files resumed), checks size and sha256, and skips files already
 * complete, so a retried Job continues where the last one stopped.
 */
export const DOWNLOAD_SCRIPT = `set -eu
# Downloads one model revision from the Hugging Face Hub into the Hugging Face cache layout
# ($HF_HOME/hub/models--<owner>--<name>/snapshots/<commit>/..., refs/<revision>), which
# huggingface_hub (and so vLLM) reads offline. Tools: sh, curl, sed, grep, sha256sum, wc.
die() { echo "model-download: $*" >&2; exit 1; }
[ -n "\${MODEL_ID:-}" ] || die "MODEL_ID is not set"
[ -n "\${HF_HOME:-}" ] || die "HF_HOME is not set"
revision="\${REVISION:-main}"
endpoint="\${HF_ENDPOINT:-https://huggingface.co}"
repo_dir="$HF_HOME/hub/models--$(printf '%s' "$MODEL_ID" | sed 's#/#--#g')"
work="\${TMPDIR:-/tmp}"
headers="$work/hf-headers"
# The token goes in a header file, not on curl's command line; curl sends a custom Authorization
# header only to the host it was given, never to the CDN a download redirects to.
umask 077
: > "$headers"
if [ -n "\${HF_TOKEN:-}" ]; then printf 'Authorization: Bearer %s\\n' "$HF_TOKEN" > "$headers"; fi
umask 022
hub() { curl --fail --silent --show-error --location --retry 5 --retry-delay 5 --connect-timeout 30 -H "@$headers" "$@"; }
size_of() { wc -c < "$1" | tr -d ' '; }

rev_path=$(printf '%s' "$revision" | sed 's#/#%2F#g')
info=$(hub "$endpoint/api/models/$MODEL_ID/revision/$rev_path?blobs=true") ||
  die "cannot read $MODEL_ID at revision $revision from $endpoint (is the id right? a gated model needs a token with access)"
sha=$(printf '%s' "$info" | grep -o '"sha" *: *"[0-9a-f]\\{40\\}"' | head -n 1 | grep -o '[0-9a-f]\\{40\\}') ||
  die "the Hub's answer for $MODEL_ID@$revision has no commit sha"
if printf '%s' "$revision" | grep -q '^[0-9a-f]\\{40\\}$' && [ "$revision" != "$sha" ]; then
  die "asked for commit $revision, the Hub answered $sha"
fi
snapshot="$repo_dir/snapshots/$sha"

excluded() {
  set -f
  for pattern in \${EXCLUDE:-}; do
    case "$1" in $pattern) set +f; return 0 ;; esac
  done
  set +f
  return 1
}

# One sibling per line: everything from its "rfilename" to the end of the list.
entries=$(printf '%s' "$info" | tr -d '\\n' | sed 's/{ *"rfilename"/\\
{"rfilename"/g' | grep '^{"rfilename"' | sed 's/].*//') || die "the Hub lists no files for $MODEL_ID@$sha"
list="$work/hf-files"
: > "$list"
printf '%s\\n' "$entries" > "$work/hf-entries"
while IFS= read -r entry; do
  name=$(printf '%s' "$entry" | sed -n 's/^{"rfilename" *: *"\\([^"\\\\]*\\)".*/\\1/p')
  [ -n "$name" ] || die "unsupported file name in: $(printf '%s' "$entry" | cut -c1-120)"
  case "$name" in /* | .. | ../* | */../* | */.. | *'%'* | *'#'* | *'?'*) die "refusing file name $name" ;; esac
  if excluded "$name"; then echo "skip $name (excluded)"; continue; fi
  size=$(printf '%s' "$entry" | grep -o '"size" *: *[0-9]*' | head -n 1 | grep -o '[0-9]*$') || die "$name: the Hub gives no size"
  digest=$(printf '%s' "$entry" | grep -o '"sha256" *: *"[0-9a-f]\\{64\\}"' | head -n 1 | grep -o '[0-9a-f]\\{64\\}' || true)
  dest="$snapshot/$name"
  printf '%s\\n' "$name" >> "$list"
  if [ -f "$dest" ] && [ "$(size_of "$dest")" = "$size" ]; then echo "have $name"; continue; fi
  mkdir -p "$(dirname "$dest")"
  part="$dest.incomplete"
  if [ -f "$part" ] && [ "$(size_of "$part")" -ge "$size" ]; then rm -f "$part"; fi
  url="$endpoint/$MODEL_ID/resolve/$sha/$(printf '%s' "$name" | sed 's/ /%20/g')"
  # Resume a partial file; a server that cannot resume gets one fresh attempt.
  if ! hub --continue-at - --output "$part" "$url"; then
    rm -f "$part"
    hub --output "$part" "$url" || die "download of $name failed"
  fi
  got=$(size_of "$part")
  if [ "$got" != "$size" ]; then rm -f "$part"; die "$name: downloaded $got bytes, the Hub lists $size"; fi
  if [ -n "$digest" ] && [ "$(sha256sum "$part" | cut -d ' ' -f 1)" != "$digest" ]; then rm -f "$part"; die "$name: sha256 differs from the Hub's $digest"; fi
  mv "$part" "$dest"
  echo "got $name ($size bytes)"
done < "$work/hf-entries"
count=$(grep -c . "$list" || true)
[ "$count" -gt 0 ] || die "no files left to download for $MODEL_ID@$sha after EXCLUDE"
if [ "$revision" != "$sha" ]; then
  mkdir -p "$(dirname "$repo_dir/refs/$revision")"
  printf '%s' "$sha" > "$repo_dir/refs/$revision"
fi
echo "model-download: $MODEL_ID@$sha complete ($count files) in $snapshot"
`;

/** Short, stable key of a model revision: a new revision is a new Job (Job templates are immutable). */
export function modelKey(model: Pick<CachedModel, "id" | "revision">): string {
  return createHash("sha256")
    .update(`${model.id}@${model.revision ?? "main"}`)
    .digest("hex")
    .slice(0, 10);
}

/** Directory of a repo inside the Hugging Face cache (huggingface_hub's `repo_folder_name`). */
export function hfRepoFolder(id: string): string {
  return `models--${id.replace(/\//g, "--")}`;
}

/** The Job's name: `<cache>-<model slug>-<key>`, at most 63 characters (the job-name label's limit). */
export function downloadJobName(cache: string, model: Pick<CachedModel, "id" | "revision">): string {
  const key = modelKey(model);
  // A cache name too long to leave room for the key is cut: the key alone keeps the names apart.
  const prefix = cache.length > 63 - key.length - 1 ? cache.slice(0, 63 - key.length - 1).replace(/-+$/, "") : cache;
  const room = 63 - prefix.length - key.length - 2;
  const slug = model.id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, Math.max(0, room))
    .replace(/^-+|-+$/g, "");
  return slug ? `${prefix}-${slug}-${key}` : `${prefix}-${key}`;
}

export function modelCacheLabels(cache: string): Record<string, string> {
  return standardLabels("model-download", cache, "model-cache");
}

export interface DownloadJobSpec {
  /** The model cache component's name. */
  cache: string;
  namespace: pulumi.Input<string>;
  image: pulumi.Input<string>;
  model: CachedModel;
  claimName: pulumi.Input<string>;
  /** Secret holding a Hugging Face token: required by gated models, optional (rate limits) for others. */
  hfTokenSecret?: { name: pulumi.Input<string>; key: pulumi.Input<string> };
  endpoint: pulumi.Input<string>;
  exclude: pulumi.Input<string>;
  /** The Job's activeDeadlineSeconds. */
  timeoutSeconds: number;
  nodeSelector?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
  tolerations?: pulumi.Input<pulumi.Input<k8s.types.input.core.v1.Toleration>[]>;
  resources?: pulumi.Input<k8s.types.input.core.v1.ResourceRequirements>;
}

export function downloadJobEnv(a: DownloadJobSpec): k8s.types.input.core.v1.EnvVar[] {
  const env: k8s.types.input.core.v1.EnvVar[] = [
    { name: "MODEL_ID", value: a.model.id },
    { name: "REVISION", value: a.model.revision ?? "main" },
    { name: "HF_HOME", value: MODEL_CACHE_HF_HOME },
    { name: "HF_ENDPOINT", value: a.endpoint },
    { name: "EXCLUDE", value: a.exclude },
    { name: "HOME", value: "/tmp" },
    { name: "TMPDIR", value: "/tmp" },
  ];
  if (a.hfTokenSecret) {
    // Optional unless the model is gated: a missing Secret then only costs Hub rate limits.
    env.push({ name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: a.hfTokenSecret.name, key: a.hfTokenSecret.key, optional: !a.model.gated } } });
  } else if (a.model.gated) {
    throw new Error(`model ${a.model.id} is gated: its download needs a Hugging Face token Secret (hfTokenSecret)`);
  }
  return env;
}

/**
 * One Job per model revision. No TTL (a finished Job that disappears drops out of Pulumi's state on
 * the next refresh) and `pulumi.com/replaceUnready: "true"`: a failed download is replaced on the next
 * `up` instead of awaited forever (pulumi-kubernetes#856; the provider's Job docs).
 */
export function downloadJobSpec(a: DownloadJobSpec): k8s.batch.v1.JobArgs {
  const labels = { ...modelCacheLabels(a.cache), "llm-platform.io/model-key": modelKey(a.model) };
  return {
    metadata: {
      name: downloadJobName(a.cache, a.model),
      namespace: a.namespace,
      labels,
      annotations: {
        "pulumi.com/replaceUnready": "true",
        "llm-platform.io/model-id": a.model.id,
        "llm-platform.io/model-revision": a.model.revision ?? "main",
      },
    },
    spec: {
      backoffLimit: 4,
      activeDeadlineSeconds: a.timeoutSeconds,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          securityContext: restrictedPodSecurity(),
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          nodeSelector: a.nodeSelector,
          tolerations: a.tolerations,
          containers: [
            {
              name: "download",
              image: a.image,
              imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", DOWNLOAD_SCRIPT],
              env: downloadJobEnv(a),
              resources: a.resources ?? { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1", memory: "512Mi" } },
              securityContext: { ...restrictedContainerSecurity(), readOnlyRootFilesystem: true },
              volumeMounts: [
                { name: "model-cache", mountPath: MODEL_CACHE_MOUNT },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "model-cache", persistentVolumeClaim: { claimName: a.claimName } },
            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
          ],
        },
      },
    },
  };
}

/** How long `pulumi up` waits for a download Job: its deadline plus scheduling; the provider's default is 10 minutes. */
export function downloadAwaitSeconds(timeoutSeconds: number): number {
  return timeoutSeconds + DOWNLOAD_AWAIT_MARGIN_SECONDS;
}
