// SVG chart of a simulation, drawn by hand (no dependency): metric series on the left axis, replicas on the right,
// shaded spans while KEDA waits for cooldown, while the HPA's stabilization window holds replicas up, and while a
// trigger is in fallback; markers for activations (0→N) and deactivations (N→0); a legend. Deterministic output.
import { formatNumber } from '../engine/metric-value.ts';
import type { Series } from './series.ts';
import type { SimStep, SimulationResult } from './simulator.ts';
import { formatClock } from './timeline.ts';

const W = 960;
/** Height and margins with a one-row legend; every further legend row adds LEGEND_ROW_H to both. */
const BASE_H = 500;
const BASE_M = { left: 70, right: 70, top: 78, bottom: 56 };
const PLOT_W = W - BASE_M.left - BASE_M.right;
const PLOT_H = BASE_H - BASE_M.top - BASE_M.bottom;
const LEGEND_Y = 46;
const LEGEND_ROW_H = 20;
/** Swatch (16 px) plus the gap before the label. */
const LEGEND_SWATCH_W = 22;
const LEGEND_GAP = 18;
const LEGEND_FONT_SIZE = 12;
const SERIES_COLORS = ['#1f6feb', '#8250df', '#0a7f83', '#bf8700', '#cf222e'];
const REPLICA_COLOR = '#e36209';

function niceStep(range: number, count: number): number {
  const raw = range / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function timeStep(duration: number): number {
  const candidates = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];
  return candidates.find((c) => duration / c <= 10) ?? 43200;
}

const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// Advance widths (per 1000 em) for printable ASCII, from space (32) to tilde (126): per character the wider of
// Helvetica (which Arial and Liberation Sans share) and DejaVu Sans (what most Linux viewers substitute for it).
// SVG has no text metrics without a renderer, so the legend is laid out with these; a label then never runs past
// its estimate, whichever of those fonts draws it. Other characters count as 1 em.
const SANS_WIDTHS = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838,
  556, 1015, 684, 686, 722, 770, 667, 611, 778, 752, 295, 500, 667, 557, 863, 748, 787, 667, 787, 722, 667, 611, 732, 684, 989, 685, 667, 685, 390, 337, 390,
  838, 556, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337,
  636, 838,
];

/** Estimated rendered width (px) of `text` at `fontSize`: an upper bound for Helvetica, Arial and DejaVu Sans. */
export function estimateTextWidth(text: string, fontSize = LEGEND_FONT_SIZE): number {
  let units = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    units += c >= 32 && c <= 126 ? SANS_WIDTHS[c - 32] : 1000;
  }
  return (units / 1000) * fontSize;
}

export interface LegendEntry {
  /** The label as drawn (shortened with … if it alone would not fit in a row). */
  label: string;
  /** The label as given (shown as a tooltip when shortened). */
  full: string;
  /** Left edge of the swatch; the label starts LEGEND_SWATCH_W to the right. */
  x: number;
  /** Baseline row centre. */
  y: number;
  /** Swatch + label width (px, estimated). */
  width: number;
}

/**
 * Lay out legend labels left to right from the plot's left edge, starting a new row whenever the next entry would
 * pass the plot's right edge (so every entry stays inside the canvas). A label too long for a row on its own is
 * shortened with an ellipsis.
 */
export function layoutLegend(labels: readonly string[]): { entries: LegendEntry[]; rows: number } {
  const left = BASE_M.left;
  const right = W - BASE_M.right;
  const maxLabelW = right - left - LEGEND_SWATCH_W;
  const entries: LegendEntry[] = [];
  let x = left;
  let row = 0;
  for (const full of labels) {
    let label = full;
    if (estimateTextWidth(label) > maxLabelW) {
      const chars = [...full];
      while (chars.length > 1 && estimateTextWidth(`${chars.join('')}…`) > maxLabelW) chars.pop();
      label = `${chars.join('')}…`;
    }
    const width = LEGEND_SWATCH_W + estimateTextWidth(label);
    if (x > left && x + width > right) {
      row += 1;
      x = left;
    }
    entries.push({ label, full, x, y: LEGEND_Y + row * LEGEND_ROW_H, width });
    x += width + LEGEND_GAP;
  }
  return { entries, rows: row + 1 };
}

/** Merge consecutive steps where `flag` holds into [start, end) spans (a step lasts until the next one). */
function spans(steps: readonly SimStep[], flag: (s: SimStep) => boolean, end: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start: number | undefined;
  for (const s of steps) {
    const on = flag(s);
    if (on && start === undefined) start = s.t;
    if (!on && start !== undefined) {
      out.push([start, s.t]);
      start = undefined;
    }
  }
  if (start !== undefined) out.push([start, end]);
  return out;
}

