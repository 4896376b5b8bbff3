import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { estimateMemory, lookupGpu } from "@llm-platform/capacity";
import { PROJECT_ROOT, fixtureStackFile, stackConfig } from "../fixtures/stacks";
import { parsePlatformConfig } from "../../config/load";
import { planServers } from "../../platform/servers";
import { estimateInputOf } from "../../policies/gpuPlan";

function plan(...args: string[]) {
  return spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", join(PROJECT_ROOT, "plan", "cli.ts"), ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  });
}

describe("npm run plan (CLI)", function () {
  this.timeout(120_000);
  const out = mkdtempSync(join(tmpdir(), "plan-"));

  it("plans prod offline: exit 0, report, kustomize tree, picture and policy config", () => {
    const run = plan("--stack", "prod", "--config", fixtureStackFile("prod"), "--out", out);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    // Prod shares its two RTX 3080 with DRA: the card's usable memory from the GPU catalog, the llm's footprint and KV from the capacity model.
    const usable = lookupGpu("NVIDIA-GeForce-RTX-3080").usableMemoryGiB;
    const config = parsePlatformConfig(stackConfig("prod"));
    const llm = planServers(config).find((s) => s.name === "llm")!;
    const e = estimateMemory(estimateInputOf(llm.args, usable, "NVIDIA-GeForce-RTX-3080"));
    const fp = Math.round(e.deviceFootprintGiBPessimistic * 100) / 100;
    assert.match(run.stdout, /GPU plan \(dra, DRA: one ResourceClaim per card, exact set of pods; pessimistic footprints\): 2 of 2 cards claimed/);
    assert.match(
      run.stdout,
      new RegExp(
        `gpu-node/gpu0 NVIDIA-GeForce-RTX-3080 ${usable} GiB usable: pods on it ${fp} GiB, headroom ${(Math.round((usable - fp) * 100) / 100).toFixed(2)} GiB`,
      ),
    );
    assert.match(
      run.stdout,
      new RegExp(
        `vllm-llm-0 +${fp.toFixed(2)} GiB {2}KV ${e.kvCacheTokens} expected / ${e.kvCacheTokensGuaranteed} guaranteed tokens \\(max-model-len 8192\\)`,
      ),
    );
    assert.match(run.stdout, /start-up check vllm-reranker-0: \d+\.\d\d GiB free ≥ \d+\.\d\d GiB requested\? yes/);
    assert.match(run.stdout, /mandatory violations: 0/);
    assert.match(run.stdout, /^Deploy order \(first `pulumi up` on an empty cluster\): \d+ waves, \d+ resources\n {2}wave {2}0: /m);
    assert.match(run.stdout, /^Flows \(rendered NetworkPolicies, Kubernetes semantics\): (\d+) needed, \1 open, 0 blocked$/m);
    assert.match(run.stdout, /^ {2}✓ edge +ingress-nginx\/gateway data plane +→ ingress-nginx\/ACME HTTP-01 solver +8089\/TCP +open/m);
    assert.match(run.stdout, /^Prerequisites \(must exist before `pulumi up`; `npm run doctor -- --stack prod` checks them\): \d+$/m);
    assert.match(run.stderr, /… stack prod: running index\.ts under the mock runtime/);
    const kustomization = parse(readFileSync(join(out, "manifests", "kustomization.yaml"), "utf8"));
    assert.ok(kustomization.resources.includes("llm-inference--deployment--vllm-llm.yaml"));
    // DRA: NVIDIA's DRA driver from its OCI chart instead of the device plugin (they must not advertise the same GPUs).
    assert.ok(!kustomization.resources.includes("charts/addons-gpu-device-plugin"));
    assert.ok(kustomization.resources.includes("llm-inference--resourceclaim--gpu-gpu-node-gpu0.yaml"), kustomization.resources.join("\n"));
    const draDriver = parse(readFileSync(join(out, "manifests", "charts", "addons-dra-driver", "kustomization.yaml"), "utf8")).helmCharts[0];
    assert.equal(draDriver.version, "0.4.1");
    assert.equal(draDriver.valuesInline.gpuResourcesEnabledOverride, true);
    for (const file of kustomization.resources) assert.ok(existsSync(join(out, "manifests", file)), file);
    const written = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    assert.ok(written.prerequisites.length > 0 && written.flows.length > 0 && written.deployOrder.length > 0);
    const svg = readFileSync(join(out, "gpu-plan.svg"), "utf8");
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, new RegExp(`NVIDIA-GeForce-RTX-3080 ${usable} GiB usable`));
    assert.match(svg, new RegExp(`vllm-llm-0 ${fp.toFixed(2)} GiB, KV ${e.kvCacheTokensGuaranteed} guaranteed / ${e.kvCacheTokens} expected`));
    const policyConfig = JSON.parse(readFileSync(join(out, "policy-config.json"), "utf8"));
    assert.deepEqual(policyConfig["gpu-memory-per-card"].host.nodes, [
      { name: "gpu-node", gpus: 2, gpuProduct: "NVIDIA-GeForce-RTX-3080", cpu: 64, memoryGiB: 128 },
    ]);
    assert.deepEqual(policyConfig["gpu-memory-per-card"].host.sharing, { mode: "dra", replicas: 1 });
  });

  it("builds the written tree with kubectl kustomize (Helm charts need --enable-helm and a helm binary)", function () {
    const kubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
    if (kubectl.status !== 0) this.skip();
    const k = parse(readFileSync(join(out, "manifests", "kustomization.yaml"), "utf8"));
    const charts = k.resources.filter((r: string) => r.startsWith("charts/"));
    for (const chart of charts) {
      const file = join(out, "manifests", chart, "kustomization.yaml");
      const sub = parse(readFileSync(file, "utf8"));
      delete sub.helmCharts;
      writeFileSync(file, JSON.stringify(sub));
    }
    // Manifests applied from a URL (the Gateway API's CRDs) need the network: left out here.
    const remote = k.resources.filter((r: string) => r.startsWith("remote/"));
    for (const dir of remote)
      writeFileSync(
        join(out, "manifests", dir, "kustomization.yaml"),
        JSON.stringify({ ...parse(readFileSync(join(out, "manifests", dir, "kustomization.yaml"), "utf8")), resources: [] }),
      );
    const built = spawnSync("kubectl", ["kustomize", join(out, "manifests")], { encoding: "utf8" });
    assert.equal(built.status, 0, built.stderr);
    assert.equal((built.stdout.match(/^kind: /gm) ?? []).length, k.resources.length - charts.length - remote.length);
  });

  it("prints the JSON document with --json, and writes the same to --json-file (npm's banner never mixes into a file)", () => {
    const file = join(mkdtempSync(join(tmpdir(), "plan-")), "plan.json");
    const run = plan("--stack", "prod", "--config", fixtureStackFile("prod"), "--json", "--no-write", "--json-file", file);
    assert.equal(run.status, 0, run.stderr);
    const doc = JSON.parse(run.stdout);
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), doc);
    assert.deepEqual(Object.keys(doc), [
      "stack",
      "exitCode",
      "configErrors",
      "resources",
      "deployOrder",
      "violations",
      "flows",
      "guarded",
      "gitops",
      "prerequisites",
      "warnings",
      "gpus",
      "modes",
      "budgets",
    ]);
    assert.deepEqual(Object.keys(doc.resources[0]), [
      "type",
      "name",
      "parent",
      "urn",
      "custom",
      "dependsOn",
      "propertyDependencies",
      "provider",
      "waitsFor",
      "wave",
      "protect",
      "retainOnDelete",
    ]);
    const deployment = doc.resources.find((r: any) => r.name === "llm-deployment");
    assert.equal(deployment.parent, "urn:pulumi:prod::llm-platform::llm-platform:index:VllmServer::llm");
    const release = doc.resources.find((r: any) => r.type === "kubernetes:helm.sh/v3:Release" && r.name.startsWith("addons-cert"));
    assert.equal(release.chart, "cert-manager");
    const pvc = doc.resources.find((r: any) => r.type === "kubernetes:core/v1:PersistentVolumeClaim" && r.name === "base-models");
    assert.deepEqual([pvc.protect, pvc.retainOnDelete], [true, true]);
    assert.ok(doc.flows.every((f: any) => f.allowed));
    assert.deepEqual(Object.keys(doc.prerequisites[0]), ["kind", "name", "why", "howToCreate"]);
    assert.deepEqual(Object.keys(doc.violations[0]), ["policy", "level", "resource", "message"]);
    assert.equal(doc.gpus.slicesTotal, 2);
    const llmPod = doc.gpus.pods.find((p: any) => p.server === "llm");
    assert.deepEqual(
      Object.keys(llmPod)
        .filter((k) => ["server", "maxModelLen", "kvCacheTokens", "kvCacheTokensGuaranteed"].includes(k))
        .sort(),
      ["kvCacheTokens", "kvCacheTokensGuaranteed", "maxModelLen", "server"],
    );
    assert.ok(llmPod.kvCacheTokensGuaranteed >= 20000 && llmPod.kvCacheTokens > llmPod.kvCacheTokensGuaranteed);
    assert.deepEqual(
      doc.gpus.cards.map((c: any) => [c.product, c.memoryGiB]),
      [
        ["NVIDIA-GeForce-RTX-3080", 9.78],
        ["NVIDIA-GeForce-RTX-3080", 9.78],
      ],
    );
    assert.equal(doc.budgets.compute.allocatable.cpu, 60);
  });

  it("plans every stack file of the project (the user's own stacks) with exit 0", () => {
    const stacks = readdirSync(PROJECT_ROOT)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    assert.ok(stacks.length > 0);
    for (const stack of stacks) {
      const run = plan("--stack", stack, "--no-write", "--no-validate");
      assert.equal(run.status, 0, `${stack}: ${run.stdout}${run.stderr}`);
    }
  });

  it("refuses the seed's literal plan with exit 1 and the GPU budget violations", () => {
    const run = plan("--config", "examples/Pulumi.seed-literal.yaml", "--no-write");
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stdout, /\[gpu-slices-within-host\] GPU slices: .* = 13 > 8/);
    // The seed host's RTX 3080 10 GB has 9.78 GiB as CUDA reports it (the GPU catalog).
    assert.match(run.stdout, /\[gpu-memory-per-card\] gpu card gpu-node\/gpu0 \(9\.78 GiB\): .* can share it under time-slicing/);
    assert.match(run.stdout, /\[vllm-kv-cache-fits-max-model-len\] Deployment llm-inference\/vllm-chatbot: util 0\.9 × 9\.78 GiB leaves no KV cache/);
    assert.match(run.stdout, /result: REFUSED/);
  });

  it("exits 2 naming the key path for a config error", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-"));
    const file = join(dir, "Pulumi.broken.yaml");
    writeFileSync(
      file,
      readFileSync(fixtureStackFile("prod"), "utf8").replace(
        "maxModelLen: 8192\n      maxNumSeqs: 8",
        "maxModelLen: 8192\n      maxNumSeqs: 8\n      gpus: 0.5",
      ),
    );
    const run = plan("--config", file, "--no-write");
    assert.equal(run.status, 2, run.stdout + run.stderr);
    assert.match(run.stdout, /stack broken: configuration error — nothing was planned\n {2}- llm-platform:servers\.llm\.gpus: must be a whole number/);
  });

  it("exits 2 for a duplicate key in a stack file", () => {
    const dir = mkdtempSync(join(tmpdir(), "plan-"));
    const file = join(dir, "Pulumi.dup.yaml");
    writeFileSync(file, readFileSync(fixtureStackFile("prod"), "utf8").replace("    rag:\n      server: llm", "    chatbot:\n      server: llm"));
    const run = plan("--config", file, "--no-write");
    assert.equal(run.status, 2);
    assert.match(run.stdout, /Map keys must be unique/);
  });

  it("prints usage, not a stack trace, for bad flags and unknown stacks", () => {
    for (const args of [["--bogus"], [], ["--stack"], ["--stack", "staging"]]) {
      const run = plan(...args);
      assert.equal(run.status, 2, args.join(" "));
      assert.match(run.stderr, /usage: npm run plan -- \(--stack <name> \| --config/);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    }
    assert.match(plan("--stack", "staging").stderr, /unknown stack "staging".*stacks here: dev, prod/);
    assert.equal(plan("--help").status, 0);
  });
});
