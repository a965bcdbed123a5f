// The dashboard page: Preact components written with htm (no JSX build step), charts with uPlot, live updates from
// the server's Server-Sent Events stream read through fetch (so a bearer token travels in a header, never in a URL).
// Bundled for the browser by scripts/build-dashboard.mjs; imports nothing of the server's code: the API's shapes are
// restated below as the page uses them.
import { html, render } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';

interface Trigger {
  index: number;
  type: string;
  name?: string;
  metricName?: string;
  value?: number;
  target?: number;
  targetType?: string;
  activationThreshold?: number;
  active?: boolean;
  error?: string;
}
interface Row {
  kind: 'ScaledObject' | 'ScaledJob';
  namespace: string;
  name: string;
  mode?: string;
  ready?: boolean;
  active?: boolean;
  paused?: boolean;
  fallback?: boolean;
  replicas: { current?: number; desired?: number; ready?: number; min: number; max: number };
  triggers: Trigger[];
  lastDecision?: { at: number; reason: string };
  errors: string[];
  points: number;
}
interface Overview {
  now: number;
  title: string;
  auth?: { user?: string };
  objects: Row[];
}
interface HTrigger {
  index: number;
  type: string;
  metricName: string;
  target: number;
  targetType: string;
  activationThreshold?: number;
  kind: string;
}
interface Timeline {
  triggers: HTrigger[];
  t: number[];
  replicas: number[];
  desired: number[];
  ready: number[];
  flags: number[];
  values: Array<Array<number | null>>;
  notes: Array<{ at: number; kind: string; message: string }>;
  flagBits?: Record<string, number>;
}
interface Tunable {
  index: number;
  type: string;
  targetKey?: string;
  activationKey?: string;
  target?: number;
  activationThreshold?: number;
}
interface Cost {
  hours: number;
  replicaHours: number;
  atMax: number;
  atMin: number;
  maxReplicaCount: number;
  minOrOne: number;
  fractionOfMax: number;
}
interface Detail {
  now: number;
  row: Row;
  metadata: Array<{ type: string; name?: string; metadata: Record<string, string> }>;
  bounds?: { minReplicaCount: number; maxReplicaCount: number; cooldownPeriod: number; pollingInterval: number; behavior: unknown };
  tunables: Tunable[];
  timeline: Timeline;
  cost?: Cost;
  explain?: unknown;
  events: Array<{ at?: string; type?: string; reason?: string; message?: string; count?: number; involvedKind?: string }>;
}
interface WhatIf {
  since: number;
  until: number;
  mode: string;
  actual: { t: number[]; replicas: number[]; replicaHours: number };
  replay: { t: number[]; replicas: number[]; replicaHours: number; activations: number; deactivations: number; scaleChanges: number; maxReplicas: number };
  baseline: { replicaHours: number };
  cost: { atMax: number; atMin: number; maxReplicaCount: number; minOrOne: number };
  yaml: string;
  notes: string[];
}

const FLAG = { active: 1, cooldown: 2, stabilized: 4, fallback: 8, error: 16, activated: 32, deactivated: 64, scaled: 128 };
const TOKEN_KEY = 'updraft-dashboard-token';

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function headers(): Record<string, string> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, { ...init, headers: { ...headers(), ...(init.body ? { 'Content-Type': 'application/json' } : {}) } });
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? `${res.status} ${res.statusText}`);
  return body as T;
}

/** Server-Sent Events over fetch: calls onEvent per `event:`/`data:` block; reconnects after errors. */
function subscribe(onEvent: (type: string, data: string) => void, onState: (live: boolean) => void): () => void {
  let stopped = false;
  let ctrl = new AbortController();
  const run = async () => {
    while (!stopped) {
      try {
        const res = await fetch('/api/stream', { headers: headers(), signal: ctrl.signal });
        if (!res.ok || !res.body) throw new Error(`stream: ${res.status}`);
        onState(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let type = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) type = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (data.length) onEvent(type, data.join('\n'));
          }
        }
      } catch {
        /* reconnect below */
      }
      onState(false);
      if (stopped) return;
      await new Promise((r) => setTimeout(r, 3000));
      ctrl = new AbortController();
    }
  };
  void run();
  return () => {
    stopped = true;
    ctrl.abort();
  };
}

