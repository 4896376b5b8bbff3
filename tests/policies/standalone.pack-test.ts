import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { cpSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { evaluatePolicies } from "../../policies/evaluate";
import { planStack } from "../fixtures/plans";
import { reconcilePolicyConfig } from "../fixtures/policyEngine";
import { analyzePlan, asWire, configure, getAnalyzerInfo, startPolicyPack, type RunningPack } from "../fixtures/policyPackHost";
import { PROJECT_ROOT } from "../fixtures/stacks";

/*
 * `npm run test:pack-standalone` (not part of `npm test`: it installs ~240 packages from the npm
 * registry, 30-90 s). The policy pack installed on its own, the way `pulumi policy publish` ships it
 * and a CI runner or the Pulumi service installs it: the capacity model and the Kubernetes helpers as
 * published tarballs (`npm pack capacity/`, `npm pack kube/`), the pack folder copied out of the
 * repository with its own lockfile, no workspace and no path into the monorepo. Then the engine's way
 * of starting it (policyPackHost.ts).
 *
 * UPDATE_PACK_LOCK=1 rewrites policies/package-lock.json from this install (the local packages' entries
 * as registry versions with the tarballs' integrity); without it the committed lockfile must match.
 */

const PACK_DIR = join(PROJECT_ROOT, "policies");
const LOCKFILE = join(PACK_DIR, "package-lock.json");
const npm = (cwd: string, ...args: string[]) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"));

type Lock = { packages: Record<string, Record<string, any>> };
/** The monorepo's packages the pack depends on by version, each with its folder. */
const LOCAL = { "@llm-platform/capacity": "capacity", "@llm-platform/kube": "kube" } as const;
type Tarball = { filename: string; version: string; integrity: string };

/** The lockfile the pack commits: each local package as a registry dependency of its version. */
function committedForm(lock: Lock, tarballs: Record<string, Tarball>): Lock {
  const copy = structuredClone(lock);
  for (const [name, tarball] of Object.entries(tarballs)) {
    copy.packages[""]!.dependencies[name] = tarball.version;
    const installed = copy.packages[`node_modules/${name}`]!;
    copy.packages[`node_modules/${name}`] = { version: tarball.version, integrity: tarball.integrity, license: installed.license };
  }
  return copy;
}

describe("policy pack installed on its own", function () {
  this.timeout(600_000);
  let tmp: string;
  let packDir: string;
  const tarballs: Record<string, Tarball> = {};
  let pack: RunningPack | undefined;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "llm-platform-pack-"));
    packDir = join(tmp, "policies");
    cpSync(PACK_DIR, packDir, { recursive: true, filter: (src) => !relative(PACK_DIR, src).split("/").includes("node_modules") });
    for (const [name, folder] of Object.entries(LOCAL)) {
      [tarballs[name]] = JSON.parse(npm(PROJECT_ROOT, "pack", `./${folder}`, "--pack-destination", tmp, "--json"));
      npm(packDir, "pkg", "set", `dependencies.${name}=file:../${tarballs[name]!.filename}`);
    }
    npm(packDir, "install", "--ignore-scripts", "--no-audit", "--no-fund");
  });
  after(async () => {
    await pack?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("depends on the capacity and kube packages by version and on the TypeScript the policy host needs", () => {
    const manifest = readJson(join(PACK_DIR, "package.json"));
    for (const [name, folder] of Object.entries(LOCAL)) {
      assert.equal(manifest.dependencies[name], readJson(join(PROJECT_ROOT, folder, "package.json")).version, name);
      assert.equal(tarballs[name]!.version, manifest.dependencies[name], name);
    }
    // Without them run-policy-pack falls back to its vendored typescript@3.8.3 / ts-node@7 (tsutils.js).
    for (const dep of ["typescript", "ts-node"])
      assert.equal(readJson(join(packDir, "node_modules", dep, "package.json")).version, manifest.dependencies[dep], dep);
  });

  it("installs the capacity and kube packages from their tarballs, not as links into the repository", () => {
    for (const name of Object.keys(LOCAL)) {
      const installed = join(packDir, "node_modules", name);
      assert.ok(lstatSync(installed).isDirectory() && !lstatSync(installed).isSymbolicLink(), name);
      assert.ok(require.resolve(name, { paths: [packDir] }).startsWith(installed), name);
      assert.equal(readJson(join(installed, "package.json")).private, undefined, `${name}: a private package cannot be published`);
    }
  });

  it("has a committed lockfile that pins the same third-party packages", () => {
    const installed = committedForm(readJson(join(packDir, "package-lock.json")), tarballs);
    if (process.env.UPDATE_PACK_LOCK === "1") writeFileSync(LOCKFILE, `${JSON.stringify(installed, null, 2)}\n`);
    const committed = readJson(LOCKFILE) as Lock;
    assert.deepEqual(
      Object.keys(committed.packages).sort(),
      Object.keys(installed.packages).sort(),
      "policies/package-lock.json is stale: UPDATE_PACK_LOCK=1 npm run test:pack-standalone",
    );
    for (const [path, entry] of Object.entries(installed.packages)) {
      if (Object.keys(LOCAL).some((name) => path === `node_modules/${name}`)) continue;
      assert.deepEqual(committed.packages[path], entry, `${path} differs; UPDATE_PACK_LOCK=1 npm run test:pack-standalone`);
    }
  });

  it("starts as the engine starts it and accepts the prod plan with its defaults, as the in-process evaluator does", async () => {
    const prod = await planStack("prod");
    pack = await startPolicyPack(packDir);
    const info = await getAnalyzerInfo(pack.client);
    assert.equal(info.version, readJson(join(PACK_DIR, "package.json")).version);
    const { config, errors } = reconcilePolicyConfig(info.policies);
    assert.deepEqual(errors, []);
    await configure(pack.client, config);
    const { resource, stack } = await analyzePlan(pack.client, prod.resources);
    const descriptions = new Map(info.policies.map((p) => [p.name, p.description]));
    const key = (d: { policy: string; level: string; urn: string; message: string }) => JSON.stringify([d.policy, d.level, d.urn, d.message]);
    const expected = (await evaluatePolicies(prod.resources)).map((v) => asWire(v, descriptions.get(v.policy)!));
    assert.deepEqual([...resource, ...stack].map(key).sort(), expected.map(key).sort());
    assert.deepEqual(
      [...resource, ...stack].filter((d) => d.level === "mandatory"),
      [],
    );
  });
});
