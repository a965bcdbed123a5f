// A scaler's client library (an SDK, a driver), loaded on first use rather than when the registry is imported
// (docs/adding-a-scaler.md "Client libraries load lazily"): src/scalers/index.ts and every descriptor's pure half
// (fields, parse, metricSpecs) stay free of client packages, so `validate`, the webhook, `simulate`, `explain` and
// the operator's start do not load the AWS SDK, kafka, amqplib, pg, mysql2, ioredis or gRPC for trigger types no
// object uses. The contract test (src/scalers/contract.test.ts) checks that importing the registry loads none.
import { ReadError, type RawReading, type TriggerReader, type MetricSpec } from '../scaler.ts';

export interface LazyClient<M> {
  /** The package name, for messages. */
  readonly name: string;
  /** Import the package (once; a failed import is retried by the next call). */
  load(): Promise<M>;
  /** The loaded package; throws when `load()` has not resolved yet (a bug: build readers through `lazyReader`). */
  get(): M;
  loaded(): boolean;
}

/** `importer` is a literal `() => import('pkg')` so bundlers and the layering test still see the dependency. */
export function lazyClient<M>(name: string, importer: () => Promise<M>): LazyClient<M> {
  let mod: M | undefined;
  let pending: Promise<M> | undefined;
  return {
    name,
    load: () =>
      mod !== undefined
        ? Promise.resolve(mod)
        : (pending ??= importer().then(
            (m) => (mod = m),
            (e: unknown) => {
              pending = undefined;
              throw e;
            },
          )),
    get: () => {
      if (mod === undefined) throw new Error(`${name} used before it was loaded (build the reader with lazyReader)`);
      return mod;
    },
    loaded: () => mod !== undefined,
  };
}

/** The optional TriggerReader methods the real reader has (buildScaler looks at their presence before the first read). */
export interface LazyShape {
  subscribe?: boolean;
  metricSpecs?: boolean;
}

/**
 * A TriggerReader whose real reader is built by `build` once `clients` are loaded: at once when they already are
 * (every trigger after the first of its type), else on the first read. `build` must not throw ConfigError (parse
 * does all checking); a failed import is a ReadError naming the trigger type and the package.
 */
export function lazyReader(type: string, clients: ReadonlyArray<LazyClient<unknown>>, build: () => TriggerReader, shape: LazyShape = {}): TriggerReader {
  if (clients.every((c) => c.loaded())) return build();
  let building: Promise<TriggerReader> | undefined;
  const ready = (): Promise<TriggerReader> =>
    (building ??= Promise.all(clients.map((c) => c.load())).then(
      () => build(),
      (e: unknown) => {
        building = undefined;
        const names = clients.map((c) => c.name).join(', ');
        throw new ReadError('other', `${type}: cannot load its client library (${names}): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      },
    ));
  const reader: TriggerReader = {
    read: async (signal: AbortSignal): Promise<RawReading> => (await ready()).read(signal),
    close: async () => {
      if (!building) return;
      const r = await building.catch(() => undefined);
      await r?.close();
    },
  };
  if (shape.metricSpecs) {
    reader.metricSpecs = async (signal: AbortSignal): Promise<MetricSpec[]> => {
      const r = await ready();
      if (!r.metricSpecs) throw new Error(`${type}: the reader has no metricSpecs`);
      return r.metricSpecs(signal);
    };
  }
  if (shape.subscribe) {
    reader.subscribe = (onReading) => {
      let stop: (() => void) | undefined;
      let stopped = false;
      void ready().then(
        (r) => {
          if (!stopped && r.subscribe) stop = r.subscribe(onReading);
        },
        () => undefined, // the read path reports the load failure
      );
      return () => {
        stopped = true;
        stop?.();
      };
    };
  }
  return reader;
}