const fmt = (v: number | undefined | null, digits = 2): string =>
  v === undefined || v === null || !Number.isFinite(v) ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(digits);
const ago = (at: number | undefined, now: number): string => {
  if (at === undefined) return '';
  const s = Math.max(0, Math.round((now - at) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};

function Badge({ on, label, tone }: { on?: boolean; label: string; tone: string }) {
  if (on === undefined) return html`<span class="badge unknown" title="${label}: unknown">${label}?</span>`;
  return html`<span class=${`badge ${on ? tone : 'off'}`} title=${`${label}: ${on ? 'yes' : 'no'}`}>${on ? label : `not ${label.toLowerCase()}`}</span>`;
}

function TriggerCell({ t }: { t: Trigger }) {
  const label = t.name ?? t.metricName ?? `${t.type}#${t.index}`;
  return html`<div class="trigger" title=${t.error ?? `${t.type}: value ${fmt(t.value)} / target ${fmt(t.target)} (${t.targetType ?? ''}), activation > ${fmt(t.activationThreshold)}`}>
    <span class="tname">${label}</span>
    ${t.error ? html`<span class="err">error</span>` : html`<span class=${t.active ? 'val active' : 'val'}>${fmt(t.value)}</span>`}
    <span class="muted"> / ${fmt(t.target)} · act ${fmt(t.activationThreshold)}</span>
  </div>`;
}

function OverviewTable({ rows, now, open }: { rows: Row[]; now: number; open: (r: Row) => void }) {
  if (rows.length === 0) return html`<p class="empty" data-testid="empty">No ScaledObjects or ScaledJobs you may see.</p>`;
  return html`<table class="overview" data-testid="overview">
    <thead><tr><th>Object</th><th>Status</th><th>Mode</th><th>Replicas</th><th>Triggers (value / target · activation)</th><th>Last decision</th></tr></thead>
    <tbody>${rows.map(
      (r) => html`<tr key=${`${r.kind}/${r.namespace}/${r.name}`} class="row" data-object=${`${r.namespace}/${r.name}`} onClick=${() => open(r)}>
      <td><div class="kind">${r.kind}</div><a href=${`#/${r.kind}/${r.namespace}/${r.name}`} onClick=${(e: Event) => {
        e.preventDefault();
        open(r);
      }}>${r.namespace}/${r.name}</a></td>
      <td class="badges"><${Badge} on=${r.ready} label="Ready" tone="ok" /><${Badge} on=${r.active} label="Active" tone="act" />${r.paused ? html`<span class="badge warn">Paused</span>` : ''}${r.fallback ? html`<span class="badge bad">Fallback</span>` : ''}</td>
      <td>${r.mode ?? '–'}</td>
      <td class="num"><b>${fmt(r.replicas.current)}</b> → ${fmt(r.replicas.desired)}<div class="muted">${r.replicas.min}..${r.replicas.max}</div></td>
      <td>${r.triggers.map((t) => html`<${TriggerCell} t=${t} />`)}</td>
      <td class="reason"><div>${r.lastDecision?.reason ?? '–'}</div><div class="muted">${ago(r.lastDecision?.at, now)}</div>
        ${r.errors.map((e) => html`<div class="err">${e}</div>`)}</td>
    </tr>`,
    )}</tbody></table>`;
}

/** uPlot in a Preact component: (re)created when the data or options change, resized with its box. */
function Chart({ opts, data, testid }: { opts: Omit<uPlot.Options, 'width' | 'height'>; data: uPlot.AlignedData; testid: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!box.current) return;
    const width = Math.max(320, box.current.clientWidth);
    plot.current?.destroy();
    plot.current = new uPlot({ ...opts, width, height: 300 } as uPlot.Options, data, box.current);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(320, box.current?.clientWidth ?? width), height: 300 }));
    ro.observe(box.current);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [opts, data]);
  return html`<div class="chart" data-testid=${testid} ref=${box}></div>`;
}

