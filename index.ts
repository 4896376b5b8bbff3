import { deployEdge } from "./platform/edge";
import { collectionVectorSize, deployGatewayAndData } from "./platform/gateway";
import { resolveImageDigests } from "./platform/imageDigests";
import { deployInference, deployWorkstation, huggingFaceTokenExternalSecret } from "./platform/inference";
import { loadPlatform } from "./platform/loadConfig";
import { deployNamespaces } from "./platform/namespaces";
import { deployAllNetworkPolicies, gpuOperatorsNamespaceUsed } from "./platform/network";
import { addonsUsed, deployClusterAddons } from "./platform/addons";
import { workstationBaseUrl as workstationBaseUrlOf } from "./components/specs/workstation";
import { deployMonitoring } from "./platform/monitoring";
import { deployClusterProvider } from "./platform/provider";

// Everything is validated and planned before the first resource is declared.
const { config, servers } = loadPlatform();
if (config.images.pinning === "resolve") resolveImageDigests();
const vectorSize = collectionVectorSize(config, servers);
const workstation = deployWorkstation(config);
const workstationUrl = config.workstation ? workstationBaseUrlOf(config.workstation) : undefined;
const ns = config.namespaces;
// One explicit Kubernetes provider (llm-platform:cluster's context) for every Kubernetes resource:
// components pass it to their children, so the kubeconfig's current context decides nothing.
const provider = deployClusterProvider(config);
const onCluster = { provider };

const used = addonsUsed(config);
// Namespaces that hold PVCs with data are protected and retained like the data (deleting a namespace deletes its PVCs).
const namespaces = deployNamespaces(
  {
    inference: servers.length > 0 ? { name: ns.inference, level: "restricted", holdsData: true } : undefined,
    // The GPU operators (device plugin, or DRA driver and NFD's worker; DCGM exporter) mount host paths: the one namespace that needs the privileged level.
    devicePlugin: gpuOperatorsNamespaceUsed(config) ? { name: ns.devicePlugin, level: "privileged" } : undefined,
    gateway: { name: ns.gateway, level: "restricted", holdsData: true },
    data: { name: ns.data, level: "restricted", holdsData: true },
    externalSecrets: used.externalSecrets ? { name: ns.externalSecrets, level: "baseline" } : undefined,
    // The edge controller (ingress-nginx, or NGINX Gateway Fabric with its Gateway's data plane) binds ports.
    ingress: used.ingressNginx || used.nginxGatewayFabric ? { name: ns.ingress, level: "baseline" } : undefined,
    certManager: used.certManager ? { name: ns.certManager, level: "baseline" } : undefined,
    // KEDA's operator, metrics API server and webhooks run as non-root with every capability dropped (the chart's defaults).
    keda: used.keda ? { name: config.keda.namespace, level: "restricted" } : undefined,
  },
  { protect: config.platform.protectStatefulData, retainOnDelete: config.platform.retainStatefulData },
  onCluster,
);
// The operators first: every custom resource and GPU workload waits for them.
const addons = deployClusterAddons(config, Object.values(namespaces), onCluster);

const inference = deployInference(config, servers, { inference: namespaces.inference! }, addons, onCluster);
const hfToken = huggingFaceTokenExternalSecret(config);
const { gateway, qdrant } = deployGatewayAndData(config, servers, { gateway: namespaces.gateway!, data: namespaces.data! }, vectorSize, addons, {
  workstationApiKey: workstation && config.workstation?.engine === "vllm" ? workstation.apiKey : undefined,
  extraSecrets: hfToken
    ? [{ namespace: hfToken.namespace, secretName: hfToken.secretName, data: [{ secretKey: hfToken.key, bitwardenSecret: hfToken.bitwardenSecret }] }]
    : [],
  provider,
});

// Default deny plus the allows each namespace needs, in every namespace the program creates (the
// monitoring namespace is ClusterAddons', so its policies wait for the add-ons).
deployAllNetworkPolicies(config, { ...namespaces, monitoring: addons }, onCluster);

const edge = deployEdge(config, [gateway, qdrant, addons], onCluster);
deployMonitoring(config, servers, [addons, ...Object.values(namespaces)], onCluster);

/** Per server: the resolved memory plan on one card (GiB) and the names it serves. */
export const servingPlan = Object.fromEntries(
  servers.map((s) => [
    s.name,
    {
      model: s.model.id,
      gpuMemoryUtilization: s.gpuMemoryUtilization,
      deviceFootprintGiB: Number(s.estimate.deviceFootprintGiB.toFixed(2)),
      kvCacheTokens: s.estimate.kvCacheTokens,
      servedModelNames: inference.servedModelNames[s.name]!,
      baseUrl: inference.baseUrls[s.name]!,
    },
  ]),
);
// Outputs a stack may not have are null, not undefined: Pulumi drops undefined outputs with a warning.
export const gpuResourceName = used.gpuDevicePlugin ? addons.gpuResourceName : null;

/** Per adapter: where it is served (in-cluster server and the model name to ask for, or the gateway's default provider). */
export const adapters = Object.fromEntries(
  Object.entries(config.adapters).map(([name, adapter]) => {
    const baseUrl = adapter.server ? inference.baseUrls[adapter.server] : undefined;
    return [
      name,
      baseUrl ? { servedBy: adapter.server, model: name, lora: adapter.lora !== undefined, baseUrl } : { servedBy: "default-provider", model: name },
    ];
  }),
);
/** In-cluster OpenAI-compatible base URL of the gateway. */
export const gatewayUrl = gateway.url;
/** The gateway's Service (what the edge routes /v1 and the adapter paths to). */
export const gatewayServiceName = gateway.serviceName;
/** Admin (master) key of the gateway, for operators only: never hand it to a client. */
export const gatewayAdminMasterKey = gateway.masterKey;
/** Per client (gateway.clients): its virtual key for the OpenAI-compatible API. */
export const clientKeys = gateway.clientKeys;
export const qdrantUrl = qdrant.url;
export const qdrantServiceName = qdrant.serviceName;
/** Per client (qdrant.clients): its token for the RAG collection (Qdrant JWT, with an expiry). */
export const qdrantClientTokens = qdrant.clientTokens;
/** Public URLs per route (`/chat/v1`, `/v1`, `/vector-search`, ...). */
export const publicUrls = edge?.urls ?? null;
export const workstationBaseUrl = workstationUrl ?? null;
/** The key the gateway must send to the workstation's vLLM (a secret; null without a vLLM workstation). */
export const workstationApiKey = workstation && config.workstation?.engine === "vllm" ? workstation.apiKey : null;
