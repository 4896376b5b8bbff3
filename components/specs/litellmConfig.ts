import { LIMITS_CALLBACK } from "./gatewayLimits";

/** What a model entry serves. */
export const ModelMode = { Chat: "chat", Embedding: "embedding", Rerank: "rerank" } as const;
export type ModelMode = (typeof ModelMode)[keyof typeof ModelMode];

/** One entry of LiteLLM's `model_list`. */
export interface GatewayModel {
  /** What clients ask for (`model` in the request): an adapter name, `embedding`, a provider name or `default`. */
  name: string;
  /** LiteLLM's provider/model string, e.g. `hosted_vllm/chatbot`, `openai/gpt-4o-mini`. */
  model: string;
  apiBase?: string;
  mode: ModelMode;
  rpm?: number;
  tpm?: number;
  maxParallelRequests?: number;
  /** Context window, so LiteLLM can pick context_window_fallbacks. */
  maxInputTokens?: number;
  /** Extra litellm_params (credentials as `os.environ/NAME` references, region, project). */
  params?: { [key: string]: string };
}

export interface LiteLLMConfigArgs {
  models: GatewayModel[];
  numRetries: number;
  timeoutSeconds: number;
  fallbacks: { [model: string]: string[] };
  contextWindowFallbacks: { [model: string]: string[] };
  redis: { host: string; port: number };
  /** LiteLLM's Prometheus metrics on /metrics (open source since BerriAI/litellm#16689, v1.80), behind a key. */
  metrics?: boolean;
}

/** The callback that records LiteLLM's Prometheus metrics (PrometheusLogger, litellm/integrations/prometheus.py). */
export const PROMETHEUS_CALLBACK = "prometheus";

function fallbackList(map: { [model: string]: string[] }): { [model: string]: string[] }[] {
  return Object.entries(map).map(([model, to]) => ({ [model]: to }));
}

/**
 * LiteLLM's config.yaml as an object. Secrets are never values here: LiteLLM resolves every
 * `os.environ/NAME` from the pod's environment, which comes from Kubernetes Secrets. Only open-source
 * settings: `max_request_size_mb` is Enterprise-only (check_if_request_size_is_safe skips it without a
 * licence), so request caps are the llm_platform_limits pre-call hook (a documented open-source
 * extension point, proxy/call_hooks). The `prometheus` callback has been open source since
 * BerriAI/litellm#16689 (Nov 2025, v1.80; before it, PrometheusLogger recorded only a "not a premium
 * user" counter): with `metrics`, it records the proxy's per-key, per-model and per-status counters,
 * `/metrics` keeps asking for a key (`require_auth_for_metrics_endpoint`, on by default since v1.85;
 * stated here so a default change cannot open it), and every key's budget gauges are filled at start
 * and refreshed (`prometheus_initialize_budget_metrics`), not only after a key's next request.
 */
export function litellmConfig(a: LiteLLMConfigArgs): Record<string, unknown> {
  return {
    model_list: a.models.map((m) => ({
      model_name: m.name,
      litellm_params: {
        model: m.model,
        ...(m.apiBase ? { api_base: m.apiBase } : {}),
        ...(m.rpm ? { rpm: m.rpm } : {}),
        ...(m.tpm ? { tpm: m.tpm } : {}),
        ...(m.maxParallelRequests ? { max_parallel_requests: m.maxParallelRequests } : {}),
        ...m.params,
      },
      model_info: { mode: m.mode, ...(m.maxInputTokens ? { max_input_tokens: m.maxInputTokens } : {}) },
    })),
    litellm_settings: {
      drop_params: true,
      request_timeout: a.timeoutSeconds,
      callbacks: [LIMITS_CALLBACK, ...(a.metrics ? [PROMETHEUS_CALLBACK] : [])],
      ...(a.metrics ? { require_auth_for_metrics_endpoint: true, prometheus_initialize_budget_metrics: true } : {}),
    },
    router_settings: {
      routing_strategy: "simple-shuffle",
      num_retries: a.numRetries,
      timeout: a.timeoutSeconds,
      fallbacks: fallbackList(a.fallbacks),
      context_window_fallbacks: fallbackList(a.contextWindowFallbacks),
      // Rate-limit and parallel-request counters shared by every proxy replica.
      redis_host: a.redis.host,
      redis_port: a.redis.port,
      redis_password: "os.environ/REDIS_PASSWORD",
    },
    general_settings: {
      master_key: "os.environ/LITELLM_MASTER_KEY",
      database_url: "os.environ/DATABASE_URL",
      store_model_in_db: false,
      // The admin key is never shown back through /user/info (the UI).
      disable_master_key_return: true,
    },
  };
}
