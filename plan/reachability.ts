import { WORKLOAD_KINDS, podSpecIn } from "@llm-platform/kube";
import type { PolicyViolation } from "../policies/evaluate";
import { cidrContains, type EndpointRef, type FlowPlan, type GuardedTarget, type NeededFlow, type PodRef } from "../platform/flows";

/**
 * The rendered NetworkPolicies evaluated with Kubernetes semantics
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
 *
 * - a pod is isolated for ingress (egress) when a policy of its namespace selects it (`podSelector`,
 *   `{}` = every pod) and lists that type in `policyTypes`; `policyTypes` defaults to Ingress, plus
 *   Egress when the policy has egress rules; a pod no policy selects is open in that direction;
 * - a connection needs the source's egress AND the destination's ingress to allow it;
 * - a rule allows what matches one of its peers and one of its ports; no `from`/`to` = every peer,
 *   no `ports` = every port; a peer with only `podSelector` means pods of the policy's own namespace,
 *   only `namespaceSelector` every pod of those namespaces (`kubernetes.io/metadata.name` is set on every
 *   namespace), both together the pods matching both; `ipBlock` is `cidr` minus `except`;
 * - selectors: `matchLabels` and `matchExpressions` (In, NotIn, Exists, DoesNotExist) all hold;
 * - a port is a number (with `endPort` a range) or a name, resolved against the destination pod's
 *   container ports; `protocol` defaults to TCP.
 *
 * `ipBlock` is meant for cluster-external addresses ("Pod IPs are ephemeral and unpredictable"); how a
 * CNI applies it to pod IPs is implementation-defined, so here an ipBlock matches external endpoints
 * only. Pods come from the plan's workloads (template labels; Job pods get the Job controller's
 * `batch.kubernetes.io/job-name` and `controller-uid`) plus the known pods of platform/flows.ts, and
 * one unlabelled "any other pod" per namespace stands for pods nobody declared.
 */

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface PodEndpoint {
  kind: "pod";
  id: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ports: ContainerPort[];
  origin: "plan" | "known" | "probe";
}

export interface ExternalEndpoint {
  kind: "external";
  id: string;
  name: string;
  address: string;
}

export type Endpoint = PodEndpoint | ExternalEndpoint;

interface Policy {
  name: string;
  namespace: string;
  spec: Record<string, any>;
}

export interface Inventory {
  pods: PodEndpoint[];
  externals: ExternalEndpoint[];
  namespaces: Map<string, Record<string, string>>;
  policies: Policy[];
  services: Map<string, Record<string, any>>;
}

const NAMESPACE = "kubernetes:core/v1:Namespace";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const SERVICE = "kubernetes:core/v1:Service";

interface ResourceLike {
  type: string;
  name: string;
  props: Record<string, any>;
}

/** Labels a Job's pods get from the Job controller (Kubernetes ≥ 1.27), on top of the template's. */
function jobControllerLabels(type: string, name: string): Record<string, string> {
  if (type === "kubernetes:batch/v1:Job") {
    return { "batch.kubernetes.io/job-name": name, "job-name": name, "batch.kubernetes.io/controller-uid": "<uid>", "controller-uid": "<uid>" };
  }
  if (type === "kubernetes:batch/v1:CronJob") {
    return {
      "batch.kubernetes.io/job-name": `${name}-<scheduled>`,
      "job-name": `${name}-<scheduled>`,
      "batch.kubernetes.io/controller-uid": "<uid>",
      "controller-uid": "<uid>",
    };
  }
  return {};
}

function templateLabels(r: ResourceLike): Record<string, string> {
  const path = WORKLOAD_KINDS[r.type]!.podSpecPath;
  const metadataPath = [...path.slice(0, -1), "metadata"];
  const metadata = metadataPath.reduce<any>((node, key) => node?.[key], r.props);
  return { ...(metadata?.labels ?? {}) };
}

