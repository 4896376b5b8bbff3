import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ESLint } from "eslint";
import * as prettier from "prettier";
import { PROJECT_ROOT } from "../fixtures/stacks";

const scripts = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")).scripts as Record<string, string>;

describe("lint in npm test (ESLint + Prettier)", function () {
  this.timeout(60_000);

  it("npm test runs the linter before the type check and the suite, and the linter runs both tools over the tree", () => {
    assert.match(scripts.test!, /^npm run -s lint && tsc -p tsconfig\.json && mocha /);
    assert.equal(scripts.lint, "eslint . && prettier --check .");
  });

  it("ESLint, with the project's config, refuses a TypeScript file with a recommended-rule error", async () => {
    const eslint = new ESLint({ cwd: PROJECT_ROOT });
    const [result] = await eslint.lintText("export function f(x: number) {\n  debugger;\n  return x;\n}\n", {
      filePath: join(PROJECT_ROOT, "platform", "lint-probe.ts"),
    });
    assert.deepEqual(
      result!.messages.map((m) => [m.ruleId, m.severity]),
      [["no-debugger", 2]],
    );
  });

  it("ESLint leaves the generated CRD types their namespaces, and nothing else", async () => {
    const eslint = new ESLint({ cwd: PROJECT_ROOT });
    const source = "export namespace probe {\n  export const x = 1;\n}\n";
    const [generated] = await eslint.lintText(source, { filePath: join(PROJECT_ROOT, "components", "crds", "types", "probe.ts") });
    const [elsewhere] = await eslint.lintText(source, { filePath: join(PROJECT_ROOT, "components", "probe.ts") });
    assert.deepEqual(generated!.messages, []);
    assert.deepEqual(
      elsewhere!.messages.map((m) => m.ruleId),
      ["@typescript-eslint/no-namespace"],
    );
  });

  it("Prettier, with the project's config, tells formatted from unformatted source", async () => {
    const file = join(PROJECT_ROOT, "platform", "lint-probe.ts");
    const options = { ...(await prettier.resolveConfig(file)), filepath: file };
    assert.equal(options.printWidth, 160);
    assert.equal(await prettier.check("const a = {b:1}\n", options), false);
    assert.equal(await prettier.check("const a = { b: 1 };\n", options), true);
  });
});
