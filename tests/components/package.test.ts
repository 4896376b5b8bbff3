import { strict as assert } from "node:assert";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { getPulumiComponents } from "@pulumi/pulumi/provider/experimental/provider";
import { Analyzer, type AnalyzeResult } from "@pulumi/pulumi/provider/experimental/analyzer";
import { PROJECT_ROOT } from "../fixtures/stacks";

const DIR = join(PROJECT_ROOT, "components");

/**
 * Every component the package exports, with the inputs and outputs Pulumi's component analyzer must
 * infer for it: the schema `pulumi package add` generates multi-language SDKs from. Adding a component
 * to components/index.ts means adding it here.
 */
const EXPECTED: Record<string, { inputs: string[]; required: string[]; outputs: string[] }> = {
  GpuTimeSlicing: {
    inputs: [
      "chartRepository",
      "chartVersion",
      "mode",
      "namespace",
      "nfdVersion",
      "nodeSelector",
      "overrides",
      "renameByDefault",
      "replicas",
      "tolerations",
      "valuesOverride",
    ],
    required: ["namespace"],
    outputs: ["releaseName", "resourceName", "sharingMode", "slicesPerGpu"],
  },
  GpuCardClaims: {
    inputs: ["cards", "claimOverride", "deviceClassName", "namespace"],
    required: ["cards", "namespace"],
    outputs: ["claimNames"],
  },
  ClusterAddons: {
    inputs: [
      "certManager",
      "dcgmExporter",
      "draDriver",
      "externalSecrets",
      "gpuDevicePlugin",
      "ingressNginx",
      "keda",
      "kubePrometheusStack",
      "nginxGatewayFabric",
      "nodeFeatureDiscovery",
    ],
    required: [],
    outputs: ["bitwardenSdkServerUrl", "gatewayClassName", "gpuResourceName", "ingressClassName", "installed"],
  },
  NginxIngressWithTls: {
    inputs: ["acme", "controllerReplicas", "cors", "hosts", "ingressClassName", "maxBodySize", "overrides", "rateLimits", "routes", "timeouts"],
    required: ["acme", "hosts", "ingressClassName", "routes"],
    outputs: ["hosts", "ingressClassName", "issuerName", "tlsSecretName", "urls"],
  },
  GatewayApiEdge: {
    inputs: [
      "acme",
      "cors",
      "dataPlaneReplicas",
      "gatewayClassName",
      "hosts",
      "hsts",
      "maxBodySize",
      "namespace",
      "overrides",
      "rateLimits",
      "routes",
      "timeouts",
    ],
    required: ["acme", "gatewayClassName", "hosts", "namespace", "routes"],
    outputs: ["gatewayName", "gatewayNamespace", "hosts", "issuerName", "tlsSecretName", "urls"],
  },
  ModelCache: {
    inputs: [
      "downloadTimeoutSeconds",
      "exclude",
      "hfEndpoint",
      "hfTokenSecret",
      "image",
      "models",
      "namespace",
      "nodeSelector",
      "overrides",
      "protect",
      "resources",
      "retainOnDelete",
      "tolerations",
      "volume",
    ],
    required: ["image", "models", "namespace", "volume"],
    outputs: ["claimName", "downloadJobNames", "hfHomeSubPath", "models"],
  },
  // The seed's VllmAdapter is an alias of this class: one component in the schema.
  VllmServer: {
    inputs: [
      "awaitTimeoutSeconds",
      "gpu",
      "homeSize",
      "image",
      "loraVolume",
      "loraVolumes",
      "modelCacheClaim",
      "namespace",
      "overrides",
      "protectVolumes",
      "replicas",
      "resources",
      "retainVolumes",
      "rollout",
      "schedule",
      "serveArgs",
      "shmSize",
      "startupTimeoutSeconds",
    ],
    required: ["image", "modelCacheClaim", "namespace", "resources", "serveArgs"],
    outputs: ["baseUrl", "deploymentName", "loraVolumeClaims", "model", "servedModelNames", "serviceName"],
  },
  WorkstationInference: {
    inputs: [
      "address",
      "allowAllInterfaces",
      "apiKey",
      "bindAddress",
      "dockerHost",
      "engine",
      "extraArgs",
      "gpuMemoryUtilization",
      "gpus",
      "hfToken",
      "image",
      "maxModelLen",
      "model",
      "modelCacheVolume",
      "overrides",
      "port",
    ],
    required: ["address", "bindAddress", "image", "model"],
    outputs: ["apiKey", "baseUrl", "containerName", "engine", "modelCacheVolume"],
  },
  Observability: {
    inputs: [
      "certificates",
      "dashboardLabelKey",
      "dashboardLabelValue",
      "edge",
      "gateway",
      "gpus",
      "modelServers",
      "namespace",
      "overrides",
      "runbookUrl",
      "scrapeInterval",
      "selectorLabels",
      "thresholds",
      "vectorStore",
      "volumeNamespaces",
    ],
    required: ["namespace"],
    outputs: ["alerts", "dashboards", "ruleName", "scrapeTargets"],
  },
  LiteLLMGateway: {
    inputs: [
      "autoscaling",
      "backupTierLabel",
      "backups",
      "clients",
      "contextWindowFallbacks",
      "corsOrigins",
      "curlImage",
      "extraSecretEnv",
      "fallbacks",
      "image",
      "limits",
      "metrics",
      "models",
      "namespace",
      "numRetries",
      "overrides",
      "postgres",
      "protect",
      "providerEnv",
      "providerSecretName",
      "redis",
      "replicas",
      "resources",
      "retainOnDelete",
      "rotation",
      "timeoutSeconds",
    ],
    required: ["models", "namespace", "postgres"],
    outputs: ["clientKeySecrets", "clientKeys", "databaseServiceName", "deploymentName", "masterKey", "providerSecretName", "serviceName", "url"],
  },
  QdrantStore: {
    inputs: [
      "apiKeyRotation",
      "backupTierLabel",
      "clients",
      "collection",
      "curlImage",
      "image",
      "metricsReader",
      "namespace",
      "overrides",
      "protect",
      "resources",
      "retainOnDelete",
      "snapshots",
      "storage",
    ],
    required: ["collection", "namespace", "storage"],
    outputs: ["apiKeySecretName", "clientTokens", "collection", "serviceName", "url"],
  },
  BitwardenSecrets: {
    inputs: ["bitwarden", "caSecretName", "extraNamespaces", "namespace", "refreshInterval", "sdkServerUrl", "secrets"],
    required: ["bitwarden", "namespace", "sdkServerUrl", "secrets"],
    outputs: ["namespaces", "secretNames", "storeName"],
  },
};

