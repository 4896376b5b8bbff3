import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";
import { allowDns, allowIngress, allowInternetHttps, defaultDeny, namespacePeer, tcp } from "../components/specs/networkPolicies";
import { VLLM_PORT } from "../components/specs/vllm";

const VLLM_PODS = { "app.kubernetes.io/name": "vllm" };

/** Inference isolation: only the gateway (and Prometheus) reach vLLM; vLLM reaches DNS and, if allowed, Hugging Face. */
export function inferenceNetworkPolicies(config: PlatformConfig): Record<string, k8s.networking.v1.NetworkPolicyArgs> {
  const ns = config.namespaces.inference;
  const specs: Record<string, k8s.networking.v1.NetworkPolicyArgs> = {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "gateway-to-vllm": allowIngress({
      namespace: ns,
      name: "allow-gateway-to-vllm",
      podLabels: VLLM_PODS,
      peers: [namespacePeer(config.namespaces.gateway), namespacePeer(config.namespaces.monitoring)],
      ports: tcp(VLLM_PORT),
    }),
  };
  if (config.network.modelDownloads) specs["vllm-model-downloads"] = allowInternetHttps(ns, "allow-vllm-model-downloads", VLLM_PODS, config.network.privateCidrs);
  return specs;
}

export function deployNetworkPolicies(prefix: string, specs: Record<string, k8s.networking.v1.NetworkPolicyArgs>, dependsOn: pulumi.Resource[]): k8s.networking.v1.NetworkPolicy[] {
  return Object.entries(specs).map(([key, spec]) => new k8s.networking.v1.NetworkPolicy(`${prefix}-${key}`, spec, { dependsOn }));
}
