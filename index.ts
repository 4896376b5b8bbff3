import * as pulumi from "@pulumi/pulumi";
import { WorkstationInference } from "./components/workstationInference";
import { deployEdge } from "./platform/edge";
import { collectionVectorSize, deployGatewayAndData } from "./platform/gateway";
import { resolveImageDigests } from "./platform/imageDigests";
import { deployInference } from "./platform/inference";
import { loadPlatform } from "./platform/loadConfig";
import { deployNamespaces } from "./platform/namespaces";
import { dataNetworkPolicies, deployNetworkPolicies, gatewayNetworkPolicies, inferenceNetworkPolicies } from "./platform/network";
import { addonsUsed, deployClusterAddons } from "./platform/addons";

// Everything is validated and planned before the first resource is declared.
const { config, servers } = loadPlatform();
if (config.images.pinning === "resolve") resolveImageDigests();
const vectorSize = collectionVectorSize(config, servers);
const workstation = config.workstation
  ? new WorkstationInference("workstation", { settings: config.workstation, hfToken: config.huggingFace.token ? pulumi.secret(config.huggingFace.token) : undefined })
  : undefined;
const workstationUrl = workstation?.baseUrl;
const ns = config.namespaces;

const used = addonsUsed(config);
const namespaces = deployNamespaces({
  inference: servers.length > 0 ? { name: ns.inference, level: "restricted" } : undefined,
  // The device plugin mounts host paths: the one namespace that needs the privileged level.
  devicePlugin: used.gpuDevicePlugin ? { name: ns.devicePlugin, level: "privileged" } : undefined,
  gateway: { name: ns.gateway, level: "restricted" },
  data: { name: ns.data, level: "restricted" },
  externalSecrets: used.externalSecrets ? { name: ns.externalSecrets, level: "baseline" } : undefined,
  // The controller binds ports and cert-manager's webhook needs more than "restricted" allows in some setups.
  ingress: used.ingressNginx ? { name: ns.ingress, level: "baseline" } : undefined,
  certManager: used.certManager ? { name: ns.certManager, level: "baseline" } : undefined,
});
// The operators first: every custom resource and GPU workload waits for them.
const addons = deployClusterAddons(config, Object.values(namespaces));

const inference = deployInference(config, servers, { inference: namespaces.inference! }, addons);
const { gateway, qdrant } = deployGatewayAndData(config, servers, { gateway: namespaces.gateway!, data: namespaces.data! }, vectorSize, addons);

if (servers.length > 0) deployNetworkPolicies("inference", inferenceNetworkPolicies(config), [namespaces.inference!]);
const externalPorts = [config.providers["vllm-local"]?.apiBase, config.providers.ollama?.apiBase, workstationUrl]
  .filter((url): url is string => url !== undefined)
  .map((url) => Number(new URL(url).port || (url.startsWith("https") ? 443 : 80)));
deployNetworkPolicies("gateway", gatewayNetworkPolicies(config, externalPorts), [namespaces.gateway!]);
deployNetworkPolicies("data", dataNetworkPolicies(config), [namespaces.data!]);

const edge = deployEdge(config, [gateway, qdrant, addons]);

/** Per server: the resolved memory plan on one card (GiB) and the names it serves. */
export const servingPlan = Object.fromEntries(
  servers.map((s) => [
    s.name,
    {
      model: s.model.id,
      gpuMemoryUtilization: s.gpuMemoryUtilization,
      deviceFootprintGiB: Number(s.estimate.deviceFootprintGiB.toFixed(2)),
      kvCacheTokens: s.estimate.kvCacheTokens,
      servedModelNames: inference.servers[s.name]!.servedModelNames,
      baseUrl: inference.servers[s.name]!.baseUrl,
    },
  ]),
);
// Outputs a stack may not have are null, not undefined: Pulumi drops undefined outputs with a warning.
export const gpuResourceName = used.gpuDevicePlugin ? addons.gpuResourceName : null;

/** Per adapter: where it is served (in-cluster server and the model name to ask for, or the gateway's default provider). */
export const adapters = Object.fromEntries(
  Object.entries(config.adapters).map(([name, adapter]) => {
    const server = adapter.server ? inference.servers[adapter.server] : undefined;
    return [
      name,
      server
        ? { servedBy: adapter.server, model: name, lora: adapter.lora !== undefined, baseUrl: server.baseUrl }
        : { servedBy: "default-provider", model: name },
    ];
  }),
);
export const gatewayUrl = gateway.url;
export const gatewayMasterKey = gateway.masterKey;
export const qdrantUrl = qdrant.url;
export const qdrantReadOnlyApiKey = qdrant.readOnlyApiKey;
/** Public URLs per route (`/chat/v1`, `/v1`, `/vector-search`, ...). */
export const publicUrls = edge?.urls ?? null;
export const workstationBaseUrl = workstationUrl ?? null;
