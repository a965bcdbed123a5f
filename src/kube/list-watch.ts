// Our own informer: client-node's ListWatch gives up on the first non-410 error, never asks
// for bookmarks and has no watchdog. This one lists, then watches from the list's resourceVersion with
// bookmarks; relists on 410 Gone; reconnects after any other failure with jittered backoff (never gives up);
// and restarts a watch that has been silent for too long (a TCP connection can die without a FIN).
import { createInterface } from 'node:readline';
import { isGone, KubeApiError, resourcePath, type GroupVersionResource, type KubeClient, type KubeObject, type KubeStatus } from './client.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface ListWatchHandlers<T extends KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
  /** Every failure that led to a reconnect or relist (for logs and metrics); the informer keeps going. */
  onError?(err: Error, what: 'list' | 'watch' | 'silent-watch'): void;
  /** Each time a namespace is in sync: after a successful list (its objects in the store) and when a watch is accepted. */
  onSync?(): void;
}

export interface ListWatchOptions {
  gvr: GroupVersionResource;
  /** Namespaces to watch; empty or [''] = all namespaces (KEDA's WATCH_NAMESPACE). */
  namespaces?: string[];
  labelSelector?: string;
  fieldSelector?: string;
  /** Server-side watch timeout; each watch gets this plus up to 10 % jitter. Default 300 s. */
  watchTimeoutSeconds?: number;
  /** Restart a watch after this long without any event or bookmark. Default watchTimeoutSeconds + 60 s. */
  silenceTimeoutMs?: number;
  /** Reconnect backoff after errors: initial and cap (default 500 ms, 30 s), doubled per consecutive failure. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Optional full relist every N ms (catches anything a watch could have missed). Default off. */
  relistIntervalMs?: number;
  /**
   * Start watching from this resourceVersion without the initial list (the store starts empty). For resuming
   * from a snapshot; an expired version is answered with 410 and leads to a normal relist.
   */
  startResourceVersion?: string;
  /**
   * Keep only what the caller reads of each object (applied before it is stored and announced): bounded memory
   * per object for large kinds such as every Deployment of a cluster. Keep metadata.name, namespace and
   * resourceVersion.
   */
  transform?: (obj: KubeObject) => KubeObject;
}

/**
 * The object without metadata.managedFields: what a controller's cache needs (controller-runtime's informers
 * drop them the same way with cache.TransformStripManagedFields). On a ScaledObject or an HPA they are most of the
 * object's size, and the watch holds one copy per object.
 */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  if (!obj.metadata.managedFields) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

export interface ListWatchStats {
  lists: number;
  watches: number;
  /** Watches restarted because they were silent longer than silenceTimeoutMs. */
  silentRestarts: number;
  /** Relists forced by 410 Gone. */
  goneRelists: number;
  errors: number;
  lastEventAt?: number;
}

