/**
 * Per-request caps the gateway enforces before a request reaches a model: `n`/`best_of`, `max_tokens`
 * (also `max_completion_tokens`, `max_output_tokens`; requests without one get the cap) and the size of
 * the prompt or input. A LiteLLM pre-call hook (`async_pre_call_hook` of a CustomLogger, the documented
 * open-source way to reject or modify requests: docs/proxy/call_hooks), loaded from the config
 * directory as `llm_platform_limits.proxy_handler_instance`. The caps come from LLM_PLATFORM_LIMITS;
 * a key's `metadata.max_tokens` lowers the cap for that client.
 */
export const LIMITS_MODULE_FILE = "llm_platform_limits.py";
export const LIMITS_CALLBACK = "llm_platform_limits.proxy_handler_instance";
export const LIMITS_ENV = "LLM_PLATFORM_LIMITS";

export interface RequestLimits {
  maxTokens: number;
  maxN: number;
  maxRequestBytes: number;
}

export function limitsEnv(limits: RequestLimits): { name: string; value: string } {
  return { name: LIMITS_ENV, value: JSON.stringify(limits) };
}

export const LIMITS_MODULE = `"""llm-platform request caps for the LiteLLM proxy: a pre-call hook (open-source callback API)."""
import json
import os

from fastapi import HTTPException
from litellm.integrations.custom_logger import CustomLogger

LIMITS = json.loads(os.environ.get("${LIMITS_ENV}") or "{}")

# Calls that generate tokens (LiteLLM passes the route's call type: "acompletion" for /chat/completions).
GENERATION = {"completion", "acompletion", "text_completion", "atext_completion", "responses", "aresponses"}
RESPONSES = {"responses", "aresponses"}
TOKEN_FIELDS = ("max_tokens", "max_completion_tokens", "max_output_tokens")
SIZED_FIELDS = ("messages", "prompt", "input", "tools", "functions")


def _reject(message):
    raise HTTPException(status_code=400, detail={"error": "llm-platform limits: " + message})


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def token_cap(user_api_key_dict):
    cap = LIMITS.get("maxTokens")
    metadata = getattr(user_api_key_dict, "metadata", None) or {}
    key_cap = metadata.get("max_tokens") if isinstance(metadata, dict) else None
    if _whole(key_cap) and key_cap > 0 and (cap is None or key_cap < cap):
        cap = key_cap
    return cap


def check_request(data, call_type, user_api_key_dict=None):
    """The request to send on (max_tokens capped), or HTTPException(400) naming the limit."""
    max_bytes = LIMITS.get("maxRequestBytes")
    if max_bytes:
        size = sum(len(json.dumps(data[f], default=str).encode("utf-8")) for f in SIZED_FIELDS if data.get(f) is not None)
        if size > max_bytes:
            _reject("the request's content is %d bytes; the limit is %d" % (size, max_bytes))
    if call_type not in GENERATION:
        return data
    max_n = LIMITS.get("maxN")
    if max_n is not None:
        for field in ("n", "best_of"):
            value = data.get(field)
            if value is not None and (not _whole(value) or value > max_n):
                _reject("%s=%r is above the limit of %d per request" % (field, value, max_n))
    cap = token_cap(user_api_key_dict)
    if cap is not None:
        asked = [f for f in TOKEN_FIELDS if data.get(f) is not None]
        for field in asked:
            if not _whole(data[field]) or data[field] > cap:
                _reject("%s=%r is above the limit of %d" % (field, data[field], cap))
        if not asked:
            data["max_output_tokens" if call_type in RESPONSES else "max_tokens"] = cap
    return data


class RequestLimits(CustomLogger):
    async def async_pre_call_hook(self, user_api_key_dict, cache, data, call_type):
        return check_request(data, call_type, user_api_key_dict)


proxy_handler_instance = RequestLimits()
`;
