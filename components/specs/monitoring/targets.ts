/**
 * What the observability builders are told about the platform: where each metrics endpoint is and
 * the plan's numbers the alerts compare against. Plain data (no config types), shared by the
 * `Observability` component's args and its spec builders.
 */

/** The Secret key holding the bearer token a scrape sends (in the namespace of the monitor that scrapes with it). */
export interface BearerTokenSecret {
  name: string;
  key: string;
}

/** Pods scraped directly (a PodMonitor), for exporters no Service exposes. */
export interface PodTarget {
  /** Labels that select exactly the pods to scrape. */
  labels: { [key: string]: string };
  /** The `job` label the PodMonitor gives their series (rules and dashboards select by it). */
  job: string;
}

/**
 * A port that serves Prometheus metrics: a Service's (a ServiceMonitor) or, with `pods`, the pods'
 * own container port (a PodMonitor).
 */
export interface MetricsEndpoint {
  /** Namespace of the Service or pods (the monitor is created there: a bearer-token Secret must be too). */
  namespace: string;
  /** Name of the Service: prometheus-operator puts it in the `service` and `job` labels of the target. */
  service?: string;
  /** Labels that select exactly the Service(s) to scrape. */
  serviceLabels?: { [key: string]: string };
  /** Pods to scrape without a Service (instead of `service`/`serviceLabels`). */
  pods?: PodTarget;
  /** Name of the Service port (and of the container port it targets), or of the pods' container port. */
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

/** Which edge serves the public routes (`edge.implementation`). */
export const EdgeImplementation = { IngressNginx: "ingress-nginx", GatewayApi: "gateway-api" } as const;
export type EdgeImplementation = (typeof EdgeImplementation)[keyof typeof EdgeImplementation];

/** One public route of the edge: an Ingress (ingress-nginx) or an HTTPRoute (Gateway API). */
export interface EdgeRoutePlan {
  /** Name of the Ingress or HTTPRoute (ingress-nginx labels its series `ingress`; NGINX Gateway Fabric has no per-route series). */
  name: string;
  /** Its namespace (the backend's). */
  namespace: string;
  /** Public path prefix, e.g. `/chat/v1`. */
  path: string;
  /** The adapter whose base URL the route is, if any. */
  adapter?: string;
  /** `gateway` or `vector-store`. */
  backend: string;
}

export interface EdgePlan {
  implementation: EdgeImplementation;
  /**
   * The controller: ingress-nginx's metrics Service (per-Ingress request counts by status), or NGINX
   * Gateway Fabric's control-plane pods (its own health: config event processing).
   */
  controller: MetricsEndpoint;
  /**
   * gateway-api: the Gateway's NGINX data-plane pods, whose NGINX agent exports NGINX OSS's connection
   * and request counters (stub_status: no status codes, no per-route series).
   */
  dataPlane?: MetricsEndpoint;
  /** NGINX replicas serving the edge: the controller's (ingress-nginx) or the data plane's (gateway-api). */
  replicas: number;
  routes: EdgeRoutePlan[];
}

export interface GatewayClientPlan {
  /** The client's virtual-key alias (`api_key_alias`). */
  name: string;
  /** USD per budget period; absent: no budget. */
  maxBudget?: number;
}

export interface GatewayPlan {
  /**
   * LiteLLM's /metrics (its Prometheus callback: per key alias, per requested model, per status code);
   * absent when not scraped (an image older than v1.80 exposes nothing usable without a licence).
   */
  litellm?: MetricsEndpoint;
  /** LiteLLM replicas. */
  replicas: number;
  clients: GatewayClientPlan[];
  /** Adapters the gateway serves (model names clients ask for), each with its public path route, if any. */
  adapters: GatewayAdapterPlan[];
  /** Every model name the gateway serves: adapters, embedding servers, providers, `default`. */
  models: string[];
}

export interface GatewayAdapterPlan {
  name: string;
  /** Public base path of the adapter, e.g. `/chat/v1`; absent without an edge. */
  path?: string;
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
