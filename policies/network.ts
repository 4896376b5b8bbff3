import type { StackValidationPolicy } from "@pulumi/policy";
import { hostFrom, privilegedNamespacesConfigSchema } from "./config";
import { workloads, type ResourceLike } from "./workloads";

export const networkPolicyPerNamespace: StackValidationPolicy = {
  name: "network-policy-per-namespace",
  description: "Every app namespace that runs pods has a NetworkPolicy (default deny plus the flows it needs).",
  enforcementLevel: "mandatory",
  configSchema: privilegedNamespacesConfigSchema,
  validateStack: (args, reportViolation) => {
    const resources = args.resources as ResourceLike[];
    const privileged = hostFrom(args).privilegedNamespaces;
    const covered = new Set(
      resources.filter((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.props.metadata?.namespace ?? "default"),
    );
    const appNamespaces = new Set(
      workloads(resources)
        .map((w) => w.namespace)
        .filter((ns) => !privileged.includes(ns)),
    );
    for (const ns of appNamespaces) {
      if (!covered.has(ns)) {
        reportViolation(
          `namespace ${ns}: runs pods but has no NetworkPolicy, so every pod in the cluster can reach them. Add a default-deny policy and allow only the gateway/edge flows.`,
        );
      }
    }
  },
};

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const NAMESPACE = "kubernetes:core/v1:Namespace";

/** A policy that selects every pod of its namespace for both directions and allows nothing. */
function isDefaultDeny(spec: Record<string, any> | undefined): boolean {
  const selector = spec?.podSelector ?? {};
  const everyPod = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  const types: string[] = spec?.policyTypes ?? [];
  return everyPod && types.includes("Ingress") && types.includes("Egress") && (spec?.ingress ?? []).length === 0 && (spec?.egress ?? []).length === 0;
}

export const defaultDenyEveryNamespace: StackValidationPolicy = {
  name: "network-default-deny-every-namespace",
  description: "Every namespace the stack creates or runs pods in has a default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules).",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const resources = args.resources as ResourceLike[];
    const denied = new Set(
      resources.filter((r) => r.type === NETWORK_POLICY && isDefaultDeny(r.props.spec)).map((r) => r.props.metadata?.namespace ?? "default"),
    );
    const namespaces = new Set([
      ...resources.filter((r) => r.type === NAMESPACE).map((r) => String(r.props.metadata?.name)),
      ...workloads(resources).map((w) => w.namespace),
    ]);
    for (const ns of [...namespaces].sort()) {
      if (denied.has(ns)) continue;
      reportViolation(
        `namespace ${ns}: no default-deny NetworkPolicy, so its pods accept and open any connection no other policy names (an operator's webhook or a database, reachable from every pod). Add one with podSelector {} and policyTypes [Ingress, Egress] and no rules, then allow each needed flow by pod.`,
      );
    }
  },
};

/** Why a peer admits more than named pods, or undefined when it names pods (or addresses). */
function broadPeer(peer: Record<string, any>): string | undefined {
  if (peer.ipBlock) return undefined;
  const pods = peer.podSelector;
  const podsNamed = pods && (Object.keys(pods.matchLabels ?? {}).length > 0 || (pods.matchExpressions ?? []).length > 0);
  if (podsNamed) return undefined;
  if (peer.namespaceSelector) return "a namespaceSelector without a podSelector admits every pod of those namespaces";
  return "podSelector {} admits every pod of the namespace";
}

export const allowRulesNamePods: StackValidationPolicy = {
  name: "network-allow-rules-name-pods",
  description: "Every allow rule names its peers: pods by label (with their namespace), or address ranges — never whole namespaces or everything.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    for (const r of args.resources as ResourceLike[]) {
      if (r.type !== NETWORK_POLICY) continue;
      const label = `NetworkPolicy ${r.props.metadata?.namespace ?? "default"}/${r.props.metadata?.name ?? r.name}`;
      for (const [direction, key] of [
        ["ingress", "from"],
        ["egress", "to"],
      ] as const) {
        (r.props.spec?.[direction] ?? []).forEach((rule: Record<string, any>, i: number) => {
          const peers: Record<string, any>[] = rule[key] ?? [];
          if (peers.length === 0) {
            reportViolation(
              `${label}: ${direction} rule ${i} has no ${key}, so it allows ${direction === "ingress" ? "every source" : "every destination"}. Name the pods (namespaceSelector and podSelector in one peer) or the address range.`,
              r.urn,
            );
            return;
          }
          peers.forEach((peer, j) => {
            const why = broadPeer(peer);
            if (why) reportViolation(`${label}: ${direction} rule ${i} peer ${j}: ${why}. Add a podSelector naming the pods the flow is for.`, r.urn);
          });
        });
      }
    }
  },
};
