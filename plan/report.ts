import type { PlanResult } from "./runPlan";

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

/** The human-readable plan: resources per component, GPU plan per card, budgets, violations by severity. */
export function formatReport(result: PlanResult, outDir?: string): string {
  const lines: string[] = [];
  if (result.exitCode === 2) {
    lines.push(`stack ${result.stack}: configuration error — nothing was planned`);
    for (const e of result.configErrors) lines.push(`  - ${e.path}: ${e.message}`);
    return `${lines.join("\n")}\n`;
  }
  lines.push(`stack ${result.stack}: ${result.resources.length} resources`, ...resourceTree(result), "");
  const g = result.gpus!;
  lines.push(`GPU plan (${g.sharing.mode}, ${g.sharing.slicesPerGpu} slice(s) per GPU): ${g.slicesRequested} of ${g.slicesTotal} slices requested`);
  for (const card of g.cards) {
    lines.push(`  ${card.card} ${card.memoryGiB} GiB: worst case ${card.totalGiB} GiB, ${card.fits ? `headroom ${card.headroomGiB} GiB` : `OVER by ${f1(-card.headroomGiB)} GiB`}`);
    for (const pod of card.worstCase) lines.push(`    ${pod.pod.padEnd(28)} ${pod.footprintGiB.toFixed(2).padStart(6)} GiB  ${pod.detail}`);
  }
  for (const e of g.errors) lines.push(`  note: ${e}`);
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
  for (const level of ["mandatory", "advisory"] as const) {
    const list = result.violations.filter((v) => v.level === level);
    lines.push(`${level} violations: ${list.length}`);
    for (const v of list) lines.push(`  [${v.policy}] ${v.message}`);
  }
  if (outDir) lines.push("", `wrote ${outDir}/manifests (kustomize), plan.json, gpu-plan.svg, policy-config.json`);
  lines.push(result.exitCode === 0 ? "result: fits — no mandatory violation" : "result: REFUSED — fix the mandatory violations above");
  return `${lines.join("\n")}\n`;
}
