/**
 * What the observability builders are told about the platform: where each metrics endpoint is and
 * the plan's numbers the alerts compare against. Plain data (no config types), shared by the
 * `Observability` component's args and its spec builders.
 */

/** A Secret key in the namespace of the ServiceMonitor that scrapes with it. */
/** The Secret key holding the bearer token a scrape sends. */
export interface BearerTokenSecret {
  name: string;
  key: string;
}

/** A Service port that serves Prometheus metrics. */
export interface MetricsEndpoint {
  /** Namespace of the Service (the ServiceMonitor is created there: a bearer-token Secret must be too). */
  namespace: string;
  /** Name of the Service: prometheus-operator puts it in the `service` and `job` labels of the target. */
  service: string;
  /** Labels that select exactly the Service(s) to scrape. */
  serviceLabels: { [key: string]: string };
  /** Name of the Service port (and of the container port it targets). */
  port: string;
  /** Default `/metrics`. */
  path?: string;
  /** Sent as `Authorization: Bearer <value>`. */
  bearerTokenSecret?: BearerTokenSecret;
  /**
   * Keep the metric's own `namespace`/`service` labels over the target's: for exporters whose metrics
   * describe other objects (the ingress controller's per-Ingress series, cert-manager's Certificates).
   */
  honorLabels?: boolean;
  /** Add a `node` label from the pod's node (per-node exporters such as DCGM). */
  nodeLabel?: boolean;
}

/** One vLLM server of the plan. */
export interface ModelServerPlan {
  /** Server name: the first served model name, which vLLM puts in its `model_name` label. */
  name: string;
  endpoint: MetricsEndpoint;
  /** Deployment name; its pods are `<deployment>-<hash>-<hash>`. */
  deployment: string;
  /** Container running vLLM (restarts are counted on it). */
  container: string;
  replicas: number;
  /** Requests one replica runs at once (`--max-num-seqs`); more wait in its queue. */
  maxNumSeqs: number;
  maxModelLen: number;
  /** KV-cache tokens the plan gives one replica (0: no KV cache, e.g. an embedding model). */
  kvCacheTokens: number;
  /** A generating (decoder) server: time to first token and KV cache apply. */
  generates: boolean;
  /** Seconds the startupProbe allows for download, load and graph capture. */
  startupSeconds: number;
  /** Names clients ask for (served model names), for dashboards. */
  servedNames: string[];
}

/** One physical GPU and the worst case the plan allows on it. */
export interface GpuCardPlan {
  /** Node name (the exporter's series get it as `node`). */
  node: string;
  /** NVML index of the card on its node (DCGM's `gpu` label, nvidia-smi's index). */
  index: number;
  memoryGiB: number;
  /** Worst-case footprint of the pods that may share this card (the policy pack's per-card plan). */
  plannedGiB: number;
  /** The pods of that worst case. */
  pods: string[];
}

export interface GpuFleetPlan {
  /** NVIDIA's DCGM exporter. */
  exporter: MetricsEndpoint;
  /** How the cards are shared (time-slicing, mps, none), for dashboards. */
  sharing: string;
  cards: GpuCardPlan[];
}

/** One public route of the edge: an Ingress of the controller. */
export interface EdgeRoutePlan {
  /** The Ingress object's name and namespace (ingress-nginx's `ingress` and `namespace` labels). */
  ingress: string;
  namespace: string;
  /** Public path prefix, e.g. `/chat/v1`. */
  path: string;
  /** The adapter the route pins, if any. */
  adapter?: string;
  /** `gateway` or `vector-store`. */
  backend: string;
}

export interface EdgePlan {
  /** The ingress-nginx controller's metrics Service. */
  controller: MetricsEndpoint;
  routes: EdgeRoutePlan[];
}

export interface GatewayClientPlan {
  /** The client's virtual-key alias (`api_key_alias`). */
  name: string;
  /** USD per budget period; absent: no budget. */
  maxBudget?: number;
}

export interface GatewayPlan {
  /** LiteLLM's /metrics; absent when the image exposes nothing usable (the OSS image before its Prometheus callback was opened). */
  litellm?: MetricsEndpoint;
  clients: GatewayClientPlan[];
  /** Adapters the gateway serves (its model names). */
  adapters: string[];
}

export interface VectorStorePlan {
  endpoint: MetricsEndpoint;
  collection: string;
}

export interface CertificatesPlan {
  /** cert-manager's controller metrics Service. */
  controller: MetricsEndpoint;
  /** Namespaces whose Certificates are the platform's. */
  namespaces: string[];
}

/** Thresholds that are policy, not plan (SLOs, ratios); the plan's own numbers come with each target. */
export interface AlertThresholds {
  ttftSeconds: number;
  ttftQuantile: number;
  queueFor: string;
  kvCacheUsage: number;
  gateway5xxRatio: number;
  gateway429Ratio: number;
  budgetRemainingRatio: number;
  certificateExpiryDays: number;
  volumeFreeRatio: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  ttftSeconds: 2,
  ttftQuantile: 0.95,
  queueFor: "5m",
  kvCacheUsage: 0.9,
  gateway5xxRatio: 0.05,
  gateway429Ratio: 0.1,
  budgetRemainingRatio: 0.1,
  certificateExpiryDays: 21,
  volumeFreeRatio: 0.1,
};

/** Everything the rules and dashboards are generated from. */
export interface MonitoringPlan {
  modelServers: ModelServerPlan[];
  gpus?: GpuFleetPlan;
  edge?: EdgePlan;
  gateway?: GatewayPlan;
  vectorStore?: VectorStorePlan;
  certificates?: CertificatesPlan;
  /** Namespaces whose PersistentVolumeClaims are watched (kubelet volume stats). */
  volumeNamespaces: string[];
  thresholds: AlertThresholds;
  /** Base of the alerts' runbook links; `#<alert name in lower case>` is appended. */
  runbookUrl: string;
}
