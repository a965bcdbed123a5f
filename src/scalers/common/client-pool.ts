// Clients shared by the triggers that talk to one server with one set of credentials: a thousand ScaledObjects on
// one database or broker hold one connection (or pool), not a thousand. Each scaler module keeps one ClientPool;
// readers lease a client by key in `createReader` and release it in `close`; the client is closed when its last
// lease goes.
import { createHash } from 'node:crypto';

export interface Lease<C> {
  readonly client: C;
  /** Give the client back; the last release closes it. Idempotent. */
  release(): Promise<void>;
}

export class ClientPool<C> {
  private readonly entries = new Map<string, { client: C; leases: number }>();

  constructor(private readonly closeClient: (client: C) => void | Promise<void>) {}

  /** The client for `key`, created with `create` when none is held. */
  acquire(key: string, create: () => C): Lease<C> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { client: create(), leases: 0 };
      this.entries.set(key, entry);
    }
    entry.leases++;
    const held = entry;
    let released = false;
    return {
      client: held.client,
      release: async () => {
        if (released) return;
        released = true;
        held.leases--;
        if (held.leases === 0 && this.entries.get(key) === held) {
          this.entries.delete(key);
          await this.closeClient(held.client);
        }
      },
    };
  }

  /** Distinct clients held now (benchmarks, docs: "how many connections Updraft opens"). */
  get size(): number {
    return this.entries.size;
  }
}

/**
 * A pool key from the connection settings. Secrets (passwords, tokens, keys) enter only through a hash, so a key
 * can be logged or shown in a benchmark without leaking them.
 */
export function poolKey(address: string, secrets: Record<string, string | undefined> = {}, settings: Record<string, unknown> = {}): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(Object.entries(secrets).sort()))
    .digest('hex')
    .slice(0, 16);
  return `${address}|${JSON.stringify(Object.entries(settings).sort())}|${digest}`;
}
