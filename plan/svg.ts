import type { GpuPlan } from "../policies/gpuPlan";

const COLORS = ["#4e79a7", "#59a14f", "#edc948", "#b07aa1", "#76b7b2", "#9c755f", "#bab0ac", "#f28e2b"];
const OVER = "#e15759";

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * The GPU plan as stacked bars: one bar per card, one segment per pod of its worst-case set, the
 * card's memory marked by a line; segments above the line are drawn in red.
 */
export function gpuPlanSvg(plan: GpuPlan, title: string): string {
  const barWidth = 120;
  const gap = 180;
  const top = 60;
  const height = 360;
  const left = 70;
  const cards = plan.cards;
  const scaleMax = Math.max(1, ...cards.map((c) => Math.max(c.memoryGiB, c.totalGiB))) * 1.05;
  const y = (gib: number) => top + height - (gib / scaleMax) * height;
  const width = left + Math.max(1, cards.length) * (barWidth + gap);
  const modeRows = plan.modes.length;
  const colorOf = new Map<string, string>();
  for (const pod of plan.pods) if (!colorOf.has(pod.resource)) colorOf.set(pod.resource, COLORS[colorOf.size % COLORS.length]!);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + height + 70 + modeRows * 18}" viewBox="0 0 ${width} ${top + height + 70 + modeRows * 18}" font-family="sans-serif" font-size="12">`,
    `<title>${escape(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="24" font-size="16" font-weight="bold">${escape(title)}</text>`,
    `<text x="10" y="44">${escape(
      plan.sharing.mode === "dra"
        ? `DRA: one ResourceClaim per card, the exact pods on each (fullest mode); pessimistic footprints; usable memory as CUDA reports it`
        : `${plan.sharing.mode} ×${plan.sharing.slicesPerGpu} per GPU; slices ${plan.slicesRequested}/${plan.slicesTotal}; worst case per card; pessimistic footprints`,
    )}</text>`,
    `<line x1="${left - 10}" y1="${top + height}" x2="${width - 10}" y2="${top + height}" stroke="#333"/>`,
  ];
  for (let gib = 0; gib <= scaleMax; gib += scaleMax > 40 ? 10 : 2) {
    parts.push(`<text x="${left - 15}" y="${(y(gib) + 4).toFixed(1)}" text-anchor="end" fill="#666">${gib}</text>`);
  }
  parts.push(`<text x="12" y="${top + height / 2}" transform="rotate(-90 12 ${top + height / 2})" text-anchor="middle" fill="#666">GiB</text>`);
  cards.forEach((card, i) => {
    const x = left + i * (barWidth + gap);
    let used = 0;
    for (const pod of card.worstCase) {
      const y0 = y(used + pod.footprintGiB);
      const h = y(used) - y0;
      const over = used + pod.footprintGiB > card.memoryGiB;
      parts.push(
        `<rect x="${x}" y="${y0.toFixed(1)}" width="${barWidth}" height="${h.toFixed(1)}" fill="${over ? OVER : colorOf.get(pod.resource)}" stroke="#fff"><title>${escape(`${pod.pod}: ${pod.footprintGiB} GiB — ${pod.detail}`)}</title></rect>`,
      );
      const kv = pod.kvCacheTokensGuaranteed !== undefined ? `, KV ${pod.kvCacheTokensGuaranteed} guaranteed / ${pod.kvCacheTokens} expected` : "";
      if (h > 14)
        parts.push(`<text x="${x + barWidth + 6}" y="${(y0 + h / 2 + 4).toFixed(1)}">${escape(`${pod.pod} ${pod.footprintGiB.toFixed(2)} GiB${kv}`)}</text>`);
      used += pod.footprintGiB;
    }
    const line = y(card.memoryGiB);
    parts.push(
      `<line x1="${x - 8}" y1="${line.toFixed(1)}" x2="${x + barWidth + 8}" y2="${line.toFixed(1)}" stroke="#000" stroke-width="2" stroke-dasharray="6 3"/>`,
    );
    parts.push(`<text x="${x}" y="${(line - 6).toFixed(1)}" font-weight="bold">${escape(`${card.product ?? "card"} ${card.memoryGiB} GiB usable`)}</text>`);
    parts.push(`<text x="${x}" y="${top + height + 20}">${escape(card.card)}</text>`);
    parts.push(
      `<text x="${x}" y="${top + height + 38}" fill="${card.fits ? "#2a7d2a" : OVER}">${escape(`${card.totalGiB} GiB, ${card.fits ? `${card.headroomGiB} GiB free` : `${(-card.headroomGiB).toFixed(2)} GiB over`}`)}</text>`,
    );
  });
  plan.modes.forEach((mode, i) => {
    const used = mode.cards.filter((c) => c.pods.length > 0).map((c) => `${c.card}: ${c.pods.join(" + ")} ${c.totalGiB}/${c.memoryGiB} GiB`);
    const when = mode.schedule.map((w) => `${w.start} → ${w.end} ${w.timezone}`).join(", ");
    parts.push(
      `<text x="10" y="${top + height + 60 + i * 18}" fill="${mode.fits ? "#2a7d2a" : OVER}">${escape(`mode ${mode.name} [${when}]: ${mode.fits ? "fits" : "DOES NOT FIT"} — ${used.join("; ")}`)}</text>`,
    );
  });
  if (cards.length === 0) parts.push(`<text x="${left}" y="${top + 40}">no GPUs in this stack's host inventory</text>`);
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
