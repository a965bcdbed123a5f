// The text timeline `updraft simulate` prints: only the steps where something changes, then a summary.
import { formatNumber } from '../engine/metric-value.ts';
import type { SimStep, SimulationResult } from './simulator.ts';

export function formatClock(seconds: number): string {
  const s = Math.round(seconds * 1000) / 1000;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const ss = Number.isInteger(sec) ? String(sec).padStart(2, '0') : sec.toFixed(1).padStart(4, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Steps worth a line: the first, and any change of replicas, activity, desired count, fallback, or an Event. */
export function changedSteps(steps: readonly SimStep[]): SimStep[] {
  const out: SimStep[] = [];
  let prev: SimStep | undefined;
  // Compare per loop for `desired`: the operator and the HPA want different things at the same time.
  const lastDesired = new Map<string, number>();
  for (const s of steps) {
    const changed =
      !prev ||
      s.replicas !== prev.replicas ||
      s.active !== prev.active ||
      s.fallback !== prev.fallback ||
      s.event !== undefined ||
      (s.cooldown && !prev.cooldown) ||
      (lastDesired.has(s.loop) && lastDesired.get(s.loop) !== s.desired);
    if (changed) out.push(s);
    lastDesired.set(s.loop, s.desired);
    prev = s;
  }
  return out;
}

function cell(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '-';
  return typeof v === 'number' ? formatNumber(v) : v;
}

export function formatTimeline(result: SimulationResult, header: string): string {
  const rows = changedSteps(result.steps);
  const columns = result.steps[0] ? Object.keys(result.steps[0].values) : [];
  const head = ['time', 'loop', ...columns, 'active', 'desired', 'replicas', 'reason'];
  const table = rows.map((s) => [
    formatClock(s.t),
    s.loop,
    ...columns.map((c) => cell(s.values[c])),
    s.active ? 'yes' : 'no',
    String(s.desired),
    String(s.replicas),
    s.reason,
  ]);
  const widths = head.slice(0, -1).map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r
      .slice(0, -1)
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ') +
    '  ' +
    r[r.length - 1];
  const sm = result.summary;
  const out = [header, '', line(head), ...table.map(line), ''];
  out.push(
    `summary: ${sm.startReplicas} → ${sm.finalReplicas} replicas (max ${sm.maxReplicas}) over ${formatClock(sm.durationSeconds)}; ` +
      `${sm.activations} activation(s), ${sm.deactivations} deactivation(s), ${sm.scaleChanges} replica change(s)` +
      (sm.firstScaleUpAt !== undefined ? `; first scale-up at ${formatClock(sm.firstScaleUpAt)}` : '') +
      (sm.lastChangeAt !== undefined ? `; last change at ${formatClock(sm.lastChangeAt)}` : '') +
      `; ${sm.replicaHours} replica-hours`,
  );
  return out.join('\n') + '\n';
}
