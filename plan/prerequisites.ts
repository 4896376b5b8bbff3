import { podSpecIn } from "@llm-platform/kube";
import type { PlatformConfig } from "../config/schema";
import { chartName, producedSecret } from "../policies/ordering";
import type { SynthesizedResource } from "./synthesize";

/**
 * Something that must exist before `pulumi up` and that the plan does not create. `npm run doctor`
 * checks each one against the cluster of the current kube context.
 */
export type Prerequisite =
  | (Base & { kind: "StorageClass" })
  | (Base & { kind: "DefaultStorageClass" })
  | (Base & { kind: "NodeLabel"; label: { key: string; value: string }; setDuringUp?: string })
  | (Base & { kind: "RuntimeClass" })
  | (Base & { kind: "GpuRuntime"; resources: string[] })
  | (Base & { kind: "DynamicResourceAllocation"; minVersion: string })
  | (Base & { kind: "Secret"; keys: string[] })
  | (Base & { kind: "BitwardenSecret"; store: string })
  | (Base & { kind: "LoadBalancer"; service?: { namespace: string; name: string }; edgeNamespace?: string })
  | (Base & { kind: "DNSRecord"; service?: { namespace: string; name: string }; edgeNamespace?: string })
  | (Base & { kind: "ApiServerAddress"; cidrs: string[]; ports: number[] });

interface Base {
  name: string;
  namespace?: string;
  why: string;
  howToCreate: string;
}

const NAMESPACE = "kubernetes:core/v1:Namespace";
const NFD_NVIDIA_LABEL = "feature.node.kubernetes.io/pci-10de.present";
/** The label the kubelet sets to the node's name: DRA pins GPU pods to their node by it. */
const HOSTNAME_LABEL = "kubernetes.io/hostname";
/** resource.k8s.io/v1 (what the program renders for ResourceClaims) is served from Kubernetes 1.34, where DRA is GA. */
export const DRA_MIN_KUBERNETES = "1.34";

/**
 * Whether an NFD release's values make its workers publish `pci-10de.present` for NVIDIA GPUs, read as
 * nfd-worker reads its config (v0.19.0 source/pci/pci.go, pkg/nfd-worker/nfd-worker.go): the PCI feature
 * and label sources on (`all` or `pci`), a class whitelist that takes VGA (0300) or 3D (0302) controllers, and
 * devices named by vendor alone (unknown fields are dropped; none left means NFD's `[class, vendor]`).
 */
export function nfdLabelsNvidiaVendor(values: Record<string, any> | undefined): boolean {
  if (values?.master?.enable === false || values?.worker?.enable === false) return false;
  const config = values?.worker?.config ?? {};
  const on = (sources: string[]) => (sources.includes("all") || sources.includes("pci")) && !sources.includes("-pci");
  // The PCI label source labels what the PCI feature source discovered: both must be on.
  if (!on(config.core?.featureSources ?? ["all"]) || !on(config.core?.labelSources ?? ["all"])) return false;
  const whitelist: string[] = config.sources?.pci?.deviceClassWhitelist ?? ["03", "0b40", "12"];
  if (!whitelist.some((c) => ["0300", "0302"].some((gpu) => gpu.startsWith(c.toLowerCase())))) return false;
  const known = ["class", "vendor", "device", "subsystem_vendor", "subsystem_device"];
  const fields = ((config.sources?.pci?.deviceLabelFields as string[] | undefined) ?? ["class", "vendor"]).filter((f) => known.includes(f));
  return fields.length === 1 && fields[0] === "vendor";
}

function label(r: SynthesizedResource): string {
  const kind = r.type.split(":").pop();
  return `${kind} ${r.props.metadata?.namespace ? `${r.props.metadata.namespace}/` : ""}${r.props.metadata?.name ?? r.name}`;
}

const listOf = (items: string[], max = 4) => `${items.slice(0, max).join(", ")}${items.length > max ? ` and ${items.length - max} more` : ""}`;