export function renderChart(result: SimulationResult, series: Series, title: string): string {
  const steps = result.steps;
  const duration = Math.max(1, result.summary.durationSeconds);

  // The legend is laid out first: each row beyond the first moves the plot down and makes the canvas taller.
  const legendLabels = [...series.columns, 'replicas', 'activation', 'deactivation', 'cooldown', 'HPA stabilization'];
  if (steps.some((s) => s.fallback)) legendLabels.push('fallback');
  const legend = layoutLegend(legendLabels);
  const extra = (legend.rows - 1) * LEGEND_ROW_H;
  const H = BASE_H + extra;
  const M = { ...BASE_M, top: BASE_M.top + extra };
  const x = (t: number): number => M.left + (Math.min(t, duration) / duration) * PLOT_W;

  // Left axis: metric values.
  let vmax = 0;
  for (const c of series.columns) for (const p of series.points.get(c) ?? []) if (typeof p.v === 'number' && p.t <= duration) vmax = Math.max(vmax, p.v);
  const vStep = niceStep(vmax > 0 ? vmax : 1, 5);
  const vTop = Math.max(vStep, Math.ceil((vmax > 0 ? vmax : 1) / vStep) * vStep);
  const yv = (v: number): number => M.top + PLOT_H - (Math.max(0, v) / vTop) * PLOT_H;

  // Right axis: replicas.
  const rmax = Math.max(1, ...steps.map((s) => s.replicas));
  const rStep = Math.max(1, Math.ceil(niceStep(rmax, 5)));
  const rTop = Math.max(rStep, Math.ceil((rmax + 0.5) / rStep) * rStep);
  const yr = (r: number): number => M.top + PLOT_H - (r / rTop) * PLOT_H;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  const shownTitle = title.length > 100 ? `${title.slice(0, 99)}…` : title;
  out.push(`<text x="${M.left}" y="24" font-size="16" font-weight="bold" fill="#24292f">${escapeXml(shownTitle)}</text>`);

  // Shaded spans.
  const shade = (list: Array<[number, number]>, fill: string, label: string): void => {
    for (const [a, b] of list) {
      out.push(
        `<rect x="${f1(x(a))}" y="${M.top}" width="${f1(Math.max(1, x(b) - x(a)))}" height="${PLOT_H}" fill="${fill}"><title>${escapeXml(`${label}: ${formatClock(a)}–${formatClock(b)}`)}</title></rect>`,
      );
    }
  };
  const cooldown = spans(
    steps.filter((s) => s.loop !== 'hpa'),
    (s) => s.cooldown,
    duration,
  );
  const stabilized = spans(
    steps.filter((s) => s.loop !== 'operator'),
    (s) => s.stabilized,
    duration,
  );
  const fallback = spans(steps, (s) => s.fallback, duration);
  shade(fallback, '#ffebe9', 'fallback');
  shade(stabilized, '#fff1cc', 'HPA scale-down stabilization');
  shade(cooldown, '#ddf4ff', 'KEDA cooldown');

  // Grid and axes.
  for (let v = 0; v <= vTop + 1e-9; v += vStep) {
    out.push(`<line x1="${M.left}" y1="${f1(yv(v))}" x2="${M.left + PLOT_W}" y2="${f1(yv(v))}" stroke="#d0d7de" stroke-width="0.6"/>`);
    out.push(`<text x="${M.left - 8}" y="${f1(yv(v) + 4)}" text-anchor="end" fill="#57606a">${formatNumber(v)}</text>`);
  }
  for (let r = 0; r <= rTop; r += rStep) {
    out.push(`<text x="${M.left + PLOT_W + 8}" y="${f1(yr(r) + 4)}" fill="${REPLICA_COLOR}">${r}</text>`);
  }
  const ts = timeStep(duration);
  for (let t = 0; t <= duration + 1e-9; t += ts) {
    out.push(`<line x1="${f1(x(t))}" y1="${M.top + PLOT_H}" x2="${f1(x(t))}" y2="${M.top + PLOT_H + 5}" stroke="#57606a"/>`);
    out.push(`<text x="${f1(x(t))}" y="${M.top + PLOT_H + 19}" text-anchor="middle" fill="#57606a">${formatClock(t)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${PLOT_W}" height="${PLOT_H}" fill="none" stroke="#57606a"/>`);
  out.push(`<text x="${M.left}" y="${H - 12}" fill="#24292f">time from start (m:ss)</text>`);
  out.push(`<text transform="translate(18 ${M.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle" fill="#24292f">metric value</text>`);
  out.push(`<text transform="translate(${W - 16} ${M.top + PLOT_H / 2}) rotate(90)" text-anchor="middle" fill="${REPLICA_COLOR}">replicas</text>`);

  // Metric series: step lines (a value holds until the next point); failed reads as red crosses on the axis.
  series.columns.forEach((c, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length];
    const pts = (series.points.get(c) ?? []).filter((p) => p.t <= duration);
    let d = '';
    let prevY: number | undefined;
    pts.forEach((p, j) => {
      const nextT = j + 1 < pts.length ? pts[j + 1].t : duration;
      if (p.v === 'error') {
        prevY = undefined;
        out.push(
          `<path d="M${f1(x(p.t) - 4)} ${f1(yv(0) - 4)}l8 8m0 -8l-8 8" stroke="#cf222e" stroke-width="2"><title>${escapeXml(`${c}: read failed at ${formatClock(p.t)}`)}</title></path>`,
        );
        return;
      }
      const y = yv(p.v);
      d += prevY === undefined ? `M${f1(x(p.t))} ${f1(y)}` : `V${f1(y)}`;
      d += `H${f1(x(nextT))}`;
      prevY = y;
    });
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
  });

  // Replicas: a thick step line.
  if (steps.length) {
    let d = `M${f1(x(0))} ${f1(yr(result.summary.startReplicas))}`;
    for (const s of steps) d += `H${f1(x(s.t))}V${f1(yr(s.replicas))}`;
    d += `H${f1(x(duration))}`;
    out.push(`<path d="${d}" fill="none" stroke="${REPLICA_COLOR}" stroke-width="3" stroke-linejoin="round"/>`);
  }

  // Markers.
  for (const s of steps) {
    if (s.event === 'KEDAScaleTargetActivated') {
      out.push(
        `<path d="M${f1(x(s.t))} ${f1(yr(s.replicas) - 14)}l-7 12h14z" fill="#1a7f37"><title>${escapeXml(`${formatClock(s.t)} activated: ${s.reason}`)}</title></path>`,
      );
    } else if (s.event === 'KEDAScaleTargetDeactivated') {
      out.push(
        `<path d="M${f1(x(s.t))} ${f1(yr(s.replicas) - 2)}l-7 -12h14z" fill="#8250df"><title>${escapeXml(`${formatClock(s.t)} deactivated: ${s.reason}`)}</title></path>`,
      );
    }
  }

  // Legend (above the plot, as many rows as layoutLegend needed). Swatches in the order of legendLabels.
  const swatches: Array<(lx: number, ly: number) => string> = [
    ...series.columns.map(
      (_, i) => (lx: number, ly: number) =>
        `<line x1="${f1(lx)}" y1="${ly}" x2="${f1(lx + 16)}" y2="${ly}" stroke="${SERIES_COLORS[i % SERIES_COLORS.length]}" stroke-width="2"/>`,
    ),
    (lx, ly) => `<line x1="${f1(lx)}" y1="${ly}" x2="${f1(lx + 16)}" y2="${ly}" stroke="${REPLICA_COLOR}" stroke-width="3"/>`,
    (lx, ly) => `<path d="M${f1(lx + 8)} ${ly - 6}l-6 11h12z" fill="#1a7f37"/>`,
    (lx, ly) => `<path d="M${f1(lx + 8)} ${ly + 5}l-6 -11h12z" fill="#8250df"/>`,
    (lx, ly) => `<rect x="${f1(lx)}" y="${ly - 6}" width="16" height="12" fill="#ddf4ff" stroke="#9ecbff"/>`,
    (lx, ly) => `<rect x="${f1(lx)}" y="${ly - 6}" width="16" height="12" fill="#fff1cc" stroke="#e3b341"/>`,
    (lx, ly) => `<rect x="${f1(lx)}" y="${ly - 6}" width="16" height="12" fill="#ffebe9" stroke="#ff8182"/>`,
  ];
  legend.entries.forEach((e, i) => {
    out.push(swatches[i](e.x, e.y));
    const text = `<text class="legend" x="${f1(e.x + LEGEND_SWATCH_W)}" y="${e.y + 4}" fill="#24292f">${escapeXml(e.label)}</text>`;
    // A shortened label keeps its full text as a tooltip.
    out.push(e.label === e.full ? text : `<g><title>${escapeXml(e.full)}</title>${text}</g>`);
  });
  out.push(
    `<text x="${W - M.right}" y="${H - 12}" text-anchor="end" fill="#57606a">${escapeXml(`mode ${result.summary.mode} · max ${result.summary.maxReplicas} · final ${result.summary.finalReplicas} replicas`)}</text>`,
  );
  out.push('</svg>');
  return out.join('\n') + '\n';
}
