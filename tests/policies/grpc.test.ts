import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePlatformConfig } from "../../config/load";
import { evaluatePolicies } from "../../policies/evaluate";
import { allPolicies, PACK_NAME } from "../../policies/pack";
import { policyConfigFromPlatform, policyPackConfigFile } from "../../plan/policyConfig";
import { exampleConfig, planStack, synthesizeStack, type StackPlan } from "../fixtures/plans";
import { reconcilePolicyConfig } from "../fixtures/policyEngine";
import {
  analyzePlan,
  asWire,
  configure,
  getAnalyzerInfo,
  startPolicyPack,
  type AnalyzerInfo,
  type RunningPack,
  type WireDiagnostic,
} from "../fixtures/policyPackHost";
import { PROJECT_ROOT, stackConfig } from "../fixtures/stacks";

const PACK_DIR = join(PROJECT_ROOT, "policies");
const key = (d: Pick<WireDiagnostic, "policy" | "level" | "urn" | "message">) => JSON.stringify([d.policy, d.level, d.urn, d.message]);
const sorted = (ds: Pick<WireDiagnostic, "policy" | "level" | "urn" | "message">[]) => ds.map(key).sort();

/**
 * The policy pack as the Pulumi engine runs it: a plugin process started in policies/ the way the
 * `pulumi-analyzer-policy` shim starts it (tests/fixtures/policyPackHost.ts), driven over the
 * Analyzer gRPC protocol. Whatever it reports must be what the in-process evaluator (policies/
 * evaluate.ts, which the offline plan uses) reports for the same plan and config.
 */
describe("policy pack over the Analyzer gRPC protocol", function () {
  this.timeout(120_000);
  let starting: Promise<RunningPack> | undefined;
  let pack: RunningPack;
  let info: AnalyzerInfo;
  let prod: StackPlan;
  let seed: StackPlan;

  before(async () => {
    // The pack starts (ts-node type-checks it) while the plans run; plans run one at a time (one mock runtime per process).
    starting = startPolicyPack(PACK_DIR);
    await synthesizeStack("prod", stackConfig("prod"));
    await synthesizeStack("seed", exampleConfig("examples/Pulumi.seed-literal.yaml"));
    pack = await starting;
    info = await getAnalyzerInfo(pack.client);
  });
  // Per test (the synthesis above is memoized): the in-process host config is derived inside the test.
  beforeEach(async () => {
    prod = await planStack("prod");
    seed = await planStack("seed", exampleConfig("examples/Pulumi.seed-literal.yaml"));
  });
  after(async () => (await starting?.catch(() => undefined))?.stop());

  /** Configures the pack as the engine does from a `--policy-pack-config` file (none: the schema defaults). */
  async function runLikeTheEngine(plan: StackPlan, file?: Record<string, unknown>) {
    const { config, errors } = reconcilePolicyConfig(info.policies, file);
    assert.deepEqual(errors, []);
    await configure(pack.client, config);
    return analyzePlan(pack.client, plan.resources);
  }

  const descriptions = () => new Map(info.policies.map((p) => [p.name, p.description]));
  const resourcePolicies = new Set(allPolicies.filter((p) => "validateResource" in p).map((p) => p.name));

  it("prints its port and describes every policy of the pack with its config schema", () => {
    assert.ok(pack.port > 0);
    assert.equal(info.name, PACK_NAME);
    assert.equal(info.version, JSON.parse(readFileSync(join(PACK_DIR, "package.json"), "utf8")).version);
    assert.equal(info.supportsConfig, true);
    assert.deepEqual(
      info.policies.map((p) => p.name),
      allPolicies.map((p) => p.name),
    );
    for (const p of allPolicies) {
      const served = info.policies.find((x) => x.name === p.name)!;
      assert.equal(served.enforcementLevel, p.enforcementLevel, p.name);
      assert.equal(served.type, resourcePolicies.has(p.name) ? "resource" : "stack", p.name);
      assert.deepEqual(served.configSchema?.properties ?? {}, p.configSchema?.properties ?? {}, p.name);
    }
  });

  it("accepts the prod plan with its defaults and reports what the in-process evaluator reports", async () => {
    const { resource, stack } = await runLikeTheEngine(prod);
    const expected = await evaluatePolicies(prod.resources);
    const d = descriptions();
    assert.deepEqual(sorted([...resource, ...stack]), sorted(expected.map((v) => asWire(v, d.get(v.policy)!))));
    assert.deepEqual(
      [...resource, ...stack].filter((x) => x.level === "mandatory"),
      [],
    );
    // Prod pins images by tag offline (resolve mode), so the digest advisory is the one that fires.
    assert.ok(
      resource.length > 0 && resource.every((x) => x.policy === "prod-image-digests" && x.packName === PACK_NAME),
      JSON.stringify(resource.map((x) => x.policy)),
    );
  });

  it("refuses the seed-literal plan under its own host config, with the in-process evaluator's violations", async () => {
    const settings = policyConfigFromPlatform(parsePlatformConfig(exampleConfig("examples/Pulumi.seed-literal.yaml")));
    const { resource, stack } = await runLikeTheEngine(seed, policyPackConfigFile(settings));
    const expected = await evaluatePolicies(seed.resources, settings);
    const d = descriptions();
    assert.deepEqual(sorted([...resource, ...stack]), sorted(expected.map((v) => asWire(v, d.get(v.policy)!))));
    const mandatory = new Set([...resource, ...stack].filter((x) => x.level === "mandatory").map((x) => x.policy));
    for (const p of ["gpu-slices-within-host", "gpu-memory-per-card", "vllm-kv-cache-fits-max-model-len", "gpu-rollout-no-deadlock"])
      assert.ok(mandatory.has(p), p);
    // Stack policies come back from AnalyzeStack, resource policies from Analyze.
    assert.ok(stack.length > 0 && stack.every((x) => !resourcePolicies.has(x.policy)));
    assert.ok(resource.every((x) => resourcePolicies.has(x.policy)));
  });

  it("applies the enforcement level and settings given in the config file", async () => {
    const { resource, stack } = await runLikeTheEngine(seed, {
      "gpu-rollout-no-deadlock": "advisory",
      "gpu-slices-within-host": "disabled",
      "compute-within-host": { host: { nodes: [{ name: "big", gpus: 2, gpuMemoryGiB: 10, cpu: 256, memoryGiB: 1024 }] } },
    });
    const all = [...resource, ...stack];
    assert.ok(
      all.some((x) => x.policy === "gpu-rollout-no-deadlock") && all.filter((x) => x.policy === "gpu-rollout-no-deadlock").every((x) => x.level === "advisory"),
    );
    assert.deepEqual(
      all.filter((x) => x.policy === "gpu-slices-within-host"),
      [],
    );
    assert.deepEqual(
      all.filter((x) => x.policy === "compute-within-host"),
      [],
      "1 TiB of RAM holds the seed plan's requests",
    );
  });
});