/** `WATCH_NAMESPACE` as KEDA reads it: comma list, empty = all namespaces. */
export function parseWatchNamespaces(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export const objectKey = (obj: KubeObject): string => (obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name);

class SilentWatchError extends Error {
  constructor(ms: number) {
    super(`no watch event or bookmark for ${ms} ms; restarting the watch`);
  }
}

export class ListWatch<T extends KubeObject = KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: Array<ListWatchHandlers<T>> = [];
  private readonly abort = new AbortController();
  private readonly synced = new Set<string>();
  private readonly scopes: string[];
  private running: Promise<void>[] = [];
  private syncWaiters: Array<() => void> = [];
  readonly stats: ListWatchStats = { lists: 0, watches: 0, silentRestarts: 0, goneRelists: 0, errors: 0 };

  constructor(
    private readonly client: KubeClient,
    private readonly opts: ListWatchOptions,
  ) {
    const ns = (opts.namespaces ?? []).filter(Boolean);
    this.scopes = ns.length === 0 ? [''] : [...new Set(ns)];
  }

  on(handlers: ListWatchHandlers<T>): this {
    this.handlers.push(handlers);
    return this;
  }

  /** Starts one list-watch loop per namespace (or one for all). Idempotent. */
  start(): this {
    if (this.running.length === 0) this.running = this.scopes.map((ns) => this.loop(ns));
    return this;
  }

  /** Terminal: aborts watches and timers; no handler is called afterwards. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.running);
  }

  /** True once every namespace has been listed at least once. */
  hasSynced(): boolean {
    return this.synced.size === this.scopes.length;
  }

  /** Resolves once hasSynced() (rejects after `timeoutMs`). */
  waitForSync(timeoutMs = 60_000): Promise<void> {
    if (this.hasSynced()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`list of ${this.opts.gvr.resource} not synced after ${timeoutMs} ms`)), timeoutMs);
      this.syncWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Objects in the store, optionally of one namespace. */
  list(namespace?: string): T[] {
    const all = [...this.store.values()];
    return namespace === undefined ? all : all.filter((o) => (o.metadata.namespace ?? '') === namespace);
  }

  private emit<K extends keyof ListWatchHandlers<T>>(kind: K, ...args: Parameters<NonNullable<ListWatchHandlers<T>[K]>>): void {
    if (this.abort.signal.aborted) return;
    for (const h of this.handlers) {
      const fn = h[kind] as ((...a: unknown[]) => void) | undefined;
      if (!fn) continue;
      try {
        fn(...args);
      } catch (err) {
        // A handler bug must not kill the informer; report it through onError of the others.
        if (kind !== 'onError') this.emit('onError', err as Error, 'watch');
      }
    }
  }

  private inScope(ns: string, obj: T): boolean {
    return ns === '' || obj.metadata.namespace === ns;
  }

  /** Replace the scope's part of the store with a fresh list, announcing the differences. */
  private replace(ns: string, items: T[]): void {
    const fresh = new Map(items.map((o) => [objectKey(o), o]));
    for (const [key, old] of this.store) {
      if (this.inScope(ns, old) && !fresh.has(key)) {
        this.store.delete(key);
        this.emit('onDelete', old);
      }
    }
    for (const [key, obj] of fresh) this.upsert(key, obj);
  }

  private upsert(key: string, raw: T): void {
    const obj = this.opts.transform ? (this.opts.transform(raw) as T) : raw;
    const old = this.store.get(key);
    this.store.set(key, obj);
    if (!old) this.emit('onAdd', obj);
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('onUpdate', old, obj);
  }

  private markSynced(ns: string): void {
    this.synced.add(ns);
    this.emit('onSync');
    if (this.hasSynced()) {
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async loop(ns: string): Promise<void> {
    const signal = this.abort.signal;
    let rv = this.opts.startResourceVersion;
    let failures = 0;
    let lastList = 0;
    while (!signal.aborted) {
      let phase: 'list' | 'watch' = 'list';
      try {
        if (!rv || (this.opts.relistIntervalMs && Date.now() - lastList > this.opts.relistIntervalMs)) {
          this.stats.lists++;
          const list = await this.client.listAll<T>(this.opts.gvr, {
            namespace: ns || undefined,
            labelSelector: this.opts.labelSelector,
            fieldSelector: this.opts.fieldSelector,
          });
          if (signal.aborted) return;
          this.replace(ns, list.items);
          rv = list.metadata.resourceVersion;
          lastList = Date.now();
          this.markSynced(ns);
        }
        phase = 'watch';
        rv = await this.watchOnce(ns, rv as string, () => {
          failures = 0;
          this.markSynced(ns); // (already true after a list; with startResourceVersion, once the watch is accepted)
        });
      } catch (err) {
        if (signal.aborted) return;
        this.stats.errors++;
        if (err instanceof SilentWatchError) {
          this.stats.silentRestarts++;
          this.emit('onError', err, 'silent-watch');
          continue; // reconnect at once from the last resourceVersion
        }
        if (isGone(err)) {
          // Our resourceVersion was compacted: the only way back is a fresh list (client-go reflector does the same).
          this.stats.goneRelists++;
          rv = undefined;
          this.emit('onError', err as Error, phase);
          continue;
        }
        failures++;
        this.emit('onError', err as Error, phase);
        const base = Math.min(this.opts.backoffMaxMs ?? 30_000, (this.opts.backoffInitialMs ?? 500) * 2 ** (failures - 1));
        await sleep(base * (0.5 + Math.random() / 2), signal);
      }
    }
  }

  /** One watch request. Returns the last resourceVersion seen when the server ends it normally. */
  private async watchOnce(ns: string, fromRv: string, onHealthy: () => void): Promise<string> {
    const timeout = this.opts.watchTimeoutSeconds ?? 300;
    const silenceMs = this.opts.silenceTimeoutMs ?? (timeout + 60) * 1000;
    const controller = new AbortController();
    const onStop = () => controller.abort();
    this.abort.signal.addEventListener('abort', onStop, { once: true });
    let rv = fromRv;
    let lines: ReturnType<typeof createInterface> | undefined;
    let lastEvent = Date.now();
    let silent = false;
    const watchdog = setInterval(
      () => {
        if (Date.now() - lastEvent > silenceMs) {
          silent = true;
          controller.abort();
        }
      },
      Math.max(50, Math.min(5_000, silenceMs / 4)),
    );
    watchdog.unref();
    try {
      this.stats.watches++;
      const res = await this.client.stream(
        resourcePath(this.opts.gvr, ns || undefined),
        {
          watch: 'true',
          resourceVersion: rv,
          allowWatchBookmarks: 'true',
          timeoutSeconds: Math.round(timeout * (1 + Math.random() / 10)),
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
        },
        controller.signal,
      );
      lastEvent = Date.now();
      onHealthy();
      lines = createInterface({ input: res, crlfDelay: Infinity });
      // Aborting re-emits the response's 'aborted' error on the interface; iteration already reports real errors.
      lines.on('error', () => undefined);
      for await (const line of lines) {
        if (!line.trim()) continue;
        lastEvent = Date.now();
        this.stats.lastEventAt = lastEvent;
        const event = JSON.parse(line) as { type: WatchEventType; object: T | KubeStatus };
        if (event.type === 'ERROR') {
          const st = event.object as KubeStatus;
          throw new KubeApiError(st.code ?? 500, st.reason ?? 'Unknown', st.message ?? 'watch error', 'GET', `watch ${this.opts.gvr.resource}`, st);
        }
        const obj = event.object as T;
        if (obj.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
        if (event.type === 'BOOKMARK') continue;
        const key = objectKey(obj);
        if (event.type === 'DELETED') {
          const old = this.store.get(key);
          this.store.delete(key);
          this.emit('onDelete', old ?? (this.opts.transform ? (this.opts.transform(obj) as T) : obj));
        } else {
          this.upsert(key, obj);
        }
      }
      if (silent) throw new SilentWatchError(silenceMs);
      // A server-side timeout ends the chunked body properly; a cut connection just closes it.
      if (!res.complete && !this.abort.signal.aborted) throw new Error(`watch connection closed before the server ended the watch (resourceVersion ${rv})`);
      return rv;
    } catch (err) {
      if (silent) throw new SilentWatchError(silenceMs);
      throw err;
    } finally {
      lines?.close();
      clearInterval(watchdog);
      this.abort.signal.removeEventListener('abort', onStop);
      controller.abort();
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