const COLORS = ['#e8590c', '#1971c2', '#2f9e44', '#9c36b5', '#c2255c', '#0c8599'];

/** Shaded spans (cooldown, stabilization) and activation/deactivation markers, drawn on uPlot's canvas. */
function spansPlugin(t: number[], flags: number[]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: [
        (u: uPlot) => {
          const ctx = u.ctx;
          const { top, height } = u.bbox;
          const shade = (bit: number, color: string) => {
            ctx.fillStyle = color;
            for (let i = 0; i < t.length; i++) {
              if (!(flags[i] & bit)) continue;
              const x0 = u.valToPos(t[i] / 1000, 'x', true);
              const x1 = u.valToPos((t[i + 1] ?? t[i]) / 1000, 'x', true);
              ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
            }
          };
          shade(FLAG.cooldown, 'rgba(250, 176, 5, 0.16)');
          shade(FLAG.stabilized, 'rgba(112, 72, 232, 0.12)');
        },
      ],
      draw: [
        (u: uPlot) => {
          const ctx = u.ctx;
          const { top, height } = u.bbox;
          for (let i = 0; i < t.length; i++) {
            const f = flags[i];
            if (!(f & (FLAG.activated | FLAG.deactivated))) continue;
            const x = u.valToPos(t[i] / 1000, 'x', true);
            ctx.strokeStyle = f & FLAG.activated ? '#2f9e44' : '#e03131';
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.setLineDash([6, 4]);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            ctx.setLineDash([]);
          }
        },
      ],
    },
  };
}

function TimelineChart({ tl }: { tl: Timeline }) {
  const { opts, data } = useMemo(() => {
    const xs = tl.t.map((v) => v / 1000);
    const series: uPlot.Series[] = [
      {},
      { label: 'replicas', stroke: '#212529', width: 2, scale: 'replicas', paths: uPlot.paths.stepped!({ align: 1 }) },
      { label: 'desired', stroke: '#868e96', dash: [5, 5], scale: 'replicas', paths: uPlot.paths.stepped!({ align: 1 }) },
      ...tl.triggers.map((t, k) => ({
        label: `${t.metricName} (target ${fmt(t.target)})`,
        stroke: COLORS[k % COLORS.length],
        width: 1.5,
        scale: 'value',
        spanGaps: false,
      })),
    ];
    const opts: Omit<uPlot.Options, 'width' | 'height'> = {
      series,
      scales: { x: { time: true }, replicas: { range: (_u, _min, max) => [0, Math.max(1, max + 1)] } },
      axes: [{}, { scale: 'replicas', label: 'replicas' }, { scale: 'value', side: 1, label: 'trigger value', grid: { show: false } }],
      plugins: [spansPlugin(tl.t, tl.flags)],
      legend: { live: true },
    };
    const data = [xs, tl.replicas, tl.desired, ...tl.values] as unknown as uPlot.AlignedData;
    return { opts, data };
  }, [tl]);
  if (tl.t.length === 0) return html`<p class="empty">No polls recorded yet.</p>`;
  return html`<${Chart} opts=${opts} data=${data} testid="timeline" />
    <div class="legend-extra"><span class="sw cooldown"></span> cooldown <span class="sw stabilized"></span> HPA scale-down stabilization <span class="sw activated"></span> activated <span class="sw deactivated"></span> deactivated</div>`;
}

