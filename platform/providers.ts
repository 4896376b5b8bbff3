import type { ProvidersConfig } from "../config/gatewaySchema";
import type { ProviderName } from "../config/providers";
import type { GatewayModel } from "../components/specs/litellmConfig";

/** The gateway's env var holding the dev workstation's vLLM API key. */
export const WORKSTATION_API_KEY_ENV = "WORKSTATION_API_KEY";

/** LiteLLM model entry for a provider, under the given public model name. */
export function providerModel(providers: ProvidersConfig, name: ProviderName, modelName: string, workstationUrl?: string): GatewayModel {
  switch (name) {
    case "openai":
      return { name: modelName, model: `openai/${providers.openai!.model}`, mode: "chat", params: { api_key: "os.environ/OPENAI_API_KEY" } };
    case "anthropic":
      return { name: modelName, model: `anthropic/${providers.anthropic!.model}`, mode: "chat", params: { api_key: "os.environ/ANTHROPIC_API_KEY" } };
    case "ollama":
      return { name: modelName, model: `ollama_chat/${providers.ollama!.model}`, apiBase: providers.ollama!.apiBase ?? workstationUrl, mode: "chat" };
    case "vllm-local": {
      const local = providers["vllm-local"]!;
      // The workstation's vLLM requires the key it was started with (--api-key via VLLM_API_KEY).
      const fromWorkstation = local.apiBase === undefined && workstationUrl !== undefined;
      return {
        name: modelName,
        model: `hosted_vllm/${local.model}`,
        apiBase: local.apiBase ?? workstationUrl,
        mode: "chat",
        ...(fromWorkstation ? { params: { api_key: `os.environ/${WORKSTATION_API_KEY_ENV}` } } : {}),
      };
    }
    case "bedrock":
      return {
        name: modelName,
        model: `bedrock/${providers.bedrock!.model}`,
        mode: "chat",
        params: {
          aws_region_name: providers.bedrock!.region,
          aws_access_key_id: "os.environ/AWS_ACCESS_KEY_ID",
          aws_secret_access_key: "os.environ/AWS_SECRET_ACCESS_KEY",
        },
      };
    case "vertexai":
      return {
        name: modelName,
        model: `vertex_ai/${providers.vertexai!.model}`,
        mode: "chat",
        params: {
          vertex_project: providers.vertexai!.project,
          vertex_location: providers.vertexai!.location,
          vertex_credentials: "os.environ/VERTEXAI_CREDENTIALS",
        },
      };
  }
}
