import type * as k8s from "@pulumi/kubernetes";
import { PART_OF } from "./labels";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Port = k8s.types.input.networking.v1.NetworkPolicyPort;

function policy(namespace: string, name: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec): k8s.networking.v1.NetworkPolicyArgs {
  return { metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": PART_OF } }, spec };
}

export const namespacePeer = (namespace: string, podLabels?: Record<string, string>): Peer => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
  ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
});

export const tcp = (...ports: number[]): Port[] => ports.map((port) => ({ protocol: "TCP", port }));

/** Nothing in or out unless another policy allows it. */
export function defaultDeny(namespace: string): k8s.networking.v1.NetworkPolicyArgs {
  return policy(namespace, "default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
}

/** Every pod may resolve names through the cluster DNS. */
export function allowDns(namespace: string): k8s.networking.v1.NetworkPolicyArgs {
  return policy(namespace, "allow-dns", {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [{ to: [namespacePeer("kube-system", { "k8s-app": "kube-dns" })], ports: [{ protocol: "UDP", port: 53 }, ...tcp(53)] }],
  });
}

export interface FlowArgs {
  namespace: string;
  name: string;
  /** The pods the rule applies to. */
  podLabels: Record<string, string>;
  peers: Peer[];
  ports: Port[];
}

export function allowIngress(a: FlowArgs): k8s.networking.v1.NetworkPolicyArgs {
  return policy(a.namespace, a.name, { podSelector: { matchLabels: a.podLabels }, policyTypes: ["Ingress"], ingress: [{ from: a.peers, ports: a.ports }] });
}

export function allowEgress(a: FlowArgs): k8s.networking.v1.NetworkPolicyArgs {
  return policy(a.namespace, a.name, { podSelector: { matchLabels: a.podLabels }, policyTypes: ["Egress"], egress: [{ to: a.peers, ports: a.ports }] });
}

/** HTTPS to the internet only: cluster and private ranges excluded. */
export function allowInternetHttps(namespace: string, name: string, podLabels: Record<string, string>, privateCidrs: string[]) {
  return allowEgress({ namespace, name, podLabels, peers: [{ ipBlock: { cidr: "0.0.0.0/0", except: privateCidrs } }], ports: tcp(443) });
}