function CostPanel({ cost }: { cost?: Cost }) {
  if (!cost) return html`<p class="empty">No cost data yet.</p>`;
  const bar = (label: string, v: number, cls: string) => html`<div class="costrow"><span class="clabel">${label}</span>
    <span class="cbar"><span class=${`cfill ${cls}`} style=${`width:${cost.atMax > 0 ? Math.min(100, (v / cost.atMax) * 100) : 0}%`}></span></span><span class="cval">${v.toFixed(3)} replica-h</span></div>`;
  return html`<div class="cost" data-testid="cost">
    <p class="muted">Over the last ${(cost.hours * 60).toFixed(1)} min recorded:</p>
    ${bar('actual', cost.replicaHours, 'actual')}
    ${bar(`at max (${cost.maxReplicaCount})`, cost.atMax, 'max')}
    ${bar(`at min-or-1 (${cost.minOrOne})`, cost.atMin, 'min')}
    <p>${(cost.fractionOfMax * 100).toFixed(1)} % of always running at maxReplicaCount.</p></div>`;
}

function WhatIfPanel({ d, path }: { d: Detail; path: string }) {
  const b = d.bounds;
  const [form, setForm] = useState(() => ({
    min: String(b?.minReplicaCount ?? ''),
    max: String(b?.maxReplicaCount ?? ''),
    cooldown: String(b?.cooldownPeriod ?? ''),
    polling: String(b?.pollingInterval ?? ''),
    behavior: b?.behavior ? JSON.stringify(b.behavior, null, 2) : '',
    triggers: d.tunables.map((t) => ({
      target: t.target !== undefined ? String(t.target) : '',
      activation: t.activationThreshold !== undefined ? String(t.activationThreshold) : '',
    })),
  }));
  const [result, setResult] = useState<WhatIf | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  if (!b) return html`<p class="empty">What-if replays ScaledObjects only.</p>`;
  const num = (s: string) => (s.trim() === '' ? undefined : Number(s));
  const run = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      let behavior: unknown;
      if (form.behavior.trim() !== '') behavior = JSON.parse(form.behavior);
      else if (b.behavior) behavior = null;
      const edits = {
        minReplicaCount: num(form.min),
        maxReplicaCount: num(form.max),
        cooldownPeriod: num(form.cooldown),
        pollingInterval: num(form.polling),
        ...(behavior !== undefined ? { behavior } : {}),
        triggers: d.tunables.map((t, i) => ({
          index: t.index,
          ...(t.targetKey && num(form.triggers[i].target) !== t.target ? { target: num(form.triggers[i].target) } : {}),
          ...(t.activationKey && num(form.triggers[i].activation) !== t.activationThreshold ? { activationThreshold: num(form.triggers[i].activation) } : {}),
        })),
      };
      setResult(await api<WhatIf>(`${path}/whatif`, { method: 'POST', body: JSON.stringify(edits) }));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const set = (k: 'min' | 'max' | 'cooldown' | 'polling' | 'behavior') => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  const setT = (i: number, k: 'target' | 'activation') => (e: Event) => {
    const triggers = form.triggers.map((t, j) => (j === i ? { ...t, [k]: (e.target as HTMLInputElement).value } : t));
    setForm({ ...form, triggers });
  };
  const overlay = useMemo(() => {
    if (!result) return undefined;
    // One x axis for both curves: the union of their times, each curve holding its value until its next change.
    const xs = [...new Set([...result.actual.t, ...result.replay.t])].sort((a, c) => a - c);
    const hold = (ts: number[], vs: number[]) => {
      let j = 0;
      return xs.map((x) => {
        while (j + 1 < ts.length && ts[j + 1] <= x) j++;
        return ts[0] <= x ? vs[j] : null;
      });
    };
    const data = [
      xs.map((x) => x / 1000),
      hold(result.actual.t, result.actual.replicas),
      hold(result.replay.t, result.replay.replicas),
    ] as unknown as uPlot.AlignedData;
    const opts: Omit<uPlot.Options, 'width' | 'height'> = {
      series: [
        {},
        { label: `recorded (${result.actual.replicaHours.toFixed(3)} replica-h)`, stroke: '#212529', width: 2, paths: uPlot.paths.stepped!({ align: 1 }) },
        {
          label: `what-if (${result.replay.replicaHours.toFixed(3)} replica-h)`,
          stroke: '#e8590c',
          width: 2,
          dash: [6, 3],
          paths: uPlot.paths.stepped!({ align: 1 }),
        },
      ],
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max + 1)] } },
      axes: [{}, { label: 'replicas' }],
    };
    return { data, opts };
  }, [result]);
  return html`<form class="whatif" onSubmit=${run} data-testid="whatif-form">
      <div class="grid">
        <label>minReplicaCount <input name="min" value=${form.min} onInput=${set('min')} inputmode="numeric" /></label>
        <label>maxReplicaCount <input name="max" value=${form.max} onInput=${set('max')} inputmode="numeric" /></label>
        <label>cooldownPeriod (s) <input name="cooldown" value=${form.cooldown} onInput=${set('cooldown')} inputmode="numeric" /></label>
        <label>pollingInterval (s) <input name="polling" value=${form.polling} onInput=${set('polling')} inputmode="numeric" /></label>
        ${d.tunables.map(
          (t, i) => html`
          <label>trigger ${t.index} (${t.type}) target${t.targetKey ? html` <code>${t.targetKey}</code>` : ''}
            <input name=${`target-${t.index}`} value=${form.triggers[i].target} onInput=${setT(i, 'target')} disabled=${!t.targetKey} /></label>
          <label>trigger ${t.index} activation${t.activationKey ? html` <code>${t.activationKey}</code>` : ''}
            <input name=${`activation-${t.index}`} value=${form.triggers[i].activation} onInput=${setT(i, 'activation')} disabled=${!t.activationKey} /></label>`,
        )}
      </div>
      <label class="wide">HPA behavior (JSON: spec.advanced.horizontalPodAutoscalerConfig.behavior; empty = default)
        <textarea name="behavior" rows="4" value=${form.behavior} onInput=${set('behavior')} placeholder='{"scaleDown": {"stabilizationWindowSeconds": 60}}'></textarea></label>
      <button type="submit" disabled=${busy} data-testid="whatif-run">${busy ? 'Replaying…' : 'Replay the last hour'}</button>
      ${error ? html`<p class="err" data-testid="whatif-error">${error}</p>` : ''}
    </form>
    ${
      result && overlay
        ? html`<div data-testid="whatif-result">
      <p class="summary">Recorded <b>${result.actual.replicaHours.toFixed(3)}</b> replica-h · what-if <b data-testid="whatif-hours">${result.replay.replicaHours.toFixed(3)}</b> replica-h
        (same parameters replayed: ${result.baseline.replicaHours.toFixed(3)}) · at max ${result.cost.atMax.toFixed(3)} · at min-or-1 ${result.cost.atMin.toFixed(3)} ·
        ${result.replay.activations} activation(s), ${result.replay.scaleChanges} change(s), peak ${result.replay.maxReplicas}</p>
      ${result.notes.map((n) => html`<p class="muted">${n}</p>`)}
      <${Chart} opts=${overlay.opts} data=${overlay.data} testid="whatif-chart" />
      <details open><summary>Edited ScaledObject (YAML) <button type="button" onClick=${() => void navigator.clipboard?.writeText(result.yaml)}>Copy</button></summary>
        <pre class="yaml" data-testid="whatif-yaml">${result.yaml}</pre></details></div>`
        : ''
    }`;
}

