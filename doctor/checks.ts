import { lookup } from "node:dns/promises";
import { cidrContains } from "../platform/flows";
import type { Prerequisite } from "../plan/prerequisites";
import type { ClusterReader } from "./cluster";

/**
 * ok: present. missing: absent, `pulumi up` will not converge (the doctor exits 1).
 * pending: absent now, created during `pulumi up` by something the stack installs.
 * unverified: the API cannot answer it (e.g. Bitwarden's contents); what to look at is said.
 */
export type CheckStatus = "ok" | "missing" | "pending" | "unverified";

export interface CheckResult {
  prerequisite: Prerequisite;
  status: CheckStatus;
  detail: string;
}

/** Resolves a host name to its addresses (empty when it does not resolve). */
export type ResolveHost = (host: string) => Promise<string[]>;

export const systemResolver: ResolveHost = async (host) => {
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return [];
  }
};

const DEFAULT_CLASS_ANNOTATIONS = ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"];

/** Load-balancer implementations the doctor recognises, by the custom objects they are configured with. */
const LB_POOLS = [
  { name: "MetalLB", group: "metallb.io", version: "v1beta1", plural: "ipaddresspools" },
  { name: "Cilium LB IPAM", group: "cilium.io", version: "v2", plural: "ciliumloadbalancerippools" },
  { name: "Cilium LB IPAM", group: "cilium.io", version: "v2alpha1", plural: "ciliumloadbalancerippools" },
];

const CLOUD_PROVIDER_IDS = /^(aws|gce|azure|digitalocean|linode|hcloud|openstack|oci|vsphere|ibm):\/\//;

function lbAddress(svc: { status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } } | undefined): string | undefined {
  const ingress = svc?.status?.loadBalancer?.ingress?.[0];
  return ingress?.ip ?? ingress?.hostname;
}

