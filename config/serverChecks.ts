import { MODEL_CATALOG } from "@llm-platform/capacity";

/** Just what the checks read of the parsed config (so this module does not import the schema it serves). */
interface ServersView {
  models: Record<string, { id: string }>;
  servers: Record<string, { model: string; task: string; maxModelLen: number }>;
  adapters: Record<string, { server?: string }>;
}

export interface ServerIssue {
  path: (string | number)[];
  message: string;
}

/**
 * What the schema alone cannot see about servers, checked as vLLM and the gateway would read them:
 * a `--max-model-len` beyond the model's context (vLLM refuses to start unless told to override the
 * model's `max_position_embeddings`), and a chat adapter routed to a server that cannot chat.
 */
export function serverConfigIssues(config: ServersView): ServerIssue[] {
  const issues: ServerIssue[] = [];
  for (const [name, server] of Object.entries(config.servers)) {
    const entry = MODEL_CATALOG[config.models[server.model]?.id ?? ""];
    if (!entry) continue; // an unknown model alias or id is reported by its own check
    if (server.maxModelLen > entry.maxPositionEmbeddings) {
      issues.push({
        path: ["servers", name, "maxModelLen"],
        message:
          `${server.maxModelLen} tokens is beyond the context of ${entry.architecture.name} (${entry.maxPositionEmbeddings} tokens, its max_position_embeddings): ` +
          `vLLM refuses to start; use at most ${entry.maxPositionEmbeddings}, or a model with a longer context`,
      });
    }
  }
  for (const [name, adapter] of Object.entries(config.adapters)) {
    const server = adapter.server ? config.servers[adapter.server] : undefined;
    if (server && server.task !== "generate") {
      issues.push({
        path: ["adapters", name, "server"],
        message:
          `"${adapter.server}" serves task ${server.task} (${config.models[server.model]?.id ?? server.model}): adapters are chat/completion endpoints and need a generate server; ` +
          `${server.task === "embed" ? "embeddings are served under the server's own name at /v1/embeddings" : "the server is reached under its own name"}`,
      });
    }
  }
  return issues;
}