/** The pods, namespaces, Services and NetworkPolicies a plan renders, plus what the flow plan knows about. */
export function inventory(resources: ResourceLike[], plan: FlowPlan): Inventory {
  const namespaces = new Map<string, Record<string, string>>();
  const addNamespace = (name: string, labels: Record<string, string> = {}) =>
    namespaces.set(name, { ...(namespaces.get(name) ?? {}), ...labels, "kubernetes.io/metadata.name": name });
  const pods: PodEndpoint[] = [];
  const policies: Policy[] = [];
  const services = new Map<string, Record<string, any>>();
  for (const r of resources) {
    if (r.type === NAMESPACE) addNamespace(r.props.metadata?.name, r.props.metadata?.labels ?? {});
    if (r.type === NETWORK_POLICY)
      policies.push({ name: r.props.metadata?.name ?? r.name, namespace: r.props.metadata?.namespace ?? "default", spec: r.props.spec ?? {} });
    if (r.type === SERVICE) services.set(`${r.props.metadata?.namespace ?? "default"}/${r.props.metadata?.name}`, r.props.spec ?? {});
    const spec = podSpecIn(r.type, r.props);
    if (!spec) continue;
    const namespace = r.props.metadata?.namespace ?? "default";
    const name = r.props.metadata?.name ?? r.name;
    addNamespace(namespace);
    pods.push({
      kind: "pod",
      id: `${namespace}/${WORKLOAD_KINDS[r.type]!.kind.toLowerCase()}/${name}`,
      namespace,
      name,
      labels: { ...templateLabels(r), ...jobControllerLabels(r.type, name) },
      ports: (spec.containers ?? []).flatMap((c: any) => c.ports ?? []),
      origin: "plan",
    });
  }
  for (const known of plan.knownPods) {
    addNamespace(known.namespace);
    pods.push({
      kind: "pod",
      id: `${known.namespace}/known/${known.name}`,
      namespace: known.namespace,
      name: known.name,
      labels: known.labels,
      ports: known.ports,
      origin: "known",
    });
  }
  for (const ns of plan.knownNamespaces) addNamespace(ns);
  for (const ns of namespaces.keys()) {
    pods.push({ kind: "pod", id: `${ns}/probe`, namespace: ns, name: "(any other pod)", labels: {}, ports: [], origin: "probe" });
  }
  const externals = plan.externals.map((e): ExternalEndpoint => ({ kind: "external", id: `external/${e.name}`, name: e.name, address: e.address }));
  return { pods, externals, namespaces, policies, services };
}

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

