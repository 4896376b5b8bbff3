import type { Prerequisite } from "./prerequisites";
import type { PlanResult } from "./runPlan";
import { changeReportLines } from "./diff";

const f1 = (x: number) => x.toFixed(1);

function resourceTree(result: PlanResult): string[] {
  const children = new Map<string | undefined, PlanResult["resources"]>();
  for (const r of result.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      const kids = children.get(r.urn)?.length ?? 0;
      lines.push(`${"  ".repeat(depth + 1)}${r.name}  ${r.type}${kids ? `  (${kids} children)` : ""}`);
      walk(r.urn, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}

const kindOf = (type: string) => type.split(":").pop() ?? type;

/** Items joined with ", " and wrapped at `width` columns, continuation lines indented. */
function wrap(prefix: string, items: string[], width = 118): string[] {
  const lines: string[] = [];
  let line = prefix;
  for (const [i, item] of items.entries()) {
    const piece = `${item}${i < items.length - 1 ? "," : ""}`;
    if (line.length + piece.length + 1 > width && line.trim().length > prefix.trim().length) {
      lines.push(line);
      line = " ".repeat(prefix.length);
    }
    line += `${line.endsWith(" ") ? "" : " "}${piece}`;
  }
  lines.push(line);
  return lines;
}

/** The waves of the first `pulumi up`: each wave starts when everything it waits for exists. */
export function deployOrderLines(result: PlanResult): string[] {
  const order = result.order;
  if (!order) return [];
  const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
  const lines = [`Deploy order (first \`pulumi up\` on an empty cluster): ${order.waves.length} waves, ${order.waveOf.size} resources`];
  for (const w of order.waves) {
    const names = w.urns.map((u) => byUrn.get(u)!).map((r) => `${kindOf(r.type)} ${r.name}`);
    lines.push(...wrap(`  wave ${String(w.wave).padStart(2)}:`, names));
  }
  return lines;
}

/** The needed flows against the rendered NetworkPolicies, and who can open the guarded targets. */
export function flowMatrixLines(result: PlanResult): string[] {
  const r = result.reachability;
  if (!r) return [];
  const blocked = r.flows.filter((f) => f.unresolved || f.blocked.length > 0).length;
  const lines = [`Flows (rendered NetworkPolicies, Kubernetes semantics): ${r.flows.length} needed, ${r.flows.length - blocked} open, ${blocked} blocked`];
  const width = Math.min(46, Math.max(...r.flows.map((f) => f.fromLabel.length)));
  const toWidth = Math.min(48, Math.max(...r.flows.map((f) => f.toLabel.length)));
  for (const f of r.flows) {
    const ports = `${f.ports.join(",")}/${f.protocol}`;
    const status = f.unresolved
      ? "UNRESOLVED"
      : f.blocked.length
        ? `BLOCKED ${f.blocked.length}/${f.pairs}`
        : `open${f.pairs > 1 ? ` ${f.pairs}/${f.pairs}` : ""}`;
    lines.push(
      `  ${f.blocked.length || f.unresolved ? "✗" : "✓"} ${f.component.padEnd(10)} ${f.fromLabel.padEnd(width)} → ${f.toLabel.padEnd(toWidth)} ${ports.padEnd(15)} ${status.padEnd(13)} ${f.why}`,
    );
  }
  lines.push("Guarded targets (every other pod, namespace probe and address tried):");
  for (const g of r.guarded) {
    const state = g.breaches.length === 0 ? "only the allowed sources" : `${g.breaches.length} OTHER source/port pair(s) admitted`;
    lines.push(`  ${g.breaches.length ? "✗" : "✓"} ${g.name.padEnd(26)} ${g.target.padEnd(34)} ← ${g.allowed.join(", ")}: ${state}`);
  }
  return lines;
}

/** What must exist before `pulumi up`, and how to create it (`npm run doctor` checks each one). */
export function prerequisiteLines(result: PlanResult): string[] {
  const all = result.prerequisites ?? [];
  // A node label something the stack installs sets during the first up (NFD) is not one to create first.
  const duringUp = all.filter((p): p is Extract<Prerequisite, { kind: "NodeLabel" }> => p.kind === "NodeLabel" && p.setDuringUp !== undefined);
  const list = all.filter((p) => !duringUp.some((d) => d === p));
  const lines = [`Prerequisites (must exist before \`pulumi up\`; \`npm run doctor -- --stack ${result.stack}\` checks them): ${list.length}`];
  for (const p of list) {
    lines.push(`  - ${p.kind} ${p.namespace ? `${p.namespace}/` : ""}${p.name}${p.kind === "Secret" && p.keys.length ? ` (keys ${p.keys.join(", ")})` : ""}`);
    lines.push(`      why: ${p.why}`, `      how: ${p.howToCreate}`);
  }
  if (duringUp.length) {
    lines.push(`Set during \`pulumi up\` by what the stack installs (the doctor reports them pending until then): ${duringUp.length}`);
    for (const p of duringUp) lines.push(`  - ${p.kind} ${p.name}: by ${p.setDuringUp}`, `      why: ${p.why}`);
  }
  const gitops = result.gitopsSecrets ?? [];
  if (gitops.length) {
    const fromBitwarden = gitops.filter((s) => s.source === "bitwarden");
    lines.push(
      fromBitwarden.length
        ? `GitOps tree (manifests/): ${fromBitwarden.length} generated Secret(s) become ExternalSecrets; create these Bitwarden entries before Argo CD syncs it:`
        : `GitOps tree (manifests/): ${gitops.length} generated Secret(s) are left out (their values exist only in Pulumi state); create them before Argo CD syncs it:`,
    );
    for (const s of gitops) lines.push(`  - Secret ${s.namespace}/${s.name}: ${s.howToCreate}`);
  }
  return lines;
}

/** The GPU section: per card its usable memory and set of pods (expected and guaranteed KV tokens), then each serving mode. */
export function gpuLines(result: PlanResult): string[] {
  const g = result.gpus!;
  const lines: string[] = [];
  for (const w of result.warnings ?? []) lines.push(`warning: ${w}`);
  const share = g.sharing.mode === "dra" ? "DRA: one ResourceClaim per card, exact set of pods" : `${g.sharing.slicesPerGpu} slice(s) per GPU`;
  lines.push(
    `GPU plan (${g.sharing.mode}, ${share}; pessimistic footprints): ${g.slicesRequested} of ${g.slicesTotal} ${g.sharing.mode === "dra" ? "cards claimed" : "slices requested"}`,
  );
  for (const card of g.cards) {
    const label = g.sharing.mode === "dra" ? "pods on it" : "worst case";
    lines.push(
      `  ${card.card}${card.product ? ` ${card.product}` : ""} ${card.memoryGiB} GiB usable: ${label} ${card.totalGiB} GiB, ` +
        `${card.fits ? `headroom ${card.headroomGiB} GiB` : `OVER by ${f1(-card.headroomGiB)} GiB`}`,
    );
    for (const pod of card.worstCase) {
      const kv =
        pod.kvCacheTokens !== undefined
          ? `  KV ${pod.kvCacheTokens} expected / ${pod.kvCacheTokensGuaranteed} guaranteed tokens (max-model-len ${pod.maxModelLen})`
          : "";
      lines.push(`    ${pod.pod.padEnd(28)} ${pod.footprintGiB.toFixed(2).padStart(6)} GiB${kv}`);
      lines.push(`      ${pod.detail}`);
    }
    for (const step of card.startup ?? []) {
      lines.push(
        `    start-up check ${step.name}: ${step.freeAtStartGiB.toFixed(2)} GiB free ≥ ${step.requestedGiB.toFixed(2)} GiB requested? ${step.passes ? "yes" : "NO"}`,
      );
    }
  }
  for (const mode of g.modes) {
    const when = mode.schedule.map((w) => `${w.start} → ${w.end} (${w.timezone})`).join(", ");
    lines.push(`  mode ${mode.name} [${when}], ${(mode.minutesPerWeek / 60).toFixed(1)} h/week: ${mode.fits ? "fits" : "DOES NOT FIT"}`);
    for (const c of mode.cards.filter((x) => x.pods.length > 0))
      lines.push(`    ${c.card}: ${c.pods.join(" + ")} = ${c.totalGiB} of ${c.memoryGiB} GiB${c.fits ? "" : " OVER"}`);
  }
  for (const o of g.overlaps) lines.push(`  OVERLAP: modes ${o.modes.join(" and ")} both on at ${o.at} on ${o.cards.join(", ")}`);
  for (const x of g.gaps) lines.push(`  SWITCH TOO SOON: ${x.from} → ${x.to} at ${x.at}: ${x.gapSeconds} s < ${x.requiredSeconds} s`);
  for (const e of g.errors) lines.push(`  note: ${e}`);
  return lines;
}

/** The human-readable plan: resources per component, GPU plan per card, budgets, violations by severity. */
export function formatReport(result: PlanResult, outDir?: string): string {
  const lines: string[] = [];
  if (result.exitCode === 2) {
    lines.push(`stack ${result.stack}: configuration error — nothing was planned`);
    for (const e of result.configErrors) lines.push(`  - ${e.path}: ${e.message}`);
    return `${lines.join("\n")}\n`;
  }
  lines.push(`stack ${result.stack}: ${result.resources.length} resources`, ...resourceTree(result), "");
  lines.push(...gpuLines(result));
  const b = result.budgets!;
  lines.push(
    "",
    "Budgets",
    `  CPU     requests ${f1(b.compute.requests.cpu)} / ${f1(b.compute.allocatable.cpu)} cores allocatable, limits ${f1(b.compute.limits.cpu)}`,
    `  memory  requests ${f1(b.compute.requests.memoryGiB)} / ${f1(b.compute.allocatable.memoryGiB)} GiB allocatable, limits ${f1(b.compute.limits.memoryGiB)} (incl. /dev/shm)`,
    ...b.storage.map((s) => `  storage ${s.storageClass}: ${f1(s.requestedGiB)} / ${s.capacityGiB ?? "?"} GiB`),
    "  (pods inside Helm releases — device plugin, ingress controller, operators — are not counted)",
    "",
  );
  lines.push(...deployOrderLines(result), "", ...flowMatrixLines(result), "", ...prerequisiteLines(result), "");
  if (result.diff) lines.push(...changeReportLines(result.diff), "");
  for (const level of ["mandatory", "advisory"] as const) {
    const list = result.violations.filter((v) => v.level === level);
    lines.push(`${level} violations: ${list.length}`);
    for (const v of list) lines.push(`  [${v.policy}] ${v.message}`);
  }
  if (outDir) lines.push("", `wrote ${outDir}/manifests (kustomize), plan.json, gpu-plan.svg, policy-config.json${result.diff ? ", changes.md" : ""}`);
  const violated = result.violations.some((v) => v.level === "mandatory");
  lines.push(
    result.exitCode === 0
      ? "result: fits — no mandatory violation"
      : violated
        ? "result: REFUSED — fix the mandatory violations above"
        : "result: REFUSED — the change against the base is refused (see above)",
  );
  return `${lines.join("\n")}\n`;
}