/** Secrets a pod spec reads and cannot start without (optional references excluded), with the keys it reads. */
export function podSecretReferences(podSpec: Record<string, any>): Map<string, Set<string>> {
  const refs = new Map<string, Set<string>>();
  const add = (name: string | undefined, key?: string) => {
    if (!name) return;
    const keys = refs.get(name) ?? new Set<string>();
    if (key) keys.add(key);
    refs.set(name, keys);
  };
  for (const c of [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])]) {
    for (const e of c.env ?? [])
      if (e.valueFrom?.secretKeyRef && e.valueFrom.secretKeyRef.optional !== true) add(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
    for (const e of c.envFrom ?? []) if (e.secretRef && e.secretRef.optional !== true) add(e.secretRef.name);
  }
  for (const v of podSpec.volumes ?? []) {
    if (v.secret && v.secret.optional !== true) {
      add(v.secret.secretName);
      for (const item of v.secret.items ?? []) add(v.secret.secretName, item.key);
    }
    for (const s of v.projected?.sources ?? []) if (s.secret && s.secret.optional !== true) add(s.secret.name);
  }
  for (const p of podSpec.imagePullSecrets ?? []) add(p.name);
  return refs;
}

/** Secret references inside External Secrets stores (`auth.secretRef.*`): `{name, namespace, key}`. */
function storeSecretReferences(r: SynthesizedResource): { namespace: string; name: string; key?: string }[] {
  if (!/^kubernetes:external-secrets\.io\/[^:]+:(Cluster)?SecretStore$/.test(r.type)) return [];
  const out: { namespace: string; name: string; key?: string }[] = [];
  const walk = (node: unknown) => {
    if (!node || typeof node !== "object") return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === "auth" && v && typeof v === "object") {
        const visit = (n: unknown) => {
          if (!n || typeof n !== "object") return;
          const o = n as Record<string, unknown>;
          if (typeof o.name === "string" && (typeof o.key === "string" || typeof o.namespace === "string")) {
            out.push({
              namespace: String(o.namespace ?? r.props.metadata?.namespace ?? "default"),
              name: o.name,
              key: typeof o.key === "string" ? o.key : undefined,
            });
          } else Object.values(o).forEach(visit);
        };
        visit(v);
      } else walk(v);
    }
  };
  walk(r.props.spec);
  return out;
}

function namespaceUrn(resources: SynthesizedResource[], namespace: string): string | undefined {
  return resources.find((r) => r.type === NAMESPACE && r.props.metadata?.name === namespace)?.urn;
}

/** How to create a Secret in a namespace the plan itself creates: the namespace first, on its own. */
function secretRecipe(resources: SynthesizedResource[], namespace: string, name: string, keys: string[], valueHint: string): string {
  const literal = (keys.length ? keys : ["<key>"]).map((k) => `--from-literal=${k}=<${valueHint}>`).join(" ");
  const create = `kubectl -n ${namespace} create secret generic ${name} ${literal}`;
  const urn = namespaceUrn(resources, namespace);
  // pulumi-kubernetes ≥ 4.29 creates with AlreadyExists errors instead of upserting (#2926): let the stack create the namespace.
  return urn
    ? `the stack creates namespace ${namespace}: run \`pulumi up --target '${urn}'\` to create only it, then \`${create}\`, then \`pulumi up\``
    : `\`${create}\``;
}

/** What one value of a referenced Secret must hold, from the config that names it. */
function valueHint(config: PlatformConfig | undefined, namespace: string, name: string): string {
  if (!config) return "value";
  if (config.huggingFace.tokenSecret?.name === name && namespace === config.namespaces.inference) return "a Hugging Face read token, hf_…";
  if (config.externalSecrets.bitwarden?.accessTokenSecret.name === name) return "a Bitwarden Secrets Manager machine-account access token";
  return "value";
}

