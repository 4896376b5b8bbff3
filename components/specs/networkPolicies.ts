import type * as k8s from "@pulumi/kubernetes";
import { PART_OF } from "./labels";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Port = k8s.types.input.networking.v1.NetworkPolicyPort;
type Selector = k8s.types.input.meta.v1.LabelSelector;

/** The label the API server sets on every namespace (Kubernetes ≥ 1.21): selects a namespace by name. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Cluster DNS: CoreDNS keeps the kube-dns label in kubeadm, k3s, EKS, GKE and AKS. */
export const CLUSTER_DNS = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, port: 53 };

/** Pods by label (`matchLabels`), or a full label selector (`matchExpressions`). */
export type PodSelection = Record<string, string> | Selector;

function selector(pods: PodSelection): Selector {
  return "matchLabels" in pods || "matchExpressions" in pods ? (pods as Selector) : { matchLabels: pods as Record<string, string> };
}

function policy(namespace: string, name: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec): k8s.networking.v1.NetworkPolicyArgs {
  return { metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": PART_OF } }, spec };
}

/** Named pods in a named namespace: both selectors in ONE peer, so only those pods match (not the whole namespace). */
export const podPeer = (namespace: string, pods: PodSelection): Peer => ({
  namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
  podSelector: selector(pods),
});

/** Addresses outside the cluster: `cidr` without `except` (ipBlock is meant for cluster-external IPs). */
export const ipPeer = (cidr: string, except: string[] = []): Peer => ({ ipBlock: { cidr, ...(except.length ? { except } : {}) } });

export const tcp = (...ports: number[]): Port[] => [...new Set(ports)].map((port) => ({ protocol: "TCP", port }));

/** Nothing in or out unless another policy allows it. */
export function defaultDeny(namespace: string): k8s.networking.v1.NetworkPolicyArgs {
  return policy(namespace, "default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
}

/** Every pod may resolve names through the cluster DNS (the CoreDNS pods, UDP and TCP 53). */
export function allowDns(namespace: string): k8s.networking.v1.NetworkPolicyArgs {
  return policy(namespace, "allow-dns", {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [{ to: [podPeer(CLUSTER_DNS.namespace, CLUSTER_DNS.labels)], ports: [{ protocol: "UDP", port: CLUSTER_DNS.port }, ...tcp(CLUSTER_DNS.port)] }],
  });
}

export interface Rule {
  peers: Peer[];
  ports: Port[];
}

export interface FlowArgs {
  namespace: string;
  name: string;
  /** The pods the rules apply to. */
  pods: PodSelection;
  rules: Rule[];
}

/** Ingress to `pods` from each rule's peers on its ports (nothing else: other policies may add more). */
export function allowIngress(a: FlowArgs): k8s.networking.v1.NetworkPolicyArgs {
  return policy(a.namespace, a.name, {
    podSelector: selector(a.pods),
    policyTypes: ["Ingress"],
    ingress: a.rules.map((r) => ({ from: r.peers, ports: r.ports })),
  });
}

/** Egress from `pods` to each rule's peers on its ports. */
export function allowEgress(a: FlowArgs): k8s.networking.v1.NetworkPolicyArgs {
  return policy(a.namespace, a.name, { podSelector: selector(a.pods), policyTypes: ["Egress"], egress: a.rules.map((r) => ({ to: r.peers, ports: r.ports })) });
}

/** HTTPS (or other ports) to the internet only: every private and cluster range excepted. */
export function internetPeer(privateCidrs: string[]): Peer {
  return ipPeer("0.0.0.0/0", privateCidrs);
}
