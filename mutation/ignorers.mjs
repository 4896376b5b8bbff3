// StrykerJS ignore-plugin "llm-platform-io": code the mutation run leaves unmutated, each rule with the
// reason (Stryker prints the reason on every ignored mutant in the report). The source files carry no
// `// Stryker disable` comments: the exclusions live here, next to the configs that score the areas.
//
// A rule ignores one AST node and everything inside it. Keep rules for I/O-only code that the area's
// tests exercise in a child process: Stryker collects per-test coverage in the test-runner process only,
// so such code would be reported "no coverage" although a test runs it.
import { PluginKind, declareValuePlugin } from "@stryker-mutator/api/plugin";
import { relative, sep } from "node:path";

const ROOT = process.cwd();

/** @type {{ file: string; reason: string; matches: (path: any) => boolean }[]} */
export const IGNORE_RULES = [
  {
    file: "capacity/cli.ts",
    reason:
      "I/O-only entry point of `npm run estimate` (argv, reading the file, stderr, exit code 2): tests/capacity/cli.test.ts runs it in a " +
      "child process, where Stryker sees no coverage. The estimating part, estimateCases, is mutated and tested in process.",
    matches: (path) => path.isFunctionDeclaration() && path.node.id?.name === "main",
  },
  {
    file: "capacity/cli.ts",
    reason: "`if (require.main === module)` only starts main() when the file is run as a program (child process in tests/capacity/cli.test.ts).",
    matches: (path) => path.isIfStatement() && path.get("test").isBinaryExpression({ operator: "===" }) && path.get("test.left").matchesPattern("require.main"),
  },
];

function fileOf(path) {
  const name = path.hub?.file?.opts?.filename;
  return typeof name === "string" ? relative(ROOT, name).split(sep).join("/") : undefined;
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, "llm-platform-io", {
    shouldIgnore(path) {
      const file = fileOf(path);
      if (file === undefined) return undefined;
      return IGNORE_RULES.find((rule) => rule.file === file && rule.matches(path))?.reason;
    },
  }),
];