/** Everything the plan assumes exists and does not create, with how to create it. */
export function prerequisites(resources: SynthesizedResource[], config?: PlatformConfig): Prerequisite[] {
  const out: Prerequisite[] = [];
  const workloads = resources.filter((r) => podSpecIn(r.type, r.props));

  // Storage classes the claims ask for, and a default class for claims that name none.
  const byClass = new Map<string, string[]>();
  const defaultClaims: string[] = [];
  for (const r of resources) {
    if (r.type !== "kubernetes:core/v1:PersistentVolumeClaim") continue;
    const cls: string | undefined = r.props.spec?.storageClassName;
    const modes: string[] = r.props.spec?.accessModes ?? [];
    const entry = `${label(r)} (${modes.join(",")}, ${r.props.spec?.resources?.requests?.storage ?? "?"})`;
    if (cls) byClass.set(cls, [...(byClass.get(cls) ?? []), entry]);
    else defaultClaims.push(entry);
  }
  for (const [cls, claims] of byClass) {
    const rwx = claims.some((c) => c.includes("ReadWriteMany"));
    out.push({
      kind: "StorageClass",
      name: cls,
      why: `${listOf(claims)} ${claims.length === 1 ? "asks" : "ask"} for it; a claim with a class that does not exist stays Pending and its pods never start`,
      howToCreate: `install the CSI driver that provides it${rwx ? " (ReadWriteMany: NFS, CephFS or similar)" : ""} and create StorageClass ${cls}, or point llm-platform:storage.*.storageClass at one \`kubectl get storageclass\` lists`,
    });
  }
  if (defaultClaims.length) {
    out.push({
      kind: "DefaultStorageClass",
      name: "(default)",
      why: `${listOf(defaultClaims)} name no storage class and get the cluster's default`,
      howToCreate: `mark one class default: \`kubectl patch storageclass <name> -p '{"metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"}}}'\`, or set llm-platform:storage.*.storageClass`,
    });
  }

  // Node labels GPU pods and the device plugin select on.
  const labels = new Map<string, string[]>();
  const addLabels = (selector: Record<string, string> | undefined, who: string) => {
    for (const [k, v] of Object.entries(selector ?? {})) labels.set(`${k}=${v}`, [...(labels.get(`${k}=${v}`) ?? []), who]);
  };
  for (const r of workloads) addLabels(podSpecIn(r.type, r.props)!.nodeSelector, label(r));
  const devicePlugin = resources.find((r) => chartName(r) === "nvidia-device-plugin");
  if (devicePlugin) addLabels(devicePlugin.props.values?.nodeSelector, `the ${devicePlugin.props.name ?? devicePlugin.name} DaemonSets`);
  const draDriver = resources.find((r) => chartName(r) === "dra-driver-nvidia-gpu");
  if (draDriver) addLabels(draDriver.props.values?.kubeletPlugin?.nodeSelector, `the ${draDriver.props.name ?? draDriver.name} kubelet plugin`);
  const dcgmExporter = resources.find((r) => chartName(r) === "dcgm-exporter");
  if (dcgmExporter) addLabels(dcgmExporter.props.values?.nodeSelector, `the ${dcgmExporter.props.name ?? dcgmExporter.name} DaemonSet`);
  // Who sets the NVIDIA label during the first up: the device plugin's NFD subchart, or NFD's own release.
  const nfdRelease = resources.find((r) => chartName(r) === "node-feature-discovery" && nfdLabelsNvidiaVendor(r.props.values));
  const nfdFrom =
    devicePlugin && (devicePlugin.props.values?.gfd?.enabled === true || devicePlugin.props.values?.nfd?.enabled === true)
      ? {
          setter: `node-feature-discovery from ${devicePlugin.props.name ?? devicePlugin.name} (gfd.enabled)`,
          how: "the device plugin chart deploys NFD (gfd.enabled)",
        }
      : nfdRelease
        ? {
            setter: `node-feature-discovery from ${nfdRelease.props.name ?? nfdRelease.name}`,
            how: `the stack installs NFD (${nfdRelease.props.name ?? nfdRelease.name})`,
          }
        : undefined;
  for (const [pair, who] of labels) {
    const [key, value] = pair.split("=") as [string, string];
    const nfd = key === NFD_NVIDIA_LABEL && value === "true";
    const hostname = key === HOSTNAME_LABEL;
    out.push({
      kind: "NodeLabel",
      name: pair,
      label: { key, value },
      why: `${listOf(who)} run only on nodes labelled ${pair}`,
      howToCreate: nfd
        ? `Node Feature Discovery sets it on nodes with an NVIDIA PCI device (vendor 10de)${nfdFrom ? `; ${nfdFrom.how}, so it appears about a minute into the first \`pulumi up\`` : "; set llm-platform:gpuSharing.nodeFeatureDiscovery.install (dra) to have the stack install it"}. Without NFD: \`kubectl label node <gpu-node> ${pair}\``
        : hostname
          ? `the kubelet sets ${HOSTNAME_LABEL} to the node's name: name the GPU node ${value} in llm-platform:host.nodes exactly as \`kubectl get nodes -L ${HOSTNAME_LABEL}\` shows it (the servers' placement pins their pods to it)`
          : `\`kubectl label node <gpu-node> ${pair}\`, or set llm-platform:host.gpuNodeSelector to a label the GPU nodes carry`,
      ...(nfd && nfdFrom ? { setDuringUp: nfdFrom.setter } : {}),
    });
  }

  // The NVIDIA runtime: a RuntimeClass where one is named, else the node's default runtime.
  const runtimeClasses = new Map<string, string[]>();
  for (const r of workloads) {
    const rc = podSpecIn(r.type, r.props)!.runtimeClassName;
    if (rc) runtimeClasses.set(rc, [...(runtimeClasses.get(rc) ?? []), label(r)]);
  }
  if (devicePlugin?.props.values?.runtimeClassName)
    runtimeClasses.set(devicePlugin.props.values.runtimeClassName, [
      ...(runtimeClasses.get(devicePlugin.props.values.runtimeClassName) ?? []),
      "the device plugin",
    ]);
  for (const [rc, who] of runtimeClasses) {
    out.push({
      kind: "RuntimeClass",
      name: rc,
      why: `${listOf(who)} ${who.length === 1 ? "runs" : "run"} with runtimeClassName ${rc}`,
      howToCreate: `install the NVIDIA container toolkit on the GPU nodes and create RuntimeClass ${rc} with handler nvidia (\`nvidia-ctk runtime configure --runtime=containerd\`; the GPU Operator creates it)`,
    });
  }
  const gpuResources = new Set<string>();
  for (const r of workloads) {
    for (const c of podSpecIn(r.type, r.props)!.containers ?? [])
      for (const k of Object.keys(c.resources?.limits ?? {})) if (k.startsWith("nvidia.com/gpu")) gpuResources.add(k);
  }
  if (devicePlugin || gpuResources.size) {
    out.push({
      kind: "GpuRuntime",
      name: "NVIDIA driver and container runtime",
      resources: gpuResources.size ? [...gpuResources] : ["nvidia.com/gpu"],
      why: `the device plugin advertises ${[...gpuResources].join(", ") || "nvidia.com/gpu"} only on nodes whose container runtime exposes the GPUs${runtimeClasses.size ? "" : "; no pod names a runtimeClassName, so nvidia must be containerd's default runtime"}`,
      howToCreate:
        "install the NVIDIA driver and nvidia-container-toolkit on each GPU node, then `sudo nvidia-ctk runtime configure --runtime=containerd --set-as-default && sudo systemctl restart containerd` (k3s: the toolkit adds an nvidia runtime; make it the default in config.toml.tmpl); `kubectl describe node` then shows nvidia.com/gpu under Allocatable once the device plugin runs",
    });
  }

  // Dynamic Resource Allocation: the API the ResourceClaims are written in, and what the DRA driver needs on the node.
  const claims = resources.filter((r) => /^kubernetes:resource\.k8s\.io\/v1:ResourceClaim$/.test(r.type));
  if (claims.length || draDriver) {
    const who = [...claims.map(label), ...(draDriver ? [`the ${draDriver.props.name ?? draDriver.name} kubelet plugin`] : [])];
    out.push({
      kind: "DynamicResourceAllocation",
      name: `resource.k8s.io/v1 (Kubernetes ≥ ${DRA_MIN_KUBERNETES}) and CDI`,
      minVersion: DRA_MIN_KUBERNETES,
      why: `${listOf(who)} ${who.length === 1 ? "needs" : "need"} the resource.k8s.io/v1 API, served (DRA GA) from Kubernetes ${DRA_MIN_KUBERNETES}; NVIDIA's DRA driver hands the GPUs to containers through CDI, so the container runtime must have CDI on, and the NVIDIA driver must be installed on the GPU nodes`,
      howToCreate: `upgrade the cluster to Kubernetes ${DRA_MIN_KUBERNETES} or later; on containerd 1.7 set \`enable_cdi = true\` under [plugins."io.containerd.grpc.v1.cri"] and restart it (containerd 2.x and CRI-O have CDI on); install the NVIDIA driver on each GPU node. After \`pulumi up\`, \`kubectl get resourceslices\` lists every GPU the driver found`,
    });
  }

  // Secrets read but not produced by the plan (a Secret, an ExternalSecret's target, a Certificate's secretName).
  const produced = new Set(resources.map(producedSecret).filter((s): s is string => s !== undefined));
  const needed = new Map<string, { namespace: string; name: string; keys: Set<string>; who: string[] }>();
  const need = (namespace: string, name: string, keys: Iterable<string>, who: string) => {
    const id = `${namespace}/${name}`;
    if (produced.has(id)) return;
    const entry = needed.get(id) ?? { namespace, name, keys: new Set<string>(), who: [] };
    for (const k of keys) entry.keys.add(k);
    if (!entry.who.includes(who)) entry.who.push(who);
    needed.set(id, entry);
  };
  for (const r of workloads) {
    const ns = r.props.metadata?.namespace ?? "default";
    for (const [name, keys] of podSecretReferences(podSpecIn(r.type, r.props)!)) need(ns, name, keys, label(r));
  }
  for (const r of resources) for (const ref of storeSecretReferences(r)) need(ref.namespace, ref.name, ref.key ? [ref.key] : [], label(r));
  for (const s of needed.values()) {
    const keys = [...s.keys].sort();
    out.push({
      kind: "Secret",
      name: s.name,
      namespace: s.namespace,
      keys,
      why: `${listOf(s.who)} ${s.who.length === 1 ? "reads" : "read"} ${keys.length ? `key${keys.length > 1 ? "s" : ""} ${keys.join(", ")} of` : ""} it and nothing in the stack creates it`,
      howToCreate: secretRecipe(resources, s.namespace, s.name, keys, valueHint(config, s.namespace, s.name)),
    });
  }

  // Secrets in Bitwarden the ExternalSecrets copy.
  for (const r of resources) {
    if (!/^kubernetes:external-secrets\.io\/[^:]+:ExternalSecret$/.test(r.type)) continue;
    const store = `${r.props.spec?.secretStoreRef?.kind ?? "SecretStore"}/${r.props.spec?.secretStoreRef?.name}`;
    for (const d of r.props.spec?.data ?? []) {
      const key = d.remoteRef?.key;
      if (!key) continue;
      out.push({
        kind: "BitwardenSecret",
        name: key,
        store,
        why: `${label(r)} copies it into key ${d.secretKey}; until it exists the ExternalSecret reports SecretSyncedError and the pods reading ${r.props.spec?.target?.name ?? r.props.metadata?.name} do not start`,
        howToCreate: `create it in the Bitwarden Secrets Manager project of the store (\`bws secret create <name> <value> <project-id>\`); a UUID key names that secret's id, any other key its name`,
      });
    }
  }

  // The edge: a LoadBalancer for the NGINX Service (ingress-nginx's controller, or the Gateway's data plane) and DNS for every host.
  const ingressRelease = resources.find((r) => chartName(r) === "ingress-nginx");
  const fabricRelease = resources.find((r) => chartName(r) === "nginx-gateway-fabric");
  const edgeServices: string[] = [];
  let controllerService: { namespace: string; name: string } | undefined;
  if (ingressRelease && (ingressRelease.props.values?.controller?.service?.type ?? "LoadBalancer") === "LoadBalancer") {
    controllerService = {
      namespace: String(ingressRelease.props.namespace ?? "default"),
      name: `${ingressRelease.props.name ?? ingressRelease.name}-controller`,
    };
    edgeServices.push(
      `the ingress controller Service ${controllerService.namespace}/${controllerService.name} (chart default type LoadBalancer, externalTrafficPolicy Local)`,
    );
  }
  if (fabricRelease && (fabricRelease.props.values?.nginx?.service?.type ?? "LoadBalancer") === "LoadBalancer") {
    edgeServices.push(
      `the Service NGINX Gateway Fabric provisions for each Gateway's data plane in ${fabricRelease.props.namespace} (type LoadBalancer, externalTrafficPolicy Local)`,
    );
  }
  const lbServices = resources.filter((r) => r.type === "kubernetes:core/v1:Service" && r.props.spec?.type === "LoadBalancer").map(label);
  if (edgeServices.length || lbServices.length) {
    out.push({
      kind: "LoadBalancer",
      name: "LoadBalancer Services",
      ...(controllerService ? { service: controllerService } : {}),
      ...(fabricRelease ? { edgeNamespace: String(fabricRelease.props.namespace ?? "default") } : {}),
      why: `${[...edgeServices, ...lbServices].join(", ")} needs an address; without a load-balancer implementation it stays <pending> and no client or ACME validation reaches the edge`,
      howToCreate: "a cloud load balancer, or on bare metal MetalLB (IPAddressPool + L2Advertisement), kube-vip, Cilium LB IPAM or k3s ServiceLB",
    });
  }
  const hosts = new Set<string>();
  for (const r of resources) {
    if (r.type === "kubernetes:networking.k8s.io/v1:Ingress") for (const rule of r.props.spec?.rules ?? []) if (rule.host) hosts.add(rule.host);
    if (/^kubernetes:gateway\.networking\.k8s\.io\/[^:]+:HTTPRoute$/.test(r.type)) for (const h of r.props.spec?.hostnames ?? []) hosts.add(h);
    if (/^kubernetes:gateway\.networking\.k8s\.io\/[^:]+:Gateway$/.test(r.type))
      for (const l of r.props.spec?.listeners ?? []) if (l.hostname) hosts.add(l.hostname);
  }
  const edgeNamespace = fabricRelease ? String(fabricRelease.props.namespace ?? "default") : undefined;
  const where = controllerService
    ? `\`kubectl -n ${controllerService.namespace} get svc ${controllerService.name}\``
    : fabricRelease
      ? `the Gateway's Service (\`kubectl -n ${fabricRelease.props.namespace} get gateway\` shows its address)`
      : "the edge's LoadBalancer Service";
  for (const host of [...hosts].filter((h) => !h.startsWith("*")).sort()) {
    out.push({
      kind: "DNSRecord",
      name: host,
      ...(controllerService ? { service: controllerService } : {}),
      ...(edgeNamespace ? { edgeNamespace } : {}),
      why: `the edge serves ${host}, and Let's Encrypt validates it over HTTP-01 at http://${host}/.well-known/acme-challenge/…: it must resolve publicly to the edge and port 80 must reach it`,
      howToCreate: `an A (or AAAA) record ${host} → the EXTERNAL-IP of ${where} (known after the first \`pulumi up\`; forward ports 80 and 443 to it from the router on a home network)`,
    });
  }

  // The API server address the operators' egress and webhook rules name.
  if (config && resources.some((r) => r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy")) {
    out.push({
      kind: "ApiServerAddress",
      name: "kubernetes API server",
      cidrs: config.network.apiServer.cidrs,
      ports: config.network.apiServer.ports,
      why: `the operators' NetworkPolicies allow egress to the API server, and their webhooks ingress from it, only within llm-platform:network.apiServer.cidrs (${config.network.apiServer.cidrs.join(", ")}) on ports ${config.network.apiServer.ports.join(", ")}`,
      howToCreate:
        "set llm-platform:network.apiServer.cidrs to the addresses of `kubectl get endpoints kubernetes -n default` (as /32s) and .ports to their port",
    });
  }
  return out;
}
