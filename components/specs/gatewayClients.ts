import type * as k8s from "@pulumi/kubernetes";
import { createHash } from "node:crypto";
import { selectorLabels, standardLabels } from "./labels";
import { GATEWAY_SECRETS, LITELLM_PORT } from "./gatewayWorkloads";
import { fromSecret } from "./k8s";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./security";

export interface GatewayClient {
  rpm?: number;
  tpm?: number;
  maxParallelRequests?: number;
  maxBudget?: number;
  budgetDuration: string;
  models?: string[];
}

/**
 * The /key/generate (and /key/update) body for a client; its alias is the idempotency key. `models`
 * is always sent ([] is LiteLLM's "every model"), so narrowing or widening it takes effect on update.
 */
export function keyRequest(name: string, c: GatewayClient): Record<string, unknown> {
  return {
    key_alias: name,
    metadata: { client: name, managed_by: "llm-platform" },
    ...(c.rpm ? { rpm_limit: c.rpm } : {}),
    ...(c.tpm ? { tpm_limit: c.tpm } : {}),
    ...(c.maxParallelRequests ? { max_parallel_requests: c.maxParallelRequests } : {}),
    ...(c.maxBudget ? { max_budget: c.maxBudget, budget_duration: c.budgetDuration } : {}),
    models: c.models ?? [],
  };
}

/**
 * Per client file: find the key by alias; update its limits by token hash when it exists, else
 * generate it. The key itself is never printed (read it from the LiteLLM UI or /key/info).
 */
export const CLIENT_KEYS_SCRIPT = `set -eu
for f in /clients/*.json; do
  alias=$(basename "$f" .json)
  found=$(curl -fsS -H "Authorization: Bearer $LITELLM_MASTER_KEY" "$GATEWAY/key/list?key_alias=$alias&return_full_object=true")
  token=$(printf '%s' "$found" | sed -n 's/.*"token" *: *"\\([0-9a-f]\\{64\\}\\)".*/\\1/p')
  if [ -n "$token" ]; then
    sed "s/^{/{\\"key\\":\\"$token\\",/" "$f" | curl -fsS -X POST -H "Authorization: Bearer $LITELLM_MASTER_KEY" -H 'Content-Type: application/json' --data @- "$GATEWAY/key/update" >/dev/null
    echo "client $alias: key exists, limits updated"
  else
    curl -fsS -X POST -H "Authorization: Bearer $LITELLM_MASTER_KEY" -H 'Content-Type: application/json' --data @"$f" "$GATEWAY/key/generate" >/dev/null
    echo "client $alias: key created"
  fi
done`;

/**
 * A Job that creates or updates each declared client's virtual key (by alias) through the admin API;
 * the name carries a hash of the client files, so any change to a client or its limits runs it again.
 */
export function clientsJobSpec(namespace: string, clients: Record<string, GatewayClient>, curlImage: string): { configMap: k8s.core.v1.ConfigMapArgs; job: k8s.batch.v1.JobArgs } {
  const data = Object.fromEntries(Object.entries(clients).map(([name, c]) => [`${name}.json`, JSON.stringify(keyRequest(name, c))]));
  const hash = createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 8);
  const name = `litellm-clients-${hash}`;
  return {
    configMap: { metadata: { name, namespace }, data },
    job: {
      metadata: { name, namespace, labels: standardLabels("litellm-clients", "gateway", "gateway") },
      spec: {
        backoffLimit: 6,
        ttlSecondsAfterFinished: 86400,
        template: {
          metadata: { labels: selectorLabels("litellm-clients", "gateway") },
          spec: {
            restartPolicy: "OnFailure",
            securityContext: restrictedPodSecurity(100),
            containers: [
              {
                name: "register",
                image: curlImage,
                command: ["/bin/sh", "-c", CLIENT_KEYS_SCRIPT],
                env: [fromSecret("LITELLM_MASTER_KEY", GATEWAY_SECRETS.keys, "master-key"), { name: "GATEWAY", value: `http://litellm:${LITELLM_PORT}` }],
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                securityContext: restrictedContainerSecurity(),
                volumeMounts: [{ name: "clients", mountPath: "/clients", readOnly: true }],
              },
            ],
            volumes: [{ name: "clients", configMap: { name } }],
          },
        },
      },
    },
  };
}
