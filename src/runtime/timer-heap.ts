// A binary min-heap of (due time, key) entries: the one schedule behind every trigger poll (DESIGN.md:
// "a timer heap, not a timer or loop per object"). Re-scheduling a key replaces its entry (lazy deletion via
// a per-key sequence number), so there is at most one live entry per key.

interface Entry {
  due: number;
  seq: number;
  key: string;
}

export class TimerHeap {
  private heap: Entry[] = [];
  private live = new Map<string, number>();
  private nextSeq = 0;

  get size(): number {
    return this.live.size;
  }

  /** Schedule (or reschedule) `key` at time `due` (ms). */
  set(key: string, due: number): void {
    const seq = this.nextSeq++;
    this.live.set(key, seq);
    this.push({ due, seq, key });
  }

  delete(key: string): void {
    this.live.delete(key);
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  dueOf(key: string): number | undefined {
    const seq = this.live.get(key);
    if (seq === undefined) return undefined;
    return this.heap.find((e) => e.seq === seq)?.due;
  }

  /** The earliest live due time, or undefined when empty. */
  peek(): number | undefined {
    this.dropDead();
    return this.heap[0]?.due;
  }

  /** Remove and return every key due at or before `now`, earliest first. */
  popDue(now: number): string[] {
    const out: string[] = [];
    for (;;) {
      this.dropDead();
      const top = this.heap[0];
      if (!top || top.due > now) return out;
      this.pop();
      this.live.delete(top.key);
      out.push(top.key);
    }
  }

  private dropDead(): void {
    while (this.heap.length > 0) {
      const top = this.heap[0];
      if (this.live.get(top.key) === top.seq) return;
      this.pop();
    }
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (h.length === 0 || !last) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l], h[m])) m = l;
      if (r < h.length && less(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}

// Ties broken by insertion order, so equal due times run first-scheduled first (deterministic).
function less(a: Entry, b: Entry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
