import type { ClusterConfig } from "../config/clusterSchema";
import type { ClusterReader } from "./cluster";

export interface IdentityResult {
  /** ok: the context reaches the stack's cluster. mismatch: another cluster (the doctor exits 1). unverified: no identity configured. */
  status: "ok" | "mismatch" | "unverified";
  detail: string;
}

/** `https://10.0.0.1:6443/` and `https://10.0.0.1:6443` are one server. */
function normalizeServer(url: string): string {
  return url.replace(/\/+$/, "").toLowerCase();
}

/**
 * Is the cluster behind this context the one `llm-platform:cluster.identity` names? The kube-system
 * namespace's UID is fixed when a cluster is created (another cluster, or the same one rebuilt, has
 * another); the API server URL is compared as the kubeconfig names it. Read-only: one GET.
 */
export async function checkClusterIdentity(config: ClusterConfig, cluster: ClusterReader): Promise<IdentityResult> {
  const identity = config.identity;
  const uid = (await cluster.namespace("kube-system"))?.metadata?.uid;
  const problems: string[] = [];
  const matched: string[] = [];
  if (identity?.kubeSystemUid !== undefined) {
    if (uid === identity.kubeSystemUid) matched.push(`kube-system UID ${uid}`);
    else
      problems.push(
        `its kube-system namespace has UID ${uid ?? "(none: no kube-system namespace)"}, not ${identity.kubeSystemUid} (llm-platform:cluster.identity.kubeSystemUid)`,
      );
  }
  if (identity?.server !== undefined) {
    if (normalizeServer(cluster.server) === normalizeServer(identity.server)) matched.push(`server ${cluster.server}`);
    else problems.push(`its API server is ${cluster.server}, not ${identity.server} (llm-platform:cluster.identity.server)`);
  }
  if (problems.length) {
    return {
      status: "mismatch",
      detail: `context ${cluster.context} reaches another cluster than this stack's: ${problems.join("; ")}. Nothing was checked further; \`pulumi up\` or \`destroy\` through this context would act on the wrong cluster. Fix the kubeconfig entry of ${config.context ?? "the context"}, or run from the machine whose kubeconfig reaches the stack's cluster`,
    };
  }
  if (matched.length) return { status: "ok", detail: `${matched.join(", ")}: the stack's cluster` };
  return {
    status: "unverified",
    detail: `no llm-platform:cluster.identity: this cluster's is {kubeSystemUid: ${uid ?? "unknown"}}; set it (pulumi config set --path 'llm-platform:cluster.identity.kubeSystemUid' ${uid ?? "<uid>"}) so the doctor refuses any other cluster`,
  };
}
