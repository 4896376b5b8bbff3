import { z } from "zod";

/**
 * `llm-platform:cluster`: which Kubernetes cluster the stack deploys to. The program gives every
 * Kubernetes resource one explicit provider with this `context` (platform/provider.ts), so the
 * kubeconfig's current context no longer decides where prod's updates and destroys go; the identity
 * is what `npm run doctor` checks the context against before anything is applied.
 */

/** A Kubernetes UID as the API server writes it (RFC 4122 text form). */
const UID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const clusterIdentitySchema = z
  .strictObject({
    /**
     * UID of the `kube-system` namespace: created with the cluster and never changed, so two clusters
     * never share it (a rebuilt cluster gets a new one). `kubectl --context <c> get namespace kube-system -o jsonpath='{.metadata.uid}'`.
     */
    kubeSystemUid: z
      .string()
      .regex(UID, {
        error: (i) => `"${String(i.input)}" is not a Kubernetes UID: use the output of kubectl get namespace kube-system -o jsonpath='{.metadata.uid}'`,
      })
      .optional(),
    /**
     * The API server URL the context's cluster entry must name (`kubectl config view --minify -o
     * jsonpath='{.clusters[0].cluster.server}'`). Weaker than the UID: a rebuilt cluster or another one
     * behind the same address answers on the same URL.
     */
    server: z.url({ error: (i) => `"${String(i.input)}" is not a URL such as https://192.168.1.10:6443` }).optional(),
  })
  .refine((identity) => identity.kubeSystemUid !== undefined || identity.server !== undefined, {
    error: "needs kubeSystemUid (recommended) or server",
  });

export const clusterConfigSchema = z.strictObject({
  /** The kubeconfig context the explicit Kubernetes provider uses; absent: kubectl's current context (dev only). */
  context: z.string().min(1, { error: "must name a kubeconfig context (kubectl config get-contexts -o name)" }).optional(),
  /** What the context must reach; `npm run doctor` exits 1 when the cluster behind the context is another one. */
  identity: clusterIdentitySchema.optional(),
  /**
   * Another stack deploys to the same cluster: this stack's namespaces, Helm release names and edge
   * IngressClass/GatewayClass are prefixed with `platform.environment` (`dev-llm-gateway`,
   * `dev-addons-ingress-nginx`, `dev-nginx`), so the two stacks' objects never share a name.
   */
  shared: z.boolean().default(false),
});

export type ClusterConfig = z.output<typeof clusterConfigSchema>;

/** What a stack with `platform.protectStatefulData` must say about its cluster, with the fix. */
export function clusterConfigIssues(config: {
  platform: { protectStatefulData: boolean; environment: string };
  cluster: ClusterConfig;
  namespaces: Record<string, string>;
  monitoring?: { namespace?: string };
}): { path: PropertyKey[]; message: string }[] {
  const issues: { path: PropertyKey[]; message: string }[] = [];
  if (config.platform.protectStatefulData) {
    if (config.cluster.context === undefined) {
      issues.push({
        path: ["cluster", "context"],
        message:
          "is required in a stack with platform.protectStatefulData: name the kubeconfig context of the cluster this stack deploys to " +
          "(kubectl config get-contexts -o name), so the current context cannot send its updates and destroys elsewhere",
      });
    }
    if (config.cluster.identity === undefined) {
      issues.push({
        path: ["cluster", "identity"],
        message:
          "is required in a stack with platform.protectStatefulData: give {kubeSystemUid: <uid>} from " +
          "`kubectl --context <context> get namespace kube-system -o jsonpath='{.metadata.uid}'`; npm run doctor refuses any other cluster",
      });
    }
  }
  if (config.cluster.shared) {
    const names: [PropertyKey[], string][] = [
      ...Object.entries(config.namespaces).map(([key, name]) => [["namespaces", key], name] as [PropertyKey[], string]),
      ...(config.monitoring?.namespace ? [[["monitoring", "namespace"], config.monitoring.namespace] as [PropertyKey[], string]] : []),
    ];
    for (const [path, name] of names) {
      const scoped = stackScopedName(config.platform.environment, name);
      if (scoped.length > 63) {
        issues.push({
          path,
          message: `"${scoped}" (prefixed with platform.environment for cluster.shared) is longer than 63 characters: shorten the namespace or the environment`,
        });
      }
    }
  }
  return issues;
}

/** A name of a stack in a shared cluster: `<environment>-<name>` (once: a name already prefixed stays). */
export function stackScopedName(environment: string, name: string): string {
  return name.startsWith(`${environment}-`) ? name : `${environment}-${name}`;
}

interface Scopable {
  platform: { environment: string };
  cluster: ClusterConfig;
  namespaces: Record<string, string>;
  monitoring?: { namespace?: string } | undefined;
  edge?: { ingressNginx: { ingressClass: string }; gatewayApi: { gatewayClass: string } } | undefined;
}

/**
 * The configuration as a stack in a shared cluster sees it: every namespace and the edge's class
 * names prefixed with `platform.environment`. Applied once, when the config is parsed, so the program,
 * the plan's flows and policies and the doctor all read the same names. Without `cluster.shared`,
 * the config itself.
 */
export function stackScoped<T extends Scopable>(config: T): T {
  if (!config.cluster.shared) return config;
  const scope = (name: string) => stackScopedName(config.platform.environment, name);
  return {
    ...config,
    namespaces: Object.fromEntries(Object.entries(config.namespaces).map(([key, name]) => [key, scope(name)])),
    ...(config.monitoring
      ? { monitoring: { ...config.monitoring, ...(config.monitoring.namespace ? { namespace: scope(config.monitoring.namespace) } : {}) } }
      : {}),
    ...(config.edge
      ? {
          edge: {
            ...config.edge,
            ingressNginx: { ...config.edge.ingressNginx, ingressClass: scope(config.edge.ingressNginx.ingressClass) },
            gatewayApi: { ...config.edge.gatewayApi, gatewayClass: scope(config.edge.gatewayApi.gatewayClass) },
          },
        }
      : {}),
  };
}
