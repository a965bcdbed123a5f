// SVG chart of a simulation, drawn by hand (no dependency): metric series on the left axis, replicas on the right,
// shaded spans while KEDA waits for cooldown, while the HPA's stabilization window holds replicas up, and while a
// trigger is in fallback; markers for activations (0→N) and deactivations (N→0); a legend. Deterministic output.
import { formatNumber } from '../engine/metric-value.ts';
import type { Series } from './series.ts';
import type { SimStep, SimulationResult } from './simulator.ts';
import { formatClock } from './timeline.ts';

const W = 960;
const H = 500;
const M = { left: 70, right: 70, top: 78, bottom: 56 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
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
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  const shownTitle = title.length > 100 ? `${title.slice(0, 99)}…` : title;
  out.push(`<text x="${M.left}" y="24" font-size="16" font-weight="bold" fill="#24292f">${escapeXml(shownTitle)}</text>`);

  // Shaded spans.
  const shade = (list: Array<[number, number]>, fill: string, label: string): void => {
    for (const [a, b] of list) {
      out.push(`<rect x="${f1(x(a))}" y="${M.top}" width="${f1(Math.max(1, x(b) - x(a)))}" height="${PLOT_H}" fill="${fill}"><title>${escapeXml(`${label}: ${formatClock(a)}–${formatClock(b)}`)}</title></rect>`);
    }
  };
  const cooldown = spans(steps.filter((s) => s.loop !== 'hpa'), (s) => s.cooldown, duration);
  const stabilized = spans(steps.filter((s) => s.loop !== 'operator'), (s) => s.stabilized, duration);
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
        out.push(`<path d="M${f1(x(p.t) - 4)} ${f1(yv(0) - 4)}l8 8m0 -8l-8 8" stroke="#cf222e" stroke-width="2"><title>${escapeXml(`${c}: read failed at ${formatClock(p.t)}`)}</title></path>`);
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
      out.push(`<path d="M${f1(x(s.t))} ${f1(yr(s.replicas) - 14)}l-7 12h14z" fill="#1a7f37"><title>${escapeXml(`${formatClock(s.t)} activated: ${s.reason}`)}</title></path>`);
    } else if (s.event === 'KEDAScaleTargetDeactivated') {
      out.push(`<path d="M${f1(x(s.t))} ${f1(yr(s.replicas) - 2)}l-7 -12h14z" fill="#8250df"><title>${escapeXml(`${formatClock(s.t)} deactivated: ${s.reason}`)}</title></path>`);
    }
  }

  // Legend (two rows above the plot).
  let lx = M.left;
  const ly = 46;
  const legendItem = (draw: string, label: string): void => {
    out.push(draw.replace(/\{x\}/g, f1(lx)).replace(/\{y\}/g, String(ly)));
    out.push(`<text x="${f1(lx + 22)}" y="${ly + 4}" fill="#24292f">${escapeXml(label)}</text>`);
    lx += 40 + label.length * 6.6;
  };
  series.columns.forEach((c, i) => legendItem(`<line x1="{x}" y1="{y}" x2="${f1(lx + 16)}" y2="{y}" stroke="${SERIES_COLORS[i % SERIES_COLORS.length]}" stroke-width="2"/>`, c));
  legendItem(`<line x1="{x}" y1="{y}" x2="${f1(lx + 16)}" y2="{y}" stroke="${REPLICA_COLOR}" stroke-width="3"/>`, 'replicas');
  legendItem(`<path d="M${f1(lx + 8)} ${ly - 6}l-6 11h12z" fill="#1a7f37"/>`, 'activation');
  legendItem(`<path d="M${f1(lx + 8)} ${ly + 5}l-6 -11h12z" fill="#8250df"/>`, 'deactivation');
  legendItem(`<rect x="{x}" y="${ly - 6}" width="16" height="12" fill="#ddf4ff" stroke="#9ecbff"/>`, 'cooldown');
  legendItem(`<rect x="{x}" y="${ly - 6}" width="16" height="12" fill="#fff1cc" stroke="#e3b341"/>`, 'HPA stabilization');
  if (fallback.length) legendItem(`<rect x="{x}" y="${ly - 6}" width="16" height="12" fill="#ffebe9" stroke="#ff8182"/>`, 'fallback');
  out.push(`<text x="${W - M.right}" y="${H - 12}" text-anchor="end" fill="#57606a">${escapeXml(`mode ${result.summary.mode} · max ${result.summary.maxReplicas} · final ${result.summary.finalReplicas} replicas`)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
