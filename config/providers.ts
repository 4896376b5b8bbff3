import type { ProvidersConfig } from "./gatewaySchema";

export type ProviderName = Exclude<ProvidersConfig["default"], "cluster">;

/**
 * Which cloud and local providers are configured and what each still lacks: the checks config
 * validation runs before anything is declared.
 */

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

/** The providers that are configured (and so get a model entry named after them). */
export function configuredProviders(providers: ProvidersConfig): ProviderName[] {
  return (Object.keys(REQUIRED_CREDENTIALS) as ProviderName[]).filter((name) => providers[name] !== undefined);
}
