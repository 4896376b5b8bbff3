import { loadPlatform } from "./platform/loadConfig";
import { deployInference } from "./platform/inference";
import { deployNamespaces } from "./platform/namespaces";
import { deployNetworkPolicies, inferenceNetworkPolicies } from "./platform/network";
import { totalGpus } from "./platform/servers";

// Everything is validated and planned before the first resource is declared.
const { config, servers } = loadPlatform();

const namespaces = deployNamespaces({
  inference: { name: config.namespaces.inference, level: "restricted" },
  // The device plugin mounts host paths: the one namespace that needs the privileged level.
  devicePlugin: totalGpus(config.host) > 0 ? { name: config.namespaces.devicePlugin, level: "privileged" } : undefined,
});

const inference = deployInference(config, servers, {
  inference: namespaces.inference!,
  devicePlugin: namespaces.devicePlugin,
});

if (servers.length > 0) deployNetworkPolicies("inference", inferenceNetworkPolicies(config), [namespaces.inference!]);

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
export const gpuResourceName = inference.gpu?.resourceName;

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
