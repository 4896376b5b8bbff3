import * as k8s from "@kubernetes/client-node";

/** The read-only questions the doctor asks the API server; `undefined` where the object does not exist (404). */
export interface ClusterReader {
  /** Context name and API server URL, for messages. */
  readonly context: string;
  readonly server: string;
  version(): Promise<string>;
  /** A namespace (the doctor reads kube-system's UID: the cluster's identity). */
  namespace(name: string): Promise<k8s.V1Namespace | undefined>;
  storageClass(name: string): Promise<k8s.V1StorageClass | undefined>;
  storageClasses(): Promise<k8s.V1StorageClass[]>;
  nodes(labelSelector?: string): Promise<k8s.V1Node[]>;
  runtimeClass(name: string): Promise<k8s.V1RuntimeClass | undefined>;
  secret(namespace: string, name: string): Promise<k8s.V1Secret | undefined>;
  services(): Promise<k8s.V1Service[]>;
  service(namespace: string, name: string): Promise<k8s.V1Service | undefined>;
  endpoints(namespace: string, name: string): Promise<k8s.V1Endpoints | undefined>;
  /** Cluster-scoped custom objects; undefined when the API (the CRD) does not exist. */
  customObjects(group: string, version: string, plural: string): Promise<unknown[] | undefined>;
}

/** A 404 becomes `undefined`; any other error (unreachable, 401, 403) propagates. */
async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

/**
 * A KubeConfig as kubectl reads it: `$KUBECONFIG` (or ~/.kube/config), or `file`; `context` overrides
 * the current context. Only GET requests are ever made.
 */
export function loadKubeConfig(file?: string, context?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  if (context) {
    if (!kc.getContexts().some((c) => c.name === context)) {
      throw new Error(
        `the kubeconfig has no context "${context}" (it has: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(", ") || "none"
        })`,
      );
    }
    kc.setCurrentContext(context);
  }
  return kc;
}

/** The ClusterReader over @kubernetes/client-node's typed APIs. */
export function kubeClusterReader(kc: k8s.KubeConfig): ClusterReader {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const storage = kc.makeApiClient(k8s.StorageV1Api);
  const node = kc.makeApiClient(k8s.NodeV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const versionApi = kc.makeApiClient(k8s.VersionApi);
  return {
    context: kc.getCurrentContext(),
    server: kc.getCurrentCluster()?.server ?? "(no cluster)",
    version: async () => (await versionApi.getCode()).gitVersion,
    namespace: (name) => orUndefined(core.readNamespace({ name })),
    storageClass: (name) => orUndefined(storage.readStorageClass({ name })),
    storageClasses: async () => (await storage.listStorageClass()).items,
    nodes: async (labelSelector) => (await core.listNode(labelSelector ? { labelSelector } : {})).items,
    runtimeClass: (name) => orUndefined(node.readRuntimeClass({ name })),
    secret: (namespace, name) => orUndefined(core.readNamespacedSecret({ name, namespace })),
    services: async () => (await core.listServiceForAllNamespaces()).items,
    service: (namespace, name) => orUndefined(core.readNamespacedService({ name, namespace })),
    endpoints: (namespace, name) => orUndefined(core.readNamespacedEndpoints({ name, namespace })),
    customObjects: async (group, version, plural) => {
      const list = (await orUndefined(custom.listClusterCustomObject({ group, version, plural }))) as { items?: unknown[] } | undefined;
      return list?.items;
    },
  };
}