async function check(p: Prerequisite, cluster: ClusterReader, resolveHost: ResolveHost): Promise<{ status: CheckStatus; detail: string }> {
  switch (p.kind) {
    case "StorageClass": {
      const sc = await cluster.storageClass(p.name);
      return sc
        ? { status: "ok", detail: `provisioner ${sc.provisioner}, reclaim policy ${sc.reclaimPolicy ?? "Delete"}` }
        : { status: "missing", detail: `no StorageClass ${p.name}` };
    }
    case "DefaultStorageClass": {
      const defaults = (await cluster.storageClasses()).filter((sc) => DEFAULT_CLASS_ANNOTATIONS.some((a) => sc.metadata?.annotations?.[a] === "true"));
      if (defaults.length === 0) return { status: "missing", detail: "no StorageClass is marked default" };
      return { status: "ok", detail: `default class ${defaults.map((sc) => sc.metadata?.name).join(", ")}` };
    }
    case "NodeLabel": {
      const nodes = await cluster.nodes(`${p.label.key}=${p.label.value}`);
      if (nodes.length) return { status: "ok", detail: `on ${nodes.map((n) => n.metadata?.name).join(", ")}` };
      if (p.setDuringUp)
        return {
          status: "pending",
          detail: `no node has it yet; ${p.setDuringUp} sets it during \`pulumi up\` — if it is still absent a few minutes later, label the GPU nodes by hand`,
        };
      return { status: "missing", detail: "no node carries it" };
    }
    case "RuntimeClass": {
      const rc = await cluster.runtimeClass(p.name);
      return rc ? { status: "ok", detail: `handler ${rc.handler}` } : { status: "missing", detail: `no RuntimeClass ${p.name}` };
    }
    case "GpuRuntime": {
      const nodes = await cluster.nodes();
      const advertising = nodes
        .map((n) => ({ name: n.metadata?.name, count: p.resources.reduce((sum, r) => sum + Number(n.status?.allocatable?.[r] ?? 0), 0) }))
        .filter((n) => n.count > 0);
      if (advertising.length) return { status: "ok", detail: advertising.map((n) => `${n.name} advertises ${n.count} × ${p.resources.join("/")}`).join("; ") };
      return {
        status: "unverified",
        detail: `no node advertises ${p.resources.join(" or ")} yet: the device plugin does once it runs on a node whose runtime exposes the GPUs`,
      };
    }
    case "DynamicResourceAllocation": {
      const version = await cluster.version();
      const [major, minor] = (/^v?(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
      const [needMajor, needMinor] = p.minVersion.split(".").map(Number) as [number, number];
      if (major === undefined || minor === undefined) return { status: "unverified", detail: `cannot read a version from ${version}` };
      if (major < needMajor || (major === needMajor && minor < needMinor))
        return { status: "missing", detail: `Kubernetes ${version} does not serve resource.k8s.io/v1 (${p.minVersion} does)` };
      return {
        status: "ok",
        detail: `Kubernetes ${version} serves resource.k8s.io/v1; CDI and the NVIDIA driver are not visible through the API: \`kubectl get resourceslices\` lists the GPUs once the DRA driver runs`,
      };
    }
    case "Secret": {
      const secret = await cluster.secret(p.namespace!, p.name);
      if (!secret) return { status: "missing", detail: `no Secret ${p.namespace}/${p.name}` };
      const present = new Set([...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})]);
      const absent = p.keys.filter((k) => !present.has(k));
      // Values are never read out or printed: only which keys exist.
      return absent.length
        ? { status: "missing", detail: `Secret ${p.namespace}/${p.name} lacks key${absent.length > 1 ? "s" : ""} ${absent.join(", ")}` }
        : { status: "ok", detail: `keys ${p.keys.join(", ") || "(any)"} present` };
    }
    case "BitwardenSecret":
      return {
        status: "unverified",
        detail: `the doctor cannot read Bitwarden; after \`pulumi up\`, \`kubectl get externalsecret -A\` shows SecretSynced when ${p.name} exists`,
      };
    case "LoadBalancer": {
      const services = await cluster.services();
      const anyAddressed = services.filter((s) => s.spec?.type === "LoadBalancer" && lbAddress(s));
      const own = p.service
        ? services.filter((s) => s.metadata?.namespace === p.service!.namespace && s.metadata?.name === p.service!.name)
        : services.filter((s) => p.edgeNamespace !== undefined && s.metadata?.namespace === p.edgeNamespace && s.spec?.type === "LoadBalancer");
      const addressed = own.find((s) => lbAddress(s));
      if (addressed) return { status: "ok", detail: `Service ${addressed.metadata?.namespace}/${addressed.metadata?.name} has ${lbAddress(addressed)}` };
      if (own.length)
        return {
          status: "missing",
          detail: `Service ${own[0]!.metadata?.namespace}/${own[0]!.metadata?.name} exists but has no external address (EXTERNAL-IP <pending>)`,
        };
      if (anyAddressed.length)
        return {
          status: "ok",
          detail: `LoadBalancer Services get addresses (e.g. ${anyAddressed[0]!.metadata?.namespace}/${anyAddressed[0]!.metadata?.name} → ${lbAddress(anyAddressed[0])})`,
        };
      for (const pool of LB_POOLS) {
        const items = await cluster.customObjects(pool.group, pool.version, pool.plural);
        if (items && items.length) return { status: "ok", detail: `${pool.name} with ${items.length} address pool(s)` };
        if (items) return { status: "missing", detail: `${pool.name} is installed but has no ${pool.plural}: add one with the addresses it may hand out` };
      }
      const nodes = await cluster.nodes();
      if (nodes.some((n) => /\+k3s/.test(n.status?.nodeInfo?.kubeletVersion ?? "")))
        return { status: "ok", detail: "k3s: its ServiceLB (klipper-lb) answers unless the server runs with --disable servicelb" };
      const cloud = nodes.find((n) => CLOUD_PROVIDER_IDS.test(n.spec?.providerID ?? ""));
      if (cloud) return { status: "ok", detail: `cloud nodes (${cloud.spec?.providerID?.split("://")[0]}): the cloud controller provisions load balancers` };
      return {
        status: "missing",
        detail:
          "no Service of type LoadBalancer has an address and no load-balancer implementation was found (MetalLB, Cilium LB IPAM, k3s ServiceLB, a cloud provider)",
      };
    }
    case "DNSRecord": {
      const addresses = await resolveHost(p.name);
      if (addresses.length === 0) return { status: "missing", detail: `${p.name} does not resolve` };
      const svc = p.service
        ? await cluster.service(p.service.namespace, p.service.name)
        : p.edgeNamespace
          ? (await cluster.services()).find((s) => s.metadata?.namespace === p.edgeNamespace && s.spec?.type === "LoadBalancer" && lbAddress(s))
          : undefined;
      const edge = lbAddress(svc);
      if (edge && /^[\d.:a-f]+$/i.test(edge) && !addresses.includes(edge)) {
        return {
          status: "missing",
          detail: `${p.name} resolves to ${addresses.join(", ")}, but the edge's address is ${edge} (a NAT forward is fine if ports 80 and 443 reach it)`,
        };
      }
      return { status: "ok", detail: `resolves to ${addresses.join(", ")}${edge ? `; the edge is ${edge}` : "; the edge has no address yet to compare with"}` };
    }
    case "ApiServerAddress": {
      const ep = await cluster.endpoints("default", "kubernetes");
      const addresses = (ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
      const ports = (ep?.subsets ?? []).flatMap((s) => (s.ports ?? []).map((x) => x.port));
      if (addresses.length === 0) return { status: "unverified", detail: "the kubernetes Endpoints list no address" };
      const outside = addresses.filter((ip) => !p.cidrs.some((c) => cidrContains(c, ip)));
      const portsOutside = ports.filter((port) => !p.ports.includes(port));
      const suggestion = `llm-platform:network.apiServer: {cidrs: [${addresses.map((a) => `${a}/32`).join(", ")}], ports: [${[...new Set(ports)].join(", ")}]}`;
      if (outside.length || portsOutside.length) {
        return {
          status: "missing",
          detail: `the API server answers at ${addresses.join(", ")} port ${ports.join(", ")}, outside what the NetworkPolicies allow: set ${suggestion}`,
        };
      }
      const exact = p.cidrs.every((c) => c.endsWith("/32"));
      return {
        status: "ok",
        detail: `${addresses.join(", ")}:${ports.join(", ")} is inside the allowed ranges${exact ? "" : `; narrow them to ${suggestion}`}`,
      };
    }
  }
}

/** Checks every prerequisite against the cluster (read-only GET requests). */
export async function checkPrerequisites(list: Prerequisite[], cluster: ClusterReader, resolveHost: ResolveHost = systemResolver): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const prerequisite of list) results.push({ prerequisite, ...(await check(prerequisite, cluster, resolveHost)) });
  return results;
}
