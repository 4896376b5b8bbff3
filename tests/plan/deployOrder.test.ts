import { strict as assert } from "node:assert";
import { join } from "node:path";
import { deployOrder, waitsTransitively } from "../../plan/deployOrder";
import { synthesize, type SynthesizedResource } from "../../plan/synthesize";
import { planned } from "./planned";

const URN = (chain: string, name: string) => `urn:pulumi:test::order::${chain}::${name}`;
const CM = "kubernetes:core/v1:ConfigMap";

describe("deploy order: what each registration waits for", () => {
  let resources: SynthesizedResource[];
  const byName = (name: string) => resources.find((r) => r.name === name)!;
  before(async () => {
    ({ resources } = await synthesize({ program: join(__dirname, "fixtures", "orderProgram.ts"), project: "order", stack: "test", config: {} }));
  });

  it("records the outputs an input reads as dependencies, per property (the password behind stringData)", () => {
    const secret = byName("s");
    assert.deepEqual(secret.dependencies, [URN("random:index/randomPassword:RandomPassword", "pw")]);
    assert.deepEqual(secret.propertyDependencies, { stringData: [URN("random:index/randomPassword:RandomPassword", "pw")] });
  });

  it("expands a component in dependsOn to its custom descendants at any depth, never the component itself", () => {
    assert.deepEqual(byName("after-group").dependencies, [URN(`test:index:Group$${CM}`, "g-x"), URN(`test:index:Group$test:index:Inner$${CM}`, "g-y")]);
  });

  it("keeps a component's own dependsOn on the component: its children's registrations carry none", () => {
    assert.deepEqual(byName("g").dependencies, [URN("kubernetes:core/v1:Namespace", "a")]);
    assert.deepEqual(byName("g-x").dependencies, []);
    assert.deepEqual(byName("g-y").dependencies, []);
  });

  it("makes a child wait for what its parent waits for (the SDK awaits the parent's URN), through nested components", () => {
    const order = deployOrder(resources);
    const ns = URN("kubernetes:core/v1:Namespace", "a");
    assert.deepEqual(order.waitsFor.get(byName("g-x").urn), [ns]);
    assert.deepEqual(order.waitsFor.get(byName("g-y").urn), [ns]);
    assert.ok(waitsTransitively(order, byName("after-group").urn, ns));
  });

  it("records the explicit provider and waits for it", () => {
    const img = byName("img");
    assert.equal(img.provider, URN("pulumi:providers:docker", "box"));
    assert.deepEqual(deployOrder(resources).waitsFor.get(img.urn), [img.provider]);
  });

  it("records protect as inherited from the parent and retainOnDelete as given", () => {
    assert.equal(byName("g-x").opts?.protect, true);
    assert.equal(byName("g-y").opts?.protect, true);
    assert.equal(byName("s").opts?.protect, false);
    assert.equal(byName("img").opts?.retainOnDelete, true);
    assert.equal(byName("s").opts?.retainOnDelete, false);
  });

  it("numbers the waves: nothing before what it waits for, each as early as it can be", () => {
    const order = deployOrder(resources);
    const wave = (name: string) => order.waveOf.get(byName(name).urn);
    assert.deepEqual(["a", "pw", "box", "g-x", "g-y", "s", "img", "after-group"].map(wave), [0, 0, 0, 1, 1, 1, 1, 2]);
    assert.equal(order.waveOf.has(byName("g").urn), false, "components create nothing and get no wave");
  });

  it("refuses a dependency cycle", () => {
    const r = (name: string, deps: string[]): SynthesizedResource => ({
      type: CM,
      name,
      urn: name,
      props: {},
      custom: true,
      dependencies: deps,
      propertyDependencies: {},
    });
    assert.throws(() => deployOrder([r("x", ["y"]), r("y", ["x"])]), /cycle/);
  });
});

describe("deploy order of the fixture stacks", () => {
  for (const stack of ["prod", "dev"] as const) {
    it(`${stack}: every resource comes after everything it waits for`, async () => {
      const { resources, order } = await planned(stack);
      const custom = new Set(resources.filter((r) => r.custom).map((r) => r.urn));
      for (const r of resources.filter((x) => x.custom)) {
        for (const dep of order.waitsFor.get(r.urn) ?? []) {
          if (custom.has(dep))
            assert.ok(
              order.waveOf.get(dep)! < order.waveOf.get(r.urn)!,
              `${r.name} (wave ${order.waveOf.get(r.urn)}) before ${dep} (wave ${order.waveOf.get(dep)})`,
            );
        }
      }
    });
  }

  it("prod: the operators come before every custom resource they serve and before the GPU servers", async () => {
    const { resources, order } = await planned("prod");
    const waveOf = (pred: (r: SynthesizedResource) => boolean) => resources.filter(pred).map((r) => order.waveOf.get(r.urn)!);
    const certManager = Math.max(...waveOf((r) => r.props.chart === "cert-manager"));
    assert.ok(Math.min(...waveOf((r) => r.type.startsWith("kubernetes:cert-manager.io/"))) > certManager);
    const devicePlugin = Math.max(...waveOf((r) => r.props.chart === "nvidia-device-plugin"));
    assert.ok(
      Math.min(...waveOf((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name.endsWith("-deployment") && r.props.metadata.name.startsWith("vllm-"))) >
        devicePlugin,
    );
  });
});