function ExplainPanel({ report }: { report: unknown }) {
  if (!report) return html`<p class="empty">No explain report.</p>`;
  const r = report as Record<string, unknown> & {
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    triggers?: Array<Record<string, unknown>>;
    bounds?: Record<string, unknown>;
    lastScale?: { from: number; to: number; reason: string; at?: string };
  };
  return html`<div class="explain" data-testid="explain">
    <dl>
      <dt>mode</dt><dd>${String(r.mode ?? '–')}${r.hpaName ? ` (HPA ${String(r.hpaName)})` : ''}</dd>
      <dt>bounds</dt><dd>${
        r.bounds
          ? Object.entries(r.bounds)
              .map(([k, v]) => `${k} ${String(v)}`)
              .join(' · ')
          : '–'
      }</dd>
      ${r.lastActiveTime ? html`<dt>last active</dt><dd>${String(r.lastActiveTime)}</dd>` : ''}
      ${r.lastScale ? html`<dt>last scale</dt><dd>${r.lastScale.from} → ${r.lastScale.to}: ${r.lastScale.reason}</dd>` : ''}
    </dl>
    ${
      r.conditions?.length
        ? html`<table class="small"><thead><tr><th>condition</th><th>status</th><th>reason</th><th>message</th></tr></thead>
      <tbody>${r.conditions.map((c) => html`<tr><td>${c.type}</td><td>${c.status}</td><td>${c.reason ?? ''}</td><td>${c.message ?? ''}</td></tr>`)}</tbody></table>`
        : ''
    }
    <details><summary>Full report (JSON)</summary><pre>${JSON.stringify(report, null, 2)}</pre></details></div>`;
}

