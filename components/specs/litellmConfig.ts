/** One entry of LiteLLM's `model_list`. */
export interface GatewayModel {
  /** What clients ask for (`model` in the request): an adapter name, `embedding`, a provider name or `default`. */
  name: string;
  /** LiteLLM's provider/model string, e.g. `hosted_vllm/chatbot`, `openai/gpt-4o-mini`. */
  model: string;
  apiBase?: string;
  mode: "chat" | "embedding";
  rpm?: number;
  tpm?: number;
  maxParallelRequests?: number;
  /** Context window, so LiteLLM can pick context_window_fallbacks. */
  maxInputTokens?: number;
  /** Extra litellm_params (credentials as `os.environ/NAME` references, region, project). */
  params?: Record<string, string>;
}

export interface LiteLLMConfigArgs {
  models: GatewayModel[];
  numRetries: number;
  timeoutSeconds: number;
  fallbacks: Record<string, string[]>;
  contextWindowFallbacks: Record<string, string[]>;
  redis: { host: string; port: number };
}

function fallbackList(map: Record<string, string[]>): Record<string, string[]>[] {
  return Object.entries(map).map(([model, to]) => ({ [model]: to }));
}

/**
 * LiteLLM's config.yaml as an object. Secrets are never values here: LiteLLM resolves every
 * `os.environ/NAME` from the pod's environment, which comes from Kubernetes Secrets.
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
    litellm_settings: { drop_params: true, request_timeout: a.timeoutSeconds, callbacks: ["prometheus"] },
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
    },
  };
}
