import type * as k8s from "@pulumi/kubernetes";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./security";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type EnvVar = k8s.types.input.core.v1.EnvVar;

/**
 * Pod Security "restricted" plus no API token: none of the gateway's or Qdrant's pods talks to the
 * Kubernetes API, so none gets a service-account token mounted.
 */
export function hardenedPod(uid: number): Pick<PodSpec, "securityContext" | "automountServiceAccountToken" | "enableServiceLinks"> {
  return { securityContext: restrictedPodSecurity(uid), automountServiceAccountToken: false, enableServiceLinks: false };
}

/** restricted, with a read-only root filesystem: every image here writes only to the volumes it is given. */
export function hardenedContainer(): k8s.types.input.core.v1.SecurityContext {
  return { ...restrictedContainerSecurity(), readOnlyRootFilesystem: true };
}

/**
 * Annotations of every Job: the pulumi-kubernetes provider replaces a Job that is not ready (failed or
 * unfinished) on the next update instead of waiting on it again (pulumi/pulumi-kubernetes#1575, #1578;
 * documented on kubernetes.batch/v1.Job). Jobs keep no ttlSecondsAfterFinished: a TTL would delete
 * them and a later refresh would drop them from the state.
 */
export const JOB_ANNOTATIONS = { "pulumi.com/replaceUnready": "true" };

export const SMALL_JOB_RESOURCES = { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "200m", memory: "128Mi" } };

/** A writable scratch directory for images that need one (read-only root filesystem). */
export const TMP_VOLUME = { name: "tmp", emptyDir: { sizeLimit: "64Mi" } };
export const TMP_MOUNT = { name: "tmp", mountPath: "/tmp" };

/** A one-container pod running a shell script with sh and curl (the setup Jobs' image). */
export function curlPod(
  image: string,
  name: string,
  script: string,
  env: EnvVar[],
  extra: { volumes?: k8s.types.input.core.v1.Volume[]; mounts?: k8s.types.input.core.v1.VolumeMount[]; uid?: number } = {},
): PodSpec {
  const container: Container = {
    name,
    image,
    command: ["/bin/sh", "-c", script],
    env,
    resources: SMALL_JOB_RESOURCES,
    securityContext: hardenedContainer(),
    volumeMounts: [TMP_MOUNT, ...(extra.mounts ?? [])],
  };
  return { restartPolicy: "OnFailure", ...hardenedPod(extra.uid ?? 100), containers: [container], volumes: [TMP_VOLUME, ...(extra.volumes ?? [])] };
}

/**
 * `s3_put FILE KEY`: uploads FILE to `$S3_ENDPOINT/$S3_BUCKET/[$S3_PREFIX/]KEY` with curl's AWS
 * Signature V4 (curl ≥ 7.75; path-style URLs, so MinIO and other S3-compatible stores work). The
 * credentials reach curl through a config on stdin, never its command line.
 */
export const S3_PUT_FUNCTION = `s3_put() {
  key="$2"; [ -n "\${S3_PREFIX:-}" ] && key="$S3_PREFIX/$2"
  printf 'user = "%s:%s"\\n' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" |
    curl -K - -fsS --aws-sigv4 "aws:amz:$S3_REGION:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$1" "$S3_ENDPOINT/$S3_BUCKET/$key" >/dev/null
  echo "uploaded $2 to s3://$S3_BUCKET/$key"
}`;

/** An S3-compatible bucket backups go to; its credentials Secret holds AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
export interface S3Target {
  endpoint: string;
  bucket: string;
  region: string;
  prefix: string;
  credentialsSecret: string;
}

export function s3Env(s3: S3Target): EnvVar[] {
  return [
    { name: "S3_ENDPOINT", value: s3.endpoint.replace(/\/+$/, "") },
    { name: "S3_BUCKET", value: s3.bucket },
    { name: "S3_REGION", value: s3.region },
    { name: "S3_PREFIX", value: s3.prefix },
    { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: s3.credentialsSecret, key: "AWS_ACCESS_KEY_ID" } } },
    { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: s3.credentialsSecret, key: "AWS_SECRET_ACCESS_KEY" } } },
  ];
}

/** Deletes all but the newest KEEP files matching DIR/GLOB (names sort by their UTC timestamp). */
export function pruneScript(dir: string, glob: string, keep: number): string {
  return `count=$(ls -1 ${dir}/${glob} 2>/dev/null | wc -l)
if [ "$count" -gt ${keep} ]; then
  ls -1 ${dir}/${glob} | sort | head -n $((count - ${keep})) | while read -r old; do rm -f "$old"; echo "deleted old backup $(basename "$old")"; done
fi`;
}
