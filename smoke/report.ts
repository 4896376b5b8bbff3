import type { Check, CheckOutcome, CheckResult } from "./checks";

export interface CheckRecord extends CheckOutcome {
  id: string;
  group: Check["group"];
  name: string;
  request: string;
}

export interface SmokeReport {
  stack: string;
  url: string;
  host: string;
  client: string | null;
  startedAt: string;
  durationMs: number;
  ok: boolean;
  summary: Record<CheckResult, number>;
  checks: CheckRecord[];
}

/** Replaces every occurrence of the secrets (keys) in a text: nothing the smoke test prints carries a key. */
export function redactor(secrets: (string | undefined)[]): (text: string) => string {
  const list = secrets.filter((s): s is string => typeof s === "string" && s.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => list.reduce((t, s) => t.split(s).join("[redacted]"), text);
}

export function summarize(records: CheckRecord[]): Record<CheckResult, number> {
  const summary: Record<CheckResult, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const r of records) summary[r.result]++;
  return summary;
}

const ms = (v: number | undefined) => (v === undefined ? "-" : `${Math.round(v)} ms`);

/** Fixed-width columns for the table, sized from the planned checks so rows can stream as they finish. */
export function tableLayout(checks: Pick<Check, "name" | "request">[]) {
  const name = Math.max(5, ...checks.map((c) => c.name.length));
  const request = Math.min(60, Math.max(7, ...checks.map((c) => c.request.length)));
  const pad = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));
  return {
    header: `${"RESULT".padEnd(6)}  ${pad("CHECK", name)}  ${pad("REQUEST", request)}  ${"HTTP".padStart(4)}  ${"LATENCY".padStart(8)}  DETAIL`,
    row: (r: CheckRecord) =>
      `${r.result.toUpperCase().padEnd(6)}  ${pad(r.name, name)}  ${pad(r.request, request)}  ${String(r.httpStatus ?? "-").padStart(4)}  ${ms(r.latencyMs).padStart(8)}  ${r.detail}`,
  };
}

/** The closing lines: counts, then each failure and warning with what to look at next. */
export function formatSummary(report: SmokeReport): string {
  const s = report.summary;
  const lines = [
    `${s.pass} passed, ${s.fail} failed, ${s.warn} warning(s), ${s.skip} skipped in ${(report.durationMs / 1000).toFixed(1)} s — ${report.ok ? "the platform answers" : "FAILED"}`,
  ];
  const noteworthy = report.checks.filter((c) => c.result === "fail" || c.result === "warn");
  if (noteworthy.length) lines.push("");
  for (const c of noteworthy) {
    lines.push(`${c.result === "fail" ? "FAIL" : "WARN"} ${c.name} [${c.id}]: ${c.detail}`);
    if (c.hint) lines.push(`     next: ${c.hint}`);
  }
  return `${lines.join("\n")}\n`;
}

// eslint-disable-next-line no-control-regex -- XML 1.0 Char production: tab, LF and CR are the control characters it allows
const XML_INVALID = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]/g;
function xml(text: string): string {
  return text.replace(XML_INVALID, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** JUnit XML (the schema CI test reporters read): one testcase per check; failures, skips and warnings as such. */
export function junitXml(report: SmokeReport): string {
  const seconds = (v: number | undefined) => ((v ?? 0) / 1000).toFixed(3);
  const suite = `smoke.${report.stack}`;
  const cases = report.checks.map((c) => {
    const open = `    <testcase classname="${xml(`${suite}.${c.group}`)}" name="${xml(`${c.name} [${c.id}]`)}" time="${seconds(c.latencyMs)}"`;
    const text = `${c.request}: ${c.detail}${c.hint ? `\nnext: ${c.hint}` : ""}`;
    if (c.result === "fail") return `${open}>\n      <failure message="${xml(c.detail)}" type="smoke">${xml(text)}</failure>\n    </testcase>`;
    if (c.result === "skip") return `${open}>\n      <skipped message="${xml(c.detail)}"/>\n    </testcase>`;
    return `${open}>\n      <system-out>${xml(`${c.result.toUpperCase()} ${text}`)}</system-out>\n    </testcase>`;
  });
  const counts = `tests="${report.checks.length}" failures="${report.summary.fail}" errors="0" skipped="${report.summary.skip}" time="${seconds(report.durationMs)}"`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="llm-platform smoke" ${counts}>`,
    `  <testsuite name="${xml(suite)}" ${counts} timestamp="${xml(report.startedAt)}">`,
    `    <properties>\n      <property name="url" value="${xml(report.url)}"/>\n      <property name="host" value="${xml(report.host)}"/>\n    </properties>`,
    ...cases,
    `  </testsuite>`,
    `</testsuites>`,
    ``,
  ].join("\n");
}
