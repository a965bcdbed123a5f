// The operator's pod watches for kubernetes-workload triggers (src/scalers/kubernetes-workload.ts): ONE ListWatch
// of pods per (namespace, label selector), shared by every trigger that counts the same pods, created on the first
// open and stopped when the last holder closes. A read counts from the watch's store: no request per poll.
// (KEDA's scaler lists through controller-runtime's informer cache, which watches every pod of the cluster; here
// each watch asks the API server only for the pods the selector matches.)
import { formatLabelSelector, parseLabelSelector } from '../api/label-selector.ts';
import { GVR, KubeApiError, type KubeClient, type KubeObject } from '../kube/client.ts';
import { ListWatch, objectKey, type ListWatchOptions, type ListWatchStats } from '../kube/list-watch.ts';
import { ReadError, type PodWatch, type PodWatcher, type WatchedPod } from '../scalers/scaler.ts';

interface PodObject extends KubeObject {
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

export interface PodWatchersOptions {
  /** A watch failure (list or watch; the watch keeps retrying on its own). */
  onError?(namespace: string, labelSelector: string, err: Error): void;
  /** Passed to each ListWatch (tests shorten the backoff). */
  listWatch?: Pick<ListWatchOptions, 'watchTimeoutSeconds' | 'backoffInitialMs' | 'backoffMaxMs' | 'silenceTimeoutMs'>;
}

interface Entry {
  namespace: string;
  labelSelector: string;
  watch: ListWatch<PodObject>;
  holders: number;
  /** Released by its last holder, or the operator stopped. */
  stopped: boolean;
  /** The last failure since the last successful list (cleared by a sync). */
  lastError?: Error;
  /** Reads waiting for the first list (or its first failure). */
  waiters: Set<() => void>;
  /** What a reader needs of each pod (phase, node), kept by the watch's events. */
  pods: Map<string, WatchedPod>;
  /** The pods as one array, rebuilt on the first read after a change (reads between changes copy nothing). */
  snapshot?: readonly WatchedPod[];
}

function projected(p: PodObject): WatchedPod {
  return { ...(p.status?.phase ? { phase: p.status.phase } : {}), ...(p.spec?.nodeName ? { nodeName: p.spec.nodeName } : {}) };
}

export interface PodWatchInfo {
  namespace: string;
  labelSelector: string;
  holders: number;
  synced: boolean;
  pods: number;
  stats: ListWatchStats;
}

const PREFIX = 'kubernetes-workload';

/** The ReadError a failed pod list becomes: 401/403 are auth (RBAC), anything else unreachable. */
function readError(e: Entry, err: Error): ReadError {
  const where = `pods in namespace ${e.namespace}${e.labelSelector ? ` matching ${e.labelSelector}` : ''}`;
  const code = err instanceof KubeApiError ? err.code : 0;
  if (code === 401 || code === 403) {
    return new ReadError('auth', `${PREFIX}: cannot list ${where}: ${err.message} (the operator's ServiceAccount needs list and watch on pods)`, {
      cause: err,
    });
  }
  return new ReadError('unreachable', `${PREFIX}: cannot list ${where}: ${err.message}`, { cause: err });
}

export class PodWatchers {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: PodWatchersOptions = {},
  ) {}

  /** The PodWatcher a ScalerContext takes. */
  readonly watcher: PodWatcher = (namespace, labelSelector) => this.open(namespace, labelSelector);

  /** Opens (or shares) the watch of `namespace`'s pods matching `labelSelector`; its close gives it back. */
  open(namespace: string, labelSelector: string): PodWatch {
    if (this.stopped) throw new ReadError('other', `${PREFIX}: the operator is stopping`);
    // The canonical form, so `b=1,a=2` and `a=2, b=1` share one watch (the scaler passes it canonical already).
    const selector = formatLabelSelector(parseLabelSelector(labelSelector));
    const key = `${namespace}\n${selector}`;
    let e = this.entries.get(key);
    if (!e) {
      const watch = new ListWatch<PodObject>(this.client, {
        ...this.opts.listWatch,
        gvr: GVR.pods,
        namespaces: [namespace],
        ...(selector ? { labelSelector: selector } : {}),
      });
      const entry: Entry = { namespace, labelSelector: selector, watch, holders: 0, stopped: false, waiters: new Set(), pods: new Map() };
      const wake = () => {
        for (const w of [...entry.waiters]) w();
      };
      const put = (pod: PodObject) => {
        entry.pods.set(objectKey(pod), projected(pod));
        entry.snapshot = undefined;
      };
      watch.on({
        onAdd: put,
        onUpdate: (_, pod) => put(pod),
        onDelete: (pod) => {
          entry.pods.delete(objectKey(pod));
          entry.snapshot = undefined;
        },
        onSync: () => {
          entry.lastError = undefined;
          wake();
        },
        onError: (err, what) => {
          if (what === 'list') entry.lastError = err;
          this.opts.onError?.(namespace, selector, err);
          wake();
        },
      });
      e = entry;
      this.entries.set(key, e);
      watch.start();
    }
    e.holders++;
    const entry = e;
    let closed = false;
    return {
      pods: (signal) => this.pods(entry, signal),
      close: () => {
        if (closed) return;
        closed = true;
        this.release(key, entry);
      },
    };
  }

  private async pods(e: Entry, signal: AbortSignal): Promise<readonly WatchedPod[]> {
    while (!e.watch.hasSynced()) {
      if (e.stopped) throw new ReadError('other', `${PREFIX}: the pod watch of namespace ${e.namespace} was closed`);
      // The first list failed: say why now instead of at the read's timeout (the watch keeps retrying).
      if (e.lastError) throw readError(e, e.lastError);
      if (signal.aborted) throw new ReadError('timeout', `${PREFIX}: the first list of pods in namespace ${e.namespace} did not finish in time`);
      await new Promise<void>((resolve) => {
        const done = () => {
          e.waiters.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        e.waiters.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    e.snapshot ??= Object.freeze([...e.pods.values()]);
    return e.snapshot;
  }

  private release(key: string, e: Entry): void {
    e.holders--;
    if (e.holders > 0 || this.entries.get(key) !== e) return;
    this.entries.delete(key);
    e.stopped = true;
    for (const w of [...e.waiters]) w();
    void e.watch.stop();
  }

  /** Number of ListWatches held now. */
  get size(): number {
    return this.entries.size;
  }

  /** Each watch held, with its holders and request counts (tests, diagnostics). */
  info(): PodWatchInfo[] {
    return [...this.entries.values()].map((e) => ({
      namespace: e.namespace,
      labelSelector: e.labelSelector,
      holders: e.holders,
      synced: e.watch.hasSynced(),
      pods: e.pods.size,
      stats: { ...e.watch.stats },
    }));
  }

  /** Stops every watch (operator shutdown); later opens are refused. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) {
      e.stopped = true;
      for (const w of [...e.waiters]) w();
    }
    await Promise.allSettled(all.map((e) => e.watch.stop()));
  }
}
