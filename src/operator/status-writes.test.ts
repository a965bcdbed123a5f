// The ScaledObject controller's status-write queue (scaled-object-controller.ts patchStatus → serialStatus →
// statusBase), against a fake API server that records every request and can hold a PATCH open: one write per
// object at a time, the scale loop's queued writes coalesced into one, a conflict re-read and re-applied, and the
// base of a write taken from the watch or the last answer without a GET. The e2e counterpart on a real control
// plane is test/e2e/operator-scale-requests.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ScaledObject, ScaledObjectStatus } from '../api/types.ts';
import { KubeApiError, type KubeClient, type KubeObject } from '../kube/client.ts';
import { ScaledObjectController, type ControllerOptions } from './scaled-object-controller.ts';

type SoObject = KubeObject & { status?: ScaledObjectStatus };
type Mutate = (s: ScaledObjectStatus) => ScaledObjectStatus;

interface Sent {
  verb: 'GET' | 'PATCH';
  name: string;
  /** The PATCH's precondition: the version its base carried. */
  resourceVersion?: string;
  /** The PATCH's status body (a merge patch). */
  patch?: unknown;
  /** The API budget priority the PATCH asked for (none: the default for its path). */
  priority?: string;
  /** How many requests had been answered when this one arrived. */
  answeredBefore: number;
}

const NS = 'shop';

/** RFC 7386 merge patch, as the API server applies a status PATCH. */
function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/**
 * The ScaledObjects as the API server stores them, answering the status GET and PATCH updateStatus sends (kube/status.ts):
 * a PATCH conditional on a resourceVersion other than the stored one is a 409 Conflict, as on a real server.
 */
class FakeApi {
  readonly stored = new Map<string, SoObject>();
  readonly sent: Sent[] = [];
  answered = 0;
  private readonly gates = new Map<number, Promise<void>>();
  private readonly waiters: Array<{ n: number; resolve: (s: Sent) => void }> = [];

  constructor(names: string[]) {
    for (const name of names) {
      this.stored.set(name, {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name, namespace: NS, uid: `uid-${name}`, resourceVersion: '1' },
        status: {},
      });
    }
  }

  /** Hold the `n`th request (1-based) open until the returned function is called. */
  hold(n: number): () => void {
    let release!: () => void;
    this.gates.set(n, new Promise<void>((r) => (release = r)));
    return release;
  }

  /** Resolves when the `n`th request (1-based) has arrived. */
  nth(n: number): Promise<Sent> {
    if (this.sent.length >= n) return Promise.resolve(this.sent[n - 1]);
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  /** Another client's status write (it bumps the version, as any write does). */
  writeElsewhere(name: string, mutate: Mutate): void {
    const o = this.object(name);
    this.stored.set(name, { ...o, metadata: { ...o.metadata, resourceVersion: this.next(o) }, status: mutate(structuredClone(o.status ?? {})) });
  }

  /** A copy of the stored object, as the watch delivers it. */
  copy(name: string): SoObject {
    return structuredClone(this.object(name));
  }

  patches(): Sent[] {
    return this.sent.filter((s) => s.verb === 'PATCH');
  }

  gets(): Sent[] {
    return this.sent.filter((s) => s.verb === 'GET');
  }

  client(): KubeClient {
    return {
      get: async (_gvr: unknown, _ns: string | undefined, name: string) => {
        await this.arrive({ verb: 'GET', name, answeredBefore: this.answered });
        this.answered++;
        return this.copy(name);
      },
      patchStatus: async (_gvr: unknown, _ns: string | undefined, name: string, patch: unknown, opts: { resourceVersion?: string; priority?: string } = {}) => {
        await this.arrive({
          verb: 'PATCH',
          name,
          resourceVersion: opts.resourceVersion,
          patch,
          answeredBefore: this.answered,
          ...(opts.priority ? { priority: opts.priority } : {}),
        });
        this.answered++;
        const o = this.object(name);
        if (opts.resourceVersion !== undefined && opts.resourceVersion !== o.metadata.resourceVersion) {
          throw new KubeApiError(
            409,
            'Conflict',
            'the object has been modified; please apply your changes to the latest version and try again',
            'PATCH',
            `/apis/keda.sh/v1alpha1/namespaces/${NS}/scaledobjects/${name}/status`,
          );
        }
        this.stored.set(name, {
          ...o,
          metadata: { ...o.metadata, resourceVersion: this.next(o) },
          status: applyMergePatch(o.status, patch) as ScaledObjectStatus,
        });
        return this.copy(name);
      },
    } as unknown as KubeClient;
  }

  private async arrive(s: Sent): Promise<void> {
    this.sent.push(s);
    const n = this.sent.length;
    for (const w of this.waiters.filter((x) => x.n === n)) w.resolve(s);
    await this.gates.get(n);
  }

  private object(name: string): SoObject {
    const o = this.stored.get(name);
    if (!o) throw new Error(`fake API: no ScaledObject ${NS}/${name}`);
    return o;
  }

  private next(o: SoObject): string {
    return String(Number(o.metadata.resourceVersion) + 1);
  }
}