function DetailView({ route, refreshKey, onAuth }: { route: { kind: string; ns: string; name: string }; refreshKey: number; onAuth: () => void }) {
  const path = `/api/objects/${route.kind}/${encodeURIComponent(route.ns)}/${encodeURIComponent(route.name)}`;
  const [d, setD] = useState<Detail | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    // explain and Events (API reads in the operator) on the first load and every 10th refresh; the rest is in memory.
    const full = d === undefined || refreshKey % 10 === 0;
    api<Detail>(`${path}${full ? '' : '?light=1'}`).then(
      (next) => setD((prev) => (full || !prev ? next : { ...next, explain: prev.explain, events: prev.events })),
      (err: ApiError) => (err.status === 401 ? onAuth() : setError(err.message)),
    );
  }, [path, refreshKey]);
  if (error) return html`<p class="err">${error}</p>`;
  if (!d) return html`<p>Loading…</p>`;
  return html`<section class="detail" data-testid="detail">
    <p><a href="#/">← all objects</a></p>
    <h2>${d.row.kind} ${d.row.namespace}/${d.row.name}</h2>
    <${OverviewTable} rows=${[d.row]} now=${d.now} open=${() => undefined} />
    <h3>Last hour</h3>
    <${TimelineChart} tl=${d.timeline} />
    <div class="cols">
      <div><h3>Cost</h3><${CostPanel} cost=${d.cost} /></div>
      <div><h3>Decisions</h3><ul class="notes">${d.timeline.notes
        .slice(-12)
        .reverse()
        .map((n) => html`<li class=${n.kind}><span class="muted">${new Date(n.at).toLocaleTimeString()}</span> <b>${n.kind}</b> ${n.message}</li>`)}</ul></div>
    </div>
    ${d.row.kind === 'ScaledObject' ? html`<h3>What if…</h3><${WhatIfPanel} d=${d} path=${path} />` : ''}
    <h3>Explain</h3><${ExplainPanel} report=${d.explain} />
    <h3>Recent Events</h3>
    ${
      d.events.length
        ? html`<table class="small" data-testid="events"><thead><tr><th>when</th><th>type</th><th>reason</th><th>message</th></tr></thead>
      <tbody>${d.events
        .slice(-15)
        .reverse()
        .map(
          (e) =>
            html`<tr><td>${e.at ?? ''}</td><td>${e.type ?? ''}</td><td>${e.reason ?? ''}</td><td>${e.message ?? ''}${e.count && e.count > 1 ? ` (×${e.count})` : ''}</td></tr>`,
        )}</tbody></table>`
        : html`<p class="empty">No Events.</p>`
    }
    <h3>Triggers</h3>
    ${d.metadata.map((m, i) => html`<div class="meta"><b>${i}: ${m.type}${m.name ? ` (${m.name})` : ''}</b> ${Object.entries(m.metadata).map(([k, v]) => html`<code>${k}: ${v}</code> `)}</div>`)}
  </section>`;
}

