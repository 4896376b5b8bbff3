import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";
import { allowDns, allowEgress, allowIngress, allowInternetHttps, defaultDeny, namespacePeer, tcp } from "../components/specs/networkPolicies";
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

/** Every pod of the namespace may talk to the others (gateway ↔ Postgres/Redis/Jobs, Qdrant ↔ its Jobs). */
function allowSameNamespace(namespace: string): k8s.networking.v1.NetworkPolicyArgs {
  return {
    metadata: { name: "allow-same-namespace", namespace },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] },
  };
}

const LITELLM_PODS = { "app.kubernetes.io/name": "litellm" };
const QDRANT_PODS = { "app.kubernetes.io/name": "qdrant" };

/** The gateway: reached from the edge (and Prometheus); reaches vLLM, Qdrant and, over HTTPS, cloud providers. */
export function gatewayNetworkPolicies(config: PlatformConfig, externalPorts: number[]): Record<string, k8s.networking.v1.NetworkPolicyArgs> {
  const ns = config.namespaces.gateway;
  return {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "same-namespace": allowSameNamespace(ns),
    "edge-to-gateway": allowIngress({
      namespace: ns,
      name: "allow-edge-to-litellm",
      podLabels: LITELLM_PODS,
      peers: [namespacePeer(config.namespaces.ingress), namespacePeer(config.namespaces.monitoring)],
      ports: tcp(4000),
    }),
    "gateway-to-models": allowEgress({
      namespace: ns,
      name: "allow-litellm-to-models",
      podLabels: LITELLM_PODS,
      peers: [namespacePeer(config.namespaces.inference), namespacePeer(config.namespaces.data)],
      ports: tcp(VLLM_PORT, 6333),
    }),
    "gateway-to-providers": allowEgress({
      namespace: ns,
      name: "allow-litellm-to-providers",
      podLabels: LITELLM_PODS,
      peers: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
      ports: tcp(...new Set([443, ...externalPorts])),
    }),
  };
}

/** Qdrant: reached by the gateway, the edge's read-only search path and Prometheus. */
export function dataNetworkPolicies(config: PlatformConfig): Record<string, k8s.networking.v1.NetworkPolicyArgs> {
  const ns = config.namespaces.data;
  return {
    "default-deny": defaultDeny(ns),
    "allow-dns": allowDns(ns),
    "same-namespace": allowSameNamespace(ns),
    "clients-to-qdrant": allowIngress({
      namespace: ns,
      name: "allow-clients-to-qdrant",
      podLabels: QDRANT_PODS,
      peers: [namespacePeer(config.namespaces.gateway), namespacePeer(config.namespaces.ingress), namespacePeer(config.namespaces.monitoring)],
      ports: tcp(6333),
    }),
  };
}

export function deployNetworkPolicies(prefix: string, specs: Record<string, k8s.networking.v1.NetworkPolicyArgs>, dependsOn: pulumi.Resource[]): k8s.networking.v1.NetworkPolicy[] {
  return Object.entries(specs).map(([key, spec]) => new k8s.networking.v1.NetworkPolicy(`${prefix}-${key}`, spec, { dependsOn }));
}