/**
 * The real controller with what its status writes use: the client and the watch's copy (getCached). patchStatus is
 * private (the scale loop's onPoll and onTargetError reach it); it is called here directly so a test decides when
 * each "poll" finishes, which a running loop on the scheduler's timers would not let it do deterministically.
 */
function setup(names: string[]) {
  const api = new FakeApi(names);
  const watch = new Map<string, SoObject>(names.map((n) => [n, api.copy(n)]));
  const log = { info() {}, warn() {}, error() {} };
  // Only the options a status write touches; the loop's collaborators (scheduler, scalers, cache) are not used.
  const controller = new ScaledObjectController({
    client: api.client(),
    log,
    getCached: (_ns: string, name: string) => watch.get(name),
  } as Partial<ControllerOptions> as ControllerOptions);
  const writer = controller as unknown as {
    patchStatus(so: ScaledObject, mutate: Mutate): Promise<void>;
    queueStatus(key: string, mutate: Mutate, o?: { priority?: string; hold?: Promise<void> }): Promise<void>;
  };
  const so = (name: string) =>
    ({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name, namespace: NS, uid: `uid-${name}` } }) as unknown as ScaledObject;
  const write = (name: string, mutate: Mutate) => writer.patchStatus(so(name), mutate);
  // The reconcile's write (apply): ahead in the API budget, held until the new loop's first poll has reported.
  const reconcileWrite = (name: string, mutate: Mutate, hold: Promise<void>) => writer.queueStatus(`${NS}/${name}`, mutate, { priority: 'normal', hold });
  return { api, watch, write, reconcileWrite };
}

// A hang (a write waiting on one that never ends) fails the row instead of stalling the run.
const opts = { timeout: 5_000 };