function TokenForm({ onDone }: { onDone: () => void }) {
  const [v, setV] = useState('');
  return html`<form class="token" onSubmit=${(e: Event) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, v.trim());
    onDone();
  }}>
    <p>This dashboard needs a Kubernetes bearer token; you see the ScaledObjects and ScaledJobs you may <code>get</code>.
    Create one with <code>kubectl create token &lt;serviceaccount&gt;</code>. It stays in this tab (sessionStorage).</p>
    <input type="password" name="token" value=${v} onInput=${(e: Event) => setV((e.target as HTMLInputElement).value)} placeholder="token" autocomplete="off" />
    <button type="submit">Sign in</button></form>`;
}

function parseRoute(): { kind: string; ns: string; name: string } | undefined {
  const m = /^#\/(ScaledObject|ScaledJob)\/([^/]+)\/([^/]+)$/.exec(location.hash);
  return m ? { kind: m[1], ns: decodeURIComponent(m[2]), name: decodeURIComponent(m[3]) } : undefined;
}

function App() {
  const [overview, setOverview] = useState<Overview | undefined>();
  const [needToken, setNeedToken] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [live, setLive] = useState(false);
  const [route, setRoute] = useState(parseRoute());
  const [tick, setTick] = useState(0);
  const [session, setSession] = useState(0);
  useEffect(() => {
    const onHash = () => setRoute(parseRoute());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    api<Overview>('/api/overview').then(
      (o) => {
        setOverview(o);
        setNeedToken(false);
      },
      (err: ApiError) => (err.status === 401 ? setNeedToken(true) : setError(err.message)),
    );
  }, [session]);
  useEffect(() => {
    if (needToken) return undefined;
    let pending = false;
    return subscribe((type, data) => {
      if (type !== 'poll') return;
      const { row } = JSON.parse(data) as { row: Row };
      setOverview((o) => {
        if (!o) return o;
        const i = o.objects.findIndex((x) => x.kind === row.kind && x.namespace === row.namespace && x.name === row.name);
        const objects = i >= 0 ? o.objects.map((x, j) => (j === i ? row : x)) : [...o.objects, row];
        return { ...o, now: Date.now(), objects };
      });
      // The open object's chart refreshes at most once a second.
      if (!pending) {
        pending = true;
        setTimeout(() => {
          pending = false;
          setTick((t) => t + 1);
        }, 1000);
      }
    }, setLive);
  }, [needToken, session]);
  const open = (r: Row) => (location.hash = `#/${r.kind}/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}`);
  return html`<header><h1>${overview?.title ?? 'Updraft'} <span class="muted">dashboard</span></h1>
      <span class=${live ? 'live on' : 'live'} data-testid="live">${live ? '● live' : '○ connecting'}</span>
      ${overview?.auth?.user ? html`<span class="muted">signed in as ${overview.auth.user}</span>` : ''}</header>
    <main>
      ${
        needToken
          ? html`<${TokenForm} onDone=${() => setSession((s) => s + 1)} />`
          : error
            ? html`<p class="err">${error}</p>`
            : route
              ? html`<${DetailView} route=${route} refreshKey=${tick} onAuth=${() => setNeedToken(true)} />`
              : overview
                ? html`<${OverviewTable} rows=${overview.objects} now=${overview.now} open=${open} />`
                : html`<p>Loading…</p>`
      }
    </main>`;
}

render(html`<${App} />`, document.getElementById('app')!);
