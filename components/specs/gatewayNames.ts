/**
 * Kubernetes names of the gateway's, Qdrant's and the Bitwarden store's objects, derived from the
 * component's name so that two instances coexist in one namespace (and, for the cluster-scoped store,
 * one cluster). The rule is Helm's `fullname`: the component name when it already names the app
 * (`qdrant` → `qdrant`), else `<component>-<app>` (`gateway` → `gateway-litellm`).
 */
export function fullName(component: string, app: string): string {
  return (component.includes(app) ? component : `${component}-${app}`).slice(0, 52).replace(/-+$/, "");
}

/** Every object name of a LiteLLMGateway, from the component's name. */
export function liteLLMGatewayNames(component: string) {
  const app = fullName(component, "litellm");
  return {
    /** Deployment, Service and PodDisruptionBudget of the proxy. */
    litellm: app,
    config: `${app}-config`,
    /** Master and salt keys. */
    keys: `${app}-keys`,
    /** Redis password and config file. */
    redis: `${component}-redis`,
    /** Postgres: StatefulSet, Services, PDB; the Secret holds the admin and application passwords. */
    postgres: `${component}-postgres`,
    postgresData: `${component}-postgres-data`,
    postgresBackups: `${component}-postgres-backups`,
    /** Provider credentials, written by External Secrets. */
    providerKeys: `${component}-provider-keys`,
    /** S3 credentials of the logical backups, written by External Secrets. */
    backupCredentials: `${component}-postgres-backup-s3`,
    clientKey: (client: string) => `${app}-client-${client}`,
    /** The key that may read only /metrics (key `key`), for Prometheus. */
    metricsKey: `${app}-metrics`,
  };
}

/** Every object name of a QdrantStore, from the component's name. */
export function qdrantStoreNames(component: string) {
  const app = fullName(component, "qdrant");
  return {
    /** StatefulSet, Service and PodDisruptionBudget. */
    qdrant: app,
    headless: `${app}-headless`,
    apiKey: `${app}-api-keys`,
    storage: `${app}-storage`,
    /** Qdrant's own snapshot directory: staging only. */
    snapshots: `${app}-snapshots`,
    /** Where snapshots are shipped (never mounted by Qdrant). */
    backups: `${app}-backups`,
    backupCredentials: `${app}-backup-s3`,
    /** A token with global read access (key `token`): what Qdrant asks for on /metrics, for Prometheus. */
    metricsToken: `${app}-metrics-token`,
  };
}

/** The ClusterSecretStore of a BitwardenSecrets component. */
export function bitwardenStoreName(component: string): string {
  return fullName(component, "bitwarden");
}