describe('ScaledObject status writes (patchStatus)', () => {
  test('polls that finish while a status write is in flight are sent as ONE more PATCH, their changes applied in order', opts, async () => {
    const { api, write } = setup(['a']);
    const release = api.hold(1);
    const first = write('a', (s) => ({ ...s, hpaName: 'keda-hpa-a' }));
    await api.nth(1);
    const polls = [
      write('a', (s) => ({ ...s, originalReplicaCount: 2, lastActiveTime: '2026-01-01T00:00:01Z', triggersActivity: { s0: { isActive: true } } })),
      write('a', (s) => ({ ...s, triggersActivity: { s0: { isActive: false } } })),
      write('a', (s) => ({ ...s, lastActiveTime: '2026-01-01T00:00:03Z' })),
    ];
    release();
    await Promise.all([first, ...polls]);

    assert.equal(api.gets().length, 0, 'no GET: the first write starts from the watch copy, the second from its answer');
    const patches = api.patches();
    assert.equal(patches.length, 2, `one PATCH for the write in flight and one for the three polls, got ${JSON.stringify(patches)}`);
    assert.deepEqual(patches[0].patch, { hpaName: 'keda-hpa-a' });
    assert.equal(patches[1].answeredBefore, 1, 'the coalesced PATCH is sent only after the first one answered');
    assert.equal(patches[1].resourceVersion, '2', "the coalesced PATCH starts from the first write's answer");
    // The later poll wins on triggersActivity and lastActiveTime; the first poll's originalReplicaCount is kept.
    assert.deepEqual(patches[1].patch, {
      originalReplicaCount: 2,
      lastActiveTime: '2026-01-01T00:00:03Z',
      triggersActivity: { s0: { isActive: false } },
    });
    assert.deepEqual(api.stored.get('a')?.status, {
      hpaName: 'keda-hpa-a',
      originalReplicaCount: 2,
      lastActiveTime: '2026-01-01T00:00:03Z',
      triggersActivity: { s0: { isActive: false } },
    });
  });

  test(
    "a reconcile's held status write takes the first poll's change: one PATCH, the reconcile's change first, at the reconcile's priority",
    opts,
    async () => {
      const { api, write, reconcileWrite } = setup(['a']);
      let letGo!: () => void;
      const hold = new Promise<void>((r) => (letGo = r));
      const ready = reconcileWrite('a', (s) => ({ ...s, hpaName: 'keda-hpa-a', triggersActivity: { s0: { isActive: true } } }), hold);
      const poll = write('a', (s) => ({ ...s, triggersActivity: { s0: { isActive: false } } }));
      await new Promise((r) => setImmediate(r));
      assert.equal(api.sent.length, 0, 'nothing is sent while the write is held');
      letGo();
      await Promise.all([ready, poll]);
      const patches = api.patches();
      assert.equal(patches.length, 1, `one PATCH for the reconcile and the first poll, got ${JSON.stringify(patches)}`);
      assert.deepEqual(
        patches[0].patch,
        { hpaName: 'keda-hpa-a', triggersActivity: { s0: { isActive: false } } },
        "the poll's change applied after the reconcile's",
      );
      assert.equal(patches[0].priority, 'normal', "sent at the reconcile's priority, ahead of the loops' status writes");
    },
  );

  test("two objects' status writes do not wait for each other: B's PATCH is sent and answered while A's is held", opts, async () => {
    const { api, write } = setup(['a', 'b']);
    const releaseA = api.hold(1);
    let aDone = false;
    const a = write('a', (s) => ({ ...s, hpaName: 'keda-hpa-a' })).then(() => {
      aDone = true;
    });
    await api.nth(1);
    await write('b', (s) => ({ ...s, hpaName: 'keda-hpa-b' }));

    const sentB = await api.nth(2);
    assert.equal(sentB.name, 'b');
    assert.equal(sentB.answeredBefore, 0, "B's PATCH was sent before A's answered");
    assert.equal(aDone, false, "A's write is still held when B's has finished");
    assert.deepEqual(api.stored.get('b')?.status, { hpaName: 'keda-hpa-b' });
    releaseA();
    await a;
    assert.deepEqual(api.stored.get('a')?.status, { hpaName: 'keda-hpa-a' });
  });

  test('a write from a stale base gets a 409 Conflict, is re-read with one GET and re-applied: no change is lost', opts, async () => {
    const { api, write } = setup(['a']);
    await write('a', (s) => ({ ...s, hpaName: 'keda-hpa-a', externalMetricNames: ['s0-metric'] }));
    // Another client writes the status; our last answer (version 2) is now stale and the watch has not caught up.
    api.writeElsewhere('a', (s) => ({ ...s, externalMetricNames: [...(s.externalMetricNames ?? []), 's1-metric'] }));
    await write('a', (s) => ({ ...s, externalMetricNames: [...(s.externalMetricNames ?? []), 's2-metric'], lastActiveTime: '2026-01-01T00:00:05Z' }));

    assert.deepEqual(
      api.sent.map((s) => `${s.verb}${s.resourceVersion ? ` rv=${s.resourceVersion}` : ''}`),
      ['PATCH rv=1', 'PATCH rv=2', 'GET', 'PATCH rv=3'],
      'the stale PATCH conflicts, one GET reads version 3, the change is sent again on it',
    );
    // Re-applied on the fresh read: the other client's s1-metric stays, ours comes after it.
    assert.deepEqual(api.stored.get('a')?.status, {
      hpaName: 'keda-hpa-a',
      externalMetricNames: ['s0-metric', 's1-metric', 's2-metric'],
      lastActiveTime: '2026-01-01T00:00:05Z',
    });
  });

  test("after a write, a watch copy carrying the written resourceVersion is the next write's base: no GET", opts, async () => {
    const { api, watch, write } = setup(['a']);
    await write('a', (s) => ({ ...s, hpaName: 'keda-hpa-a' }));
    watch.set('a', api.copy('a')); // the watch delivers our write (version 2)
    await write('a', (s) => ({ ...s, lastActiveTime: '2026-01-01T00:00:07Z' }));

    assert.equal(api.gets().length, 0);
    const second = api.patches()[1];
    assert.equal(second.resourceVersion, '2', 'conditional on the version the watch copy carries');
    assert.deepEqual(second.patch, { lastActiveTime: '2026-01-01T00:00:07Z' }, 'only the new change: the base already holds hpaName');
  });

  test('after a write, a watch copy of an older version is not the base: the next write starts from the last answer, no GET', opts, async () => {
    const { api, watch, write } = setup(['a']);
    await write('a', (s) => ({ ...s, hpaName: 'keda-hpa-a' }));
    assert.equal(watch.get('a')?.metadata.resourceVersion, '1', 'the watch has not delivered our write');
    await write('a', (s) => ({ ...s, lastActiveTime: '2026-01-01T00:00:08Z' }));

    assert.equal(api.gets().length, 0);
    const second = api.patches()[1];
    assert.equal(second.resourceVersion, '2', "conditional on the first write's answer, not the watch's version 1");
    assert.deepEqual(second.patch, { lastActiveTime: '2026-01-01T00:00:08Z' }, "only the new change: the answer's hpaName is not sent again");
    assert.deepEqual(api.stored.get('a')?.status, { hpaName: 'keda-hpa-a', lastActiveTime: '2026-01-01T00:00:08Z' });
  });
});