describe("@llm-platform/components as a Pulumi component package", function () {
  this.timeout(120_000);
  let schema: AnalyzeResult;
  const pkg = JSON.parse(readFileSync(join(DIR, "package.json"), "utf8"));
  const exported = getPulumiComponents(require(DIR))
    .map((c) => c.name)
    .sort();

  before(() => {
    // What `pulumi package add ./components` runs on a TypeScript source package (PulumiPlugin.yaml runtime nodejs).
    schema = new Analyzer(DIR, "llm-platform", pkg, new Set(exported)).analyze();
  });

  it("is a publishable package with an entry point and a plugin manifest", () => {
    assert.equal(pkg.name, "@llm-platform/components");
    assert.notEqual(pkg.private, true);
    assert.equal(pkg.main, "index.ts");
    assert.match(readFileSync(join(DIR, "PulumiPlugin.yaml"), "utf8"), /^runtime: nodejs$/m);
  });

  it("stands alone: imports only its own files and the packages its package.json declares (never the program's config/, platform/ or plan/)", () => {
    const declared = new Set(Object.keys(pkg.dependencies));
    const files = readdirSync(DIR, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts") && !f.split("/").includes("node_modules"));
    assert.ok(files.length > 20, `${files.length} source files`);
    const outside: string[] = [];
    for (const file of files) {
      for (const { fileName: spec } of ts.preProcessFile(readFileSync(join(DIR, file), "utf8"), true, true).importedFiles) {
        if (spec.startsWith(".")) {
          const target = resolve(dirname(join(DIR, file)), spec);
          if (relative(DIR, target).startsWith("..")) outside.push(`${file}: ${spec}`);
        } else if (!spec.startsWith("node:")) {
          const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
          if (!declared.has(name)) outside.push(`${file}: ${spec} (not in components/package.json)`);
        }
      }
    }
    assert.deepEqual(outside, []);
  });

  it("exports exactly the components listed here", () => {
    assert.deepEqual(exported, Object.keys(EXPECTED).sort());
  });

  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`infers ${name}'s inputs and outputs`, () => {
      const component = schema.components[name];
      assert.ok(component, `no schema for ${name}`);
      assert.deepEqual(Object.keys(component.inputs).sort(), want.inputs);
      assert.deepEqual(
        Object.entries(component.inputs)
          .filter(([, p]) => !p.optional)
          .map(([k]) => k)
          .sort(),
        want.required,
      );
      assert.deepEqual(Object.keys(component.outputs).sort(), want.outputs);
      assert.ok(component.description && component.description.length > 20, `${name} has a description`);
    });
  }

  it("uses the package's type tokens (llm-platform:index:<Class>), as the component provider constructs them", () => {
    for (const name of exported) {
      const source = readFileSync(join(DIR, `${name[0]!.toLowerCase()}${name.slice(1)}.ts`), "utf8");
      assert.match(source, new RegExp(`super\\(\\s*"llm-platform:index:${name}"`), name);
    }
  });
});