/** A label selector as the API server evaluates it: every matchLabels pair and every expression must hold; `{}` matches all. */
export function selectorMatches(selector: Selector | undefined | null, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
        if (!has || !values.includes(labels[e.key]!)) return false;
        break;
      case "NotIn":
        if (has && values.includes(labels[e.key]!)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** `policyTypes`, with the API's default: Ingress, plus Egress when the policy has egress rules. */
export function policyTypes(spec: Record<string, any>): string[] {
  if (Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0) return spec.policyTypes;
  return ["Ingress", ...(Array.isArray(spec.egress) && spec.egress.length > 0 ? ["Egress"] : [])];
}

function peerMatches(peer: Record<string, any>, policyNamespace: string, endpoint: Endpoint, inv: Inventory): boolean {
  if (peer.ipBlock) {
    if (endpoint.kind !== "external") return false;
    const block = peer.ipBlock as { cidr: string; except?: string[] };
    return cidrContains(block.cidr, endpoint.address) && !(block.except ?? []).some((c) => cidrContains(c, endpoint.address));
  }
  if (endpoint.kind !== "pod") return false;
  if (!peer.podSelector && !peer.namespaceSelector) return false;
  const namespaceOk = peer.namespaceSelector
    ? selectorMatches(peer.namespaceSelector, inv.namespaces.get(endpoint.namespace) ?? {})
    : endpoint.namespace === policyNamespace;
  return namespaceOk && selectorMatches(peer.podSelector, endpoint.labels);
}

function portMatches(rulePorts: any[] | undefined, port: number, protocol: string, destination: Endpoint): boolean {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((p) => {
    if ((p.protocol ?? "TCP") !== protocol) return false;
    if (p.port === undefined || p.port === null) return true;
    if (typeof p.port === "number") return p.endPort ? port >= p.port && port <= p.endPort : port === p.port;
    // A named port is the destination pod's container port of that name.
    return destination.kind === "pod" && destination.ports.some((c) => c.name === p.port && c.containerPort === port && (c.protocol ?? "TCP") === protocol);
  });
}

export interface SideDecision {
  /** False when no policy selects the pod for this direction (it is open). */
  isolated: boolean;
  allowed: boolean;
  /** Policies whose rules allow it. */
  allowedBy: string[];
  /** Policies that isolate the pod for this direction. */
  isolatedBy: string[];
}

function side(direction: "Ingress" | "Egress", subject: Endpoint, peer: Endpoint, port: number, protocol: string, inv: Inventory): SideDecision {
  if (subject.kind !== "pod") return { isolated: false, allowed: true, allowedBy: [], isolatedBy: [] };
  const selecting = inv.policies.filter(
    (p) => p.namespace === subject.namespace && selectorMatches(p.spec.podSelector ?? {}, subject.labels) && policyTypes(p.spec).includes(direction),
  );
  if (selecting.length === 0) return { isolated: false, allowed: true, allowedBy: [], isolatedBy: [] };
  const destination = direction === "Ingress" ? subject : peer;
  const allowedBy = selecting
    .filter((p) =>
      ((direction === "Ingress" ? p.spec.ingress : p.spec.egress) ?? []).some((rule: any) => {
        const peers: any[] | undefined = direction === "Ingress" ? rule.from : rule.to;
        const peerOk = !peers || peers.length === 0 || peers.some((x) => peerMatches(x, p.namespace, peer, inv));
        return peerOk && portMatches(rule.ports, port, protocol, destination);
      }),
    )
    .map((p) => `${p.namespace}/${p.name}`);
  return { isolated: true, allowed: allowedBy.length > 0, allowedBy, isolatedBy: selecting.map((p) => `${p.namespace}/${p.name}`) };
}

export interface Decision {
  allowed: boolean;
  egress: SideDecision;
  ingress: SideDecision;
}

/** Whether `from` can open `to` on `port`/`protocol`: the source's egress and the destination's ingress must both allow it. */
export function decide(from: Endpoint, to: Endpoint, port: number, protocol: string, inv: Inventory): Decision {
  const egress = side("Egress", from, to, port, protocol, inv);
  const ingress = side("Ingress", to, from, port, protocol, inv);
  return { allowed: egress.allowed && ingress.allowed, egress, ingress };
}

export const endpointLabel = (e: Endpoint): string => (e.kind === "pod" ? `${e.namespace}/${e.name}` : e.name);

function selectorText(selection: PodRef["pods"] | Record<string, string>): string {
  const s = selection as Selector & Record<string, unknown>;
  if (!("matchLabels" in s) && !("matchExpressions" in s))
    return (
      Object.entries(s as Record<string, string>)
        .map(([k, v]) => `${k}=${v}`)
        .join(",") || "every pod"
    );
  const parts = [
    ...Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(s.matchExpressions ?? []).map((e) => `${e.key} ${e.operator}${e.values ? ` (${e.values.join(",")})` : ""}`),
  ];
  return parts.join(",") || "every pod";
}

interface Target {
  endpoint: Endpoint;
  /** Destination port per flow port (a Service maps its port to the pod's targetPort). */
  ports: Map<number, number>;
  /** The selector to name it by in a suggested policy. */
  selector?: string;
}

function resolve(ref: EndpointRef, flowPorts: number[], inv: Inventory): { targets: Target[]; problem?: string } {
  const identity = new Map(flowPorts.map((p) => [p, p]));
  if ("everyPod" in ref)
    return { targets: inv.pods.filter((p) => p.origin !== "probe").map((endpoint) => ({ endpoint, ports: identity, selector: "every pod" })) };
  if ("external" in ref) {
    const e = inv.externals.find((x) => x.name === ref.external);
    return e ? { targets: [{ endpoint: e, ports: identity }] } : { targets: [], problem: `no external endpoint "${ref.external}"` };
  }
  if ("pods" in ref) {
    const matched = inv.pods.filter((p) => p.origin !== "probe" && p.namespace === ref.pods.namespace && selectorMatches(asSelector(ref.pods.pods), p.labels));
    return matched.length
      ? { targets: matched.map((endpoint) => ({ endpoint, ports: identity, selector: selectorText(ref.pods.pods) })) }
      : { targets: [], problem: `no pod in ${ref.pods.namespace} matches ${selectorText(ref.pods.pods)} (${ref.pods.name})` };
  }
  const service = inv.services.get(`${ref.service.namespace}/${ref.service.name}`);
  if (!service) return { targets: [], problem: `no Service ${ref.service.namespace}/${ref.service.name} in the plan` };
  const selector: Record<string, string> = service.selector ?? {};
  const matched = inv.pods.filter(
    (p) =>
      p.origin !== "probe" && p.namespace === ref.service.namespace && Object.keys(selector).length > 0 && selectorMatches({ matchLabels: selector }, p.labels),
  );
  if (matched.length === 0)
    return { targets: [], problem: `Service ${ref.service.namespace}/${ref.service.name} selects no pod of the plan (${selectorText(selector)})` };
  const targets: Target[] = [];
  for (const endpoint of matched) {
    const ports = new Map<number, number>();
    for (const port of flowPorts) {
      const sp = (service.ports ?? []).find((x: any) => x.port === port);
      if (!sp) return { targets: [], problem: `Service ${ref.service.namespace}/${ref.service.name} has no port ${port}` };
      const target = sp.targetPort ?? port;
      const containerPort = typeof target === "number" ? target : endpoint.ports.find((c) => c.name === target)?.containerPort;
      if (containerPort === undefined)
        return {
          targets: [],
          problem: `Service ${ref.service.namespace}/${ref.service.name} targets port "${target}", which pod ${endpoint.name} does not name`,
        };
      ports.set(port, containerPort);
    }
    targets.push({ endpoint, ports, selector: selectorText(selector) });
  }
  return { targets };
}

function asSelector(selection: PodRef["pods"]): Selector {
  const s = selection as Record<string, unknown>;
  return "matchLabels" in s || "matchExpressions" in s ? (s as Selector) : { matchLabels: s as Record<string, string> };
}

export interface BlockedPair {
  from: string;
  to: string;
  port: number;
  side: "egress" | "ingress" | "both";
  fix: string;
}

export interface FlowResult extends NeededFlow {
  fromLabel: string;
  toLabel: string;
  pairs: number;
  blocked: BlockedPair[];
  /** Set when an end matches nothing (platform/flows.ts and the rendered objects disagree). */
  unresolved?: string;
  /** Policies that let it through (egress and ingress). */
  allowedBy: string[];
}

function refLabel(ref: EndpointRef): string {
  if ("everyPod" in ref) return "every pod";
  if ("external" in ref) return ref.external;
  if ("pods" in ref) return `${ref.pods.namespace}/${ref.pods.name}`;
  return `${ref.service.namespace}/svc/${ref.service.name}`;
}

function peerText(e: Endpoint, selector: string | undefined): string {
  if (e.kind === "external") return `ipBlock covering ${e.address} (${e.name})`;
  return `namespaceSelector kubernetes.io/metadata.name=${e.namespace} with podSelector ${selector ?? selectorText(e.labels)}`;
}

function fixFor(d: Decision, from: Target, to: Target, port: number, protocol: string): string {
  const fixes: string[] = [];
  if (!d.egress.allowed && from.endpoint.kind === "pod") {
    fixes.push(
      `egress: ${d.egress.isolatedBy.join(", ")} isolate${d.egress.isolatedBy.length === 1 ? "s" : ""} ${endpointLabel(from.endpoint)}; add a NetworkPolicy in ${from.endpoint.namespace} selecting ${from.selector ?? selectorText(from.endpoint.labels)} with egress to ${peerText(to.endpoint, to.selector)} on ${port}/${protocol}`,
    );
  }
  if (!d.ingress.allowed && to.endpoint.kind === "pod") {
    fixes.push(
      `ingress: ${d.ingress.isolatedBy.join(", ")} isolate${d.ingress.isolatedBy.length === 1 ? "s" : ""} ${endpointLabel(to.endpoint)}; add a NetworkPolicy in ${to.endpoint.namespace} selecting ${to.selector ?? selectorText(to.endpoint.labels)} with ingress from ${peerText(from.endpoint, from.selector)} on ${port}/${protocol}`,
    );
  }
  return fixes.join("; ");
}

export function evaluateFlow(flow: NeededFlow, inv: Inventory): FlowResult {
  const base = { ...flow, fromLabel: refLabel(flow.from), toLabel: refLabel(flow.to), pairs: 0, blocked: [] as BlockedPair[], allowedBy: [] as string[] };
  const from = resolve(flow.from, flow.ports, inv);
  const to = resolve(flow.to, flow.ports, inv);
  const problem = from.problem ?? to.problem;
  if (problem) return { ...base, unresolved: problem };
  const allowedBy = new Set<string>();
  for (const src of from.targets) {
    for (const dst of to.targets) {
      if (src.endpoint.id === dst.endpoint.id) continue;
      for (const flowPort of flow.ports) {
        const port = dst.ports.get(flowPort) ?? flowPort;
        base.pairs++;
        const d = decide(src.endpoint, dst.endpoint, port, flow.protocol, inv);
        if (d.allowed) {
          for (const p of [...d.egress.allowedBy, ...d.ingress.allowedBy]) allowedBy.add(p);
          continue;
        }
        base.blocked.push({
          from: endpointLabel(src.endpoint),
          to: endpointLabel(dst.endpoint),
          port,
          side: !d.egress.allowed && !d.ingress.allowed ? "both" : !d.egress.allowed ? "egress" : "ingress",
          fix: fixFor(d, src, dst, port, flow.protocol),
        });
      }
    }
  }
  return { ...base, allowedBy: [...allowedBy].sort() };
}

export interface GuardBreach {
  source: string;
  port: number;
  admittedBy: string[];
}

export interface GuardResult {
  name: string;
  fix?: string;
  target: string;
  allowed: string[];
  breaches: GuardBreach[];
  /** True when no policy isolates the target for ingress. */
  open: boolean;
}

/** Every source outside the allowed set that the target's ingress admits, on each guarded port. */
export function evaluateGuard(guard: GuardedTarget, inv: Inventory): GuardResult {
  const targets = resolve({ pods: guard.target }, [], inv).targets.map((t) => t.endpoint);
  const allowedIds = new Set(guard.allowed.flatMap((ref) => resolve(ref, [], inv).targets.map((t) => t.endpoint.id)));
  const sources: Endpoint[] = [...inv.pods, ...inv.externals].filter((e) => !allowedIds.has(e.id));
  const breaches: GuardBreach[] = [];
  let open = false;
  for (const target of targets) {
    if (target.kind !== "pod") continue;
    const ports = guard.ports ?? target.ports.filter((p) => (p.protocol ?? "TCP") === "TCP").map((p) => p.containerPort);
    for (const source of sources) {
      if (source.id === target.id) continue;
      for (const port of ports) {
        const d = side("Ingress", target, source, port, "TCP", inv);
        if (!d.isolated) open = true;
        if (d.allowed) breaches.push({ source: endpointLabel(source), port, admittedBy: d.isolated ? d.allowedBy : [] });
      }
    }
  }
  return {
    name: guard.name,
    ...(guard.fix ? { fix: guard.fix } : {}),
    target: `${guard.target.namespace}/${guard.target.name}`,
    allowed: guard.allowed.map(refLabel),
    breaches,
    open,
  };
}

export interface Reachability {
  flows: FlowResult[];
  guarded: GuardResult[];
  violations: PolicyViolation[];
}

const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";

/**
 * A needed flow from Prometheus to every Service of the plan a ServiceMonitor selects (by the
 * Service's labels, in `namespaceSelector.matchNames`, every namespace with `any`, else its own), on
 * each endpoint's port. Services that charts create are not in the plan; platform/flows.ts declares those.
 */
export function serviceMonitorFlows(resources: ResourceLike[], prometheus: PodRef): NeededFlow[] {
  const services = resources.filter((r) => r.type === SERVICE);
  const flows: NeededFlow[] = [];
  for (const sm of resources.filter((r) => r.type === SERVICE_MONITOR)) {
    const own = sm.props.metadata?.namespace ?? "default";
    const nsSel = sm.props.spec?.namespaceSelector ?? {};
    const inNamespace = (ns: string) => nsSel.any === true || (Array.isArray(nsSel.matchNames) ? nsSel.matchNames.includes(ns) : ns === own);
    for (const svc of services) {
      const ns = svc.props.metadata?.namespace ?? "default";
      if (!inNamespace(ns) || !selectorMatches(sm.props.spec?.selector ?? {}, svc.props.metadata?.labels ?? {})) continue;
      const ports: number[] = (sm.props.spec?.endpoints ?? [])
        .map(
          (e: any) =>
            (svc.props.spec?.ports ?? []).find((p: any) =>
              e.port !== undefined ? p.name === e.port : p.targetPort === e.targetPort || p.port === e.targetPort,
            )?.port,
        )
        .filter((p: unknown): p is number => typeof p === "number");
      if (ports.length === 0) continue;
      flows.push({
        component: "monitoring",
        from: { pods: prometheus },
        to: { service: { namespace: ns, name: svc.props.metadata?.name } },
        ports: [...new Set<number>(ports)],
        protocol: "TCP",
        why: `scrape for ServiceMonitor ${own}/${sm.props.metadata?.name}`,
      });
    }
  }
  return flows;
}

/** Namespaces with a Certificate whose issuer in the plan solves ACME over HTTP-01. */
export function http01CertificateNamespaces(resources: ResourceLike[]): Map<string, string> {
  const issuers = new Map<string, boolean>();
  for (const r of resources) {
    if (r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer" || r.type === "kubernetes:cert-manager.io/v1:Issuer") {
      const http01 = (r.props.spec?.acme?.solvers ?? []).some((s: any) => s?.http01);
      const kind = r.type.split(":").pop();
      issuers.set(`${kind}/${kind === "Issuer" ? `${r.props.metadata?.namespace}/` : ""}${r.props.metadata?.name}`, http01);
    }
  }
  const out = new Map<string, string>();
  for (const r of resources) {
    if (r.type !== "kubernetes:cert-manager.io/v1:Certificate") continue;
    const ns = r.props.metadata?.namespace ?? "default";
    const ref = r.props.spec?.issuerRef ?? {};
    const kind = ref.kind ?? "Issuer";
    if (issuers.get(`${kind}/${kind === "Issuer" ? `${ns}/` : ""}${ref.name}`)) out.set(ns, `Certificate ${ns}/${r.props.metadata?.name}`);
  }
  return out;
}

/**
 * Evaluates every needed flow and every guarded target against the plan's NetworkPolicies. A needed
 * flow that is blocked (or that names pods the plan does not run), a Certificate solved over HTTP-01
 * in a namespace no flow reaches, and a source outside a guarded target's allowed set that its ingress
 * admits are mandatory violations, each naming the policy to add or narrow.
 */
export function evaluateReachability(resources: ResourceLike[], plan: FlowPlan): Reachability {
  const inv = inventory(resources, plan);
  const flows = [...plan.flows, ...(plan.prometheus ? serviceMonitorFlows(resources, plan.prometheus) : [])].map((f) => evaluateFlow(f, inv));
  const guarded = plan.guarded.map((g) => evaluateGuard(g, inv));
  const violations: PolicyViolation[] = [];
  const mandatory = (policy: string, message: string) => violations.push({ policy, level: "mandatory", message });
  for (const f of flows) {
    const head = `${f.fromLabel} → ${f.toLabel} :${f.ports.join(",")}/${f.protocol} (${f.component}: ${f.why})`;
    if (f.unresolved) {
      mandatory(
        "network-needed-flow",
        `needed flow ${head} cannot be checked: ${f.unresolved}. Update platform/flows.ts to the labels and Services the components render.`,
      );
      continue;
    }
    for (const b of f.blocked) mandatory("network-needed-flow", `needed flow ${head} is blocked from ${b.from} to ${b.to}:${b.port}. Fix — ${b.fix}.`);
  }
  for (const expected of plan.releases) {
    const found = resources.filter(
      (r) =>
        r.type === "kubernetes:helm.sh/v3:Release" &&
        String(r.props.chart ?? "")
          .split("/")
          .pop() === expected.chart,
    );
    if (found.some((r) => (r.props.name ?? r.name) === expected.release)) continue;
    mandatory(
      "network-needed-flow",
      found.length
        ? `the ${expected.chart} release is named ${found.map((r) => r.props.name ?? r.name).join(", ")}, but platform/flows.ts (RELEASES) selects its pods as app.kubernetes.io/instance=${expected.release}: the NetworkPolicies would select no pod. Update RELEASES.`
        : `platform/flows.ts expects a Helm release of chart ${expected.chart} (${expected.release}) and the plan has none: its flows and NetworkPolicies name pods that will not exist.`,
    );
  }
  for (const [namespace, certificate] of http01CertificateNamespaces(resources)) {
    const reached = plan.flows.some(
      (f) =>
        "pods" in f.to && f.to.pods.namespace === namespace && selectorMatches(asSelector(f.to.pods.pods), { "acme.cert-manager.io/http01-solver": "true" }),
    );
    if (!reached) {
      mandatory(
        "network-needed-flow",
        `${certificate} is solved over ACME HTTP-01, but no needed flow reaches the solver pods (acme.cert-manager.io/http01-solver=true, port 8089) in ${namespace}: declare it in platform/flows.ts and allow it in ${namespace} (ingress from the ingress controller).`,
      );
    }
  }
  for (const g of guarded) {
    if (g.breaches.length === 0) continue;
    const byPolicy = new Map<string, Set<string>>();
    for (const b of g.breaches) {
      const key = b.admittedBy.length ? b.admittedBy.join(" + ") : "(no policy isolates it)";
      const set = byPolicy.get(key) ?? new Set<string>();
      set.add(`${b.source}:${b.port}`);
      byPolicy.set(key, set);
    }
    for (const [policy, sources] of byPolicy) {
      const list = [...sources];
      mandatory(
        "network-guarded-target",
        g.open && policy === "(no policy isolates it)"
          ? `${g.name} (${g.target}) accept connections from anyone (${list.slice(0, 6).join(", ")}${list.length > 6 ? `, … ${list.length} in all` : ""}): no NetworkPolicy selects them for ingress. Add default-deny in ${g.target.split("/")[0]} and an ingress rule naming only ${g.allowed.join(", ")}.`
          : `${g.name} (${g.target}) admit ${list.length} source(s) outside the allowed set (${g.allowed.join(", ")}) through ${policy}: ${list.slice(0, 6).join(", ")}${list.length > 6 ? `, …` : ""}. Narrow ${policy} to peers that name those pods (namespaceSelector and podSelector together), not whole namespaces or address ranges${g.fix ? `; ${g.fix}` : ""}.`,
      );
    }
  }
  return { flows, guarded, violations };
}
