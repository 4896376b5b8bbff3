import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
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
    inputs: ["chartRepository", "chartVersion", "mode", "namespace", "nodeSelector", "overrides", "renameByDefault", "replicas", "tolerations", "valuesOverride"],
    required: ["namespace"],
    outputs: ["releaseName", "resourceName", "sharingMode", "slicesPerGpu"],
  },
  ClusterAddons: {
    inputs: ["certManager", "externalSecrets", "gpuDevicePlugin", "ingressNginx"],
    required: [],
    outputs: ["bitwardenSdkServerUrl", "gpuResourceName", "ingressClassName", "installed"],
  },
};

describe("@llm-platform/components as a Pulumi component package", function () {
  this.timeout(120_000);
  let schema: AnalyzeResult;
  const pkg = JSON.parse(readFileSync(join(DIR, "package.json"), "utf8"));
  const exported = getPulumiComponents(require(DIR)).map((c) => c.name).sort();

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

  it("exports exactly the components listed here", () => {
    assert.deepEqual(exported, Object.keys(EXPECTED).sort());
  });

  for (const [name, want] of Object.entries(EXPECTED)) {
    it(`infers ${name}'s inputs and outputs`, () => {
      const component = schema.components[name];
      assert.ok(component, `no schema for ${name}`);
      assert.deepEqual(Object.keys(component.inputs).sort(), want.inputs);
      assert.deepEqual(Object.entries(component.inputs).filter(([, p]) => !p.optional).map(([k]) => k).sort(), want.required);
      assert.deepEqual(Object.keys(component.outputs).sort(), want.outputs);
      assert.ok(component.description && component.description.length > 20, `${name} has a description`);
    });
  }

  it("uses the package's type tokens (llm-platform:index:<Class>), as the component provider constructs them", () => {
    for (const name of exported) {
      const source = readFileSync(join(DIR, `${name[0]!.toLowerCase()}${name.slice(1)}.ts`), "utf8");
      assert.match(source, new RegExp(`super\\("llm-platform:index:${name}"`), name);
    }
  });
});
