import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { AlertRule, RuleGroup } from "../../../components/specs/monitoring/rules";

/**
 * Prometheus's own rule tools (`promtool`, Debian package `prometheus`; .ci/run installs it). Tests
 * that need it skip, loudly, where it is missing.
 */
export function promtoolVersion(): string | undefined {
  const r = spawnSync("promtool", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? (r.stdout || r.stderr).split("\n")[0] : undefined;
}

export function skipWithoutPromtool(ctx: Mocha.Context): void {
  if (promtoolVersion()) return;
  console.warn(
    "\n  !!! promtool is not installed: the Prometheus rule tests are SKIPPED. Install it with `apt-get install -y prometheus` (.ci/run does). !!!\n",
  );
  ctx.skip();
}

export interface PromtoolResult {
  ok: boolean;
  output: string;
}

function run(args: string[], cwd: string): PromtoolResult {
  try {
    return { ok: true, output: execFileSync("promtool", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }) };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

/** `promtool check rules` on the groups as Prometheus loads a rule file. */
export function checkRules(groups: RuleGroup[]): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), "promtool-"));
  writeFileSync(join(dir, "rules.yaml"), stringify({ groups }));
  return run(["check", "rules", "rules.yaml"], dir);
}

export interface AlertExpectation {
  labels: Record<string, string>;
}

export interface AlertCheck {
  evalTime: string;
  alertname: string;
  /** Empty: the alert must not fire at that time. */
  expect: AlertExpectation[];
}

export interface RuleTest {
  name: string;
  series: { series: string; values: string }[];
  checks: AlertCheck[];
}

/** A rule's annotations as Prometheus expands them for an alert with these labels (the rules use only `{{ $labels.x }}`). */
export function expandAnnotations(rule: AlertRule, labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(rule.annotations).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.([a-zA-Z_]+) \}\}/g, (_, name: string) => labels[name] ?? "")]),
  );
}

/** The rule an expected alert comes from: same name, and rule labels that the alert carries. */
export function ruleFor(groups: RuleGroup[], alertname: string, labels: Record<string, string>): AlertRule {
  const rule = groups.flatMap((g) => g.rules).find((r) => r.alert === alertname && Object.entries(r.labels).every(([k, v]) => labels[k] === v));
  if (!rule) throw new Error(`no ${alertname} rule with labels ${JSON.stringify(labels)}`);
  return rule;
}

/** `promtool test rules` with one test group per RuleTest; expected annotations come from the matching rule. */
export function testRules(groups: RuleGroup[], tests: RuleTest[]): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), "promtool-"));
  writeFileSync(join(dir, "rules.yaml"), stringify({ groups }));
  const file = {
    rule_files: ["rules.yaml"],
    evaluation_interval: "1m",
    tests: tests.map((t) => ({
      name: t.name,
      interval: "1m",
      input_series: t.series,
      alert_rule_test: t.checks.map((c) => ({
        eval_time: c.evalTime,
        alertname: c.alertname,
        exp_alerts: c.expect.map((e) => ({ exp_labels: e.labels, exp_annotations: expandAnnotations(ruleFor(groups, c.alertname, e.labels), e.labels) })),
      })),
    })),
  };
  writeFileSync(join(dir, "tests.yaml"), stringify(file));
  return run(["test", "rules", "tests.yaml"], dir);
}
