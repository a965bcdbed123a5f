// Metric series for `updraft simulate`: CSV (`t,<trigger>...`) or JSON (`{ "series": { name: [[t, v], ...] } }` or an
// array of row objects). A value holds until the next point; an empty cell, `error` or null means the read fails.

/** A point's value: a number, or a failed read. */
export type SeriesValue = number | 'error';

export interface Series {
  /** Column names in input order (trigger names or `s<index>`). */
  columns: string[];
  /** Per column, points sorted by time (seconds). */
  points: Map<string, Array<{ t: number; v: SeriesValue }>>;
  /** Time of the last point (seconds). */
  end: number;
}

export class SeriesError extends Error {
  override name = 'SeriesError';
}

function cellValue(cell: string, where: string): SeriesValue {
  const c = cell.trim();
  if (c === '' || c.toLowerCase() === 'error') return 'error';
  const v = Number(c);
  if (!Number.isFinite(v)) throw new SeriesError(`${where}: '${cell}' is not a number (use a number, 'error' or an empty cell for a failed read)`);
  return v;
}

function finish(columns: string[], points: Map<string, Array<{ t: number; v: SeriesValue }>>, source: string): Series {
  if (columns.length === 0) throw new SeriesError(`${source}: no metric columns; expected a header like 't,queue'`);
  let end = 0;
  for (const list of points.values()) {
    list.sort((a, b) => a.t - b.t);
    if (list.length) end = Math.max(end, list[list.length - 1].t);
  }
  return { columns, points, end };
}

/** CSV: a header `t,<col>...`, then rows; `#` starts a comment line. */
export function parseCsvSeries(text: string, source = 'series.csv'): Series {
  const lines = text
    .split(/\r?\n/)
    .map((l, i) => ({ l: l.trim(), n: i + 1 }))
    .filter((x) => x.l !== '' && !x.l.startsWith('#'));
  if (lines.length === 0) throw new SeriesError(`${source}: empty`);
  const header = lines[0].l.split(',').map((h) => h.trim());
  if (header[0] !== 't') throw new SeriesError(`${source}:${lines[0].n}: the first column must be 't' (seconds from start), got '${header[0]}'`);
  const columns = header.slice(1);
  const points = new Map(columns.map((c) => [c, [] as Array<{ t: number; v: SeriesValue }>]));
  let last = -Infinity;
  for (const { l, n } of lines.slice(1)) {
    const cells = l.split(',');
    const t = Number(cells[0]);
    if (!Number.isFinite(t) || t < 0) throw new SeriesError(`${source}:${n}: t must be a non-negative number of seconds, got '${cells[0]}'`);
    if (t < last) throw new SeriesError(`${source}:${n}: rows must be in time order (t ${t} after ${last})`);
    last = t;
    columns.forEach((c, i) => points.get(c)!.push({ t, v: cellValue(cells[i + 1] ?? '', `${source}:${n} column ${c}`) }));
  }
  return finish(columns, points, source);
}

function jsonValue(v: unknown, where: string): SeriesValue {
  if (v === null || v === 'error' || v === '') return 'error';
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') return cellValue(v, where);
  throw new SeriesError(`${where}: expected a number, null or "error"`);
}

/** JSON: `{ "series": { "<trigger>": [[t, value], ...] } }` or `[{ "t": 0, "<trigger>": value }, ...]`. */
export function parseJsonSeries(text: string, source = 'series.json'): Series {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new SeriesError(`${source}: not valid JSON: ${(e as Error).message}`);
  }
  const points = new Map<string, Array<{ t: number; v: SeriesValue }>>();
  const columns: string[] = [];
  const add = (c: string, t: unknown, v: unknown, where: string): void => {
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) throw new SeriesError(`${where}: t must be a non-negative number of seconds`);
    if (!points.has(c)) {
      points.set(c, []);
      columns.push(c);
    }
    points.get(c)!.push({ t, v: jsonValue(v, where) });
  };
  if (Array.isArray(data)) {
    data.forEach((row, i) => {
      if (typeof row !== 'object' || row === null || Array.isArray(row))
        throw new SeriesError(`${source}: row ${i} must be an object like {"t": 0, "queue": 3}`);
      const r = row as Record<string, unknown>;
      for (const [k, v] of Object.entries(r)) if (k !== 't') add(k, r.t, v, `${source}: row ${i} ${k}`);
    });
  } else if (typeof data === 'object' && data !== null && typeof (data as { series?: unknown }).series === 'object') {
    const series = (data as { series: Record<string, unknown> }).series;
    for (const [k, list] of Object.entries(series)) {
      if (!Array.isArray(list)) throw new SeriesError(`${source}: series.${k} must be an array of [t, value] pairs`);
      list.forEach((p, i) => {
        if (!Array.isArray(p) || p.length !== 2) throw new SeriesError(`${source}: series.${k}[${i}] must be [t, value]`);
        add(k, p[0], p[1], `${source}: series.${k}[${i}]`);
      });
    }
  } else {
    throw new SeriesError(`${source}: expected {"series": {...}} or an array of rows`);
  }
  return finish(columns, points, source);
}

/** Pick the parser by file name (.json) or content (leading `{`/`[`). */
export function parseSeries(text: string, source: string): Series {
  const trimmed = text.trimStart();
  return source.endsWith('.json') || trimmed.startsWith('{') || trimmed.startsWith('[') ? parseJsonSeries(text, source) : parseCsvSeries(text, source);
}

/**
 * Reads a series column at increasing times in amortized O(1). Before the first point there is no value
 * (undefined: the source has nothing yet, treated as a failed read by the simulator).
 */
export class SeriesCursor {
  private i = -1;
  constructor(private readonly list: ReadonlyArray<{ t: number; v: SeriesValue }>) {}
  at(t: number): SeriesValue | undefined {
    if (this.i >= 0 && this.list[this.i].t > t) this.i = -1; // time went backwards: restart
    while (this.i + 1 < this.list.length && this.list[this.i + 1].t <= t) this.i++;
    return this.i >= 0 ? this.list[this.i].v : undefined;
  }
}
