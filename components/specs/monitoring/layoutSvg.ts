import type { Dashboard, Panel } from "./dashboards";

/**
 * A picture of dashboards as Grafana lays them out: each panel a box at its grid position (24
 * columns), titled, a red line where the panel draws the plan's threshold. docs/observability.md
 * shows the prod plan's; a test keeps that file equal to what the generator renders.
 */
const COL = 22;
const ROW = 14;
const MARGIN = 16;
const HEADER = 28;
const COLUMN_GAP = 24;

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function fit(text: string, widthPx: number): string {
  const max = Math.max(4, Math.floor(widthPx / 6.2));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function hasThreshold(p: Panel): boolean {
  const steps = ((p.fieldConfig?.defaults as { thresholds?: { steps?: unknown[] } } | undefined)?.thresholds?.steps ?? []) as unknown[];
  return steps.length > 1;
}

function panelSvg(p: Panel, ox: number, oy: number): string {
  const x = ox + p.gridPos.x * COL;
  const y = oy + p.gridPos.y * ROW;
  const w = p.gridPos.w * COL;
  const h = p.gridPos.h * ROW;
  if (p.type === "row") {
    return `<text x="${x + 2}" y="${y + ROW - 3}" class="row">${escape(fit(p.title, w))}</text>`;
  }
  const fill = p.type === "text" ? "#f4f4f4" : p.type === "stat" ? "#e8f1fb" : "#ffffff";
  const parts = [`<rect x="${x + 2}" y="${y + 2}" width="${w - 4}" height="${h - 4}" rx="3" fill="${fill}" stroke="#8a8a8a"/>`];
  parts.push(`<text x="${x + 7}" y="${y + 15}" class="panel">${escape(fit(p.title, w - 10))}</text>`);
  if (p.type === "timeseries") {
    const base = y + h - 10;
    parts.push(
      `<polyline points="${x + 8},${base} ${x + w * 0.35},${base - h * 0.25} ${x + w * 0.6},${base - h * 0.15} ${x + w - 10},${base - h * 0.4}" fill="none" stroke="#3274d9" stroke-width="1.5"/>`,
    );
  }
  if (hasThreshold(p)) {
    const ty = y + 24;
    parts.push(`<line x1="${x + 6}" y1="${ty}" x2="${x + w - 6}" y2="${ty}" stroke="#d44a3a" stroke-dasharray="4 3"/>`);
  }
  return parts.join("");
}

function dashboardHeight(d: Dashboard): number {
  return Math.max(0, ...d.panels.map((p) => p.gridPos.y + p.gridPos.h)) * ROW;
}

/** The dashboards in two columns, each with its title above its panel grid. */
export function dashboardLayoutSvg(dashboards: Dashboard[]): string {
  const width = 24 * COL;
  const columns: { d: Dashboard; y: number }[][] = [[], []];
  const heights = [MARGIN, MARGIN];
  for (const d of dashboards) {
    const c = heights[0]! <= heights[1]! ? 0 : 1;
    columns[c]!.push({ d, y: heights[c]! });
    heights[c]! += HEADER + dashboardHeight(d) + MARGIN;
  }
  const total = { w: MARGIN * 2 + width * 2 + COLUMN_GAP, h: Math.max(...heights) };
  const body = columns.flatMap((col, c) =>
    col.map(({ d, y }) => {
      const ox = MARGIN + c * (width + COLUMN_GAP);
      return [`<text x="${ox}" y="${y + 18}" class="title">${escape(d.title)}</text>`, ...d.panels.map((p) => panelSvg(p, ox, y + HEADER))].join("");
    }),
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${total.w}" height="${total.h}" viewBox="0 0 ${total.w} ${total.h}" font-family="sans-serif">`,
    `<style>.title{font-size:14px;font-weight:bold}.row{font-size:10px;font-weight:bold;fill:#444}.panel{font-size:10px}</style>`,
    `<rect width="100%" height="100%" fill="#fafafa"/>`,
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}
