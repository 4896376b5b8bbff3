import type { ProvidersConfig } from "../../config/gatewaySchema";
import type { GatewayModel } from "./litellmConfig";

export type ProviderName = Exclude<ProvidersConfig["default"], "cluster">;

/** Each credential: the env var LiteLLM reads and the Bitwarden secret it comes from. */
export interface ProviderCredential {
  env: string;
  bitwardenSecret: string;
}

/** Credentials a provider needs before it can be used, with the config key that supplies each. */
export const REQUIRED_CREDENTIALS: Record<ProviderName, { env: string; key: string }[]> = {
  openai: [{ env: "OPENAI_API_KEY", key: "apiKey" }],
  anthropic: [{ env: "ANTHROPIC_API_KEY", key: "apiKey" }],
  bedrock: [
    { env: "AWS_ACCESS_KEY_ID", key: "accessKeyId" },
    { env: "AWS_SECRET_ACCESS_KEY", key: "secretAccessKey" },
  ],
  vertexai: [{ env: "VERTEXAI_CREDENTIALS", key: "serviceAccountJson" }],
  ollama: [],
  "vllm-local": [],
};

/** What a configured provider still lacks (credentials or an endpoint); empty when usable. */
export function providerProblems(providers: ProvidersConfig, name: ProviderName, workstationEngine?: "vllm" | "ollama"): string[] {
  const settings = providers[name] as Record<string, unknown> | undefined;
  if (!settings) return [`providers.${name} is not configured`];
  const missing = REQUIRED_CREDENTIALS[name].filter((c) => !settings[c.key]).map((c) => `providers.${name}.${c.key}.bitwardenSecret (${c.env})`);
  if (name === "vllm-local" && !settings.apiBase && workstationEngine !== "vllm") missing.push("providers.vllm-local.apiBase (or a vllm workstation)");
  if (name === "ollama" && !settings.apiBase && workstationEngine !== "ollama") missing.push("providers.ollama.apiBase (or an ollama workstation)");
  return missing.length ? [`missing ${missing.join(", ")}`] : [];
}

/** Every credential of the configured providers, for the ExternalSecret and the gateway's env. */
export function providerCredentials(providers: ProvidersConfig): ProviderCredential[] {
  const out: ProviderCredential[] = [];
  for (const name of Object.keys(REQUIRED_CREDENTIALS) as ProviderName[]) {
    const settings = providers[name] as Record<string, { bitwardenSecret: string } | undefined> | undefined;
    if (!settings) continue;
    for (const c of REQUIRED_CREDENTIALS[name]) {
      const ref = settings[c.key];
      if (ref) out.push({ env: c.env, bitwardenSecret: ref.bitwardenSecret });
    }
  }
  return out;
}

/** LiteLLM model entry for a provider, under the given public model name. */
export function providerModel(providers: ProvidersConfig, name: ProviderName, modelName: string, workstationUrl?: string): GatewayModel {
  switch (name) {
    case "openai":
      return { name: modelName, model: `openai/${providers.openai!.model}`, mode: "chat", params: { api_key: "os.environ/OPENAI_API_KEY" } };
    case "anthropic":
      return { name: modelName, model: `anthropic/${providers.anthropic!.model}`, mode: "chat", params: { api_key: "os.environ/ANTHROPIC_API_KEY" } };
    case "ollama":
      return { name: modelName, model: `ollama_chat/${providers.ollama!.model}`, apiBase: providers.ollama!.apiBase ?? workstationUrl, mode: "chat" };
    case "vllm-local":
      return { name: modelName, model: `hosted_vllm/${providers["vllm-local"]!.model}`, apiBase: providers["vllm-local"]!.apiBase ?? workstationUrl, mode: "chat" };
    case "bedrock":
      return {
        name: modelName,
        model: `bedrock/${providers.bedrock!.model}`,
        mode: "chat",
        params: { aws_region_name: providers.bedrock!.region, aws_access_key_id: "os.environ/AWS_ACCESS_KEY_ID", aws_secret_access_key: "os.environ/AWS_SECRET_ACCESS_KEY" },
      };
    case "vertexai":
      return {
        name: modelName,
        model: `vertex_ai/${providers.vertexai!.model}`,
        mode: "chat",
        params: { vertex_project: providers.vertexai!.project, vertex_location: providers.vertexai!.location, vertex_credentials: "os.environ/VERTEXAI_CREDENTIALS" },
      };
  }
}

/** The providers that are configured (and so get a model entry named after them). */
export function configuredProviders(providers: ProvidersConfig): ProviderName[] {
  return (Object.keys(REQUIRED_CREDENTIALS) as ProviderName[]).filter((name) => providers[name] !== undefined);
}
