// bench/scalers.ts rows for external and external-push against the external scaler harness
// (test/support/external-scaler.ts: grpc-go + KEDA's generated protocol package): reads (GetMetrics + IsActive on
// one shared channel) and what 500 triggers on one scaler address hold (channels in the pool, TCP connections the
// server accepted).
import { externalChannelCount } from '../src/scalers/common/external-scaler.ts';
import { buildScaler } from '../src/scalers/index.ts';
import type { Scaler } from '../src/scalers/scaler.ts';
import { externalScalerBinary, startExternalScaler } from '../test/support/external-scaler.ts';
import { contextFor } from '../test/support/scaler-context.ts';

type Measure = (name: string, scaler: Scaler) => Promise<void>;

export async function benchExternal(measure: Measure): Promise<void> {
  if (!externalScalerBinary()) {
    console.log('external: skipped (scripts/deps/external-scaler.sh has not built the harness)');
    return;
  }
  const srv = await startExternalScaler();
  try {
    await srv.setValue('orders', 42);
    await measure('external (GetMetrics+IsActive)', buildScaler(contextFor('external', { scalerAddress: srv.address, key: 'orders' })));
    await measure('external-push (poll path)', buildScaler(contextFor('external-push', { scalerAddress: srv.address, key: 'orders' })));
    const before = externalChannelCount();
    const connections = (await srv.stats()).connections;
    const scalers = Array.from({ length: 500 }, (_, i) =>
      buildScaler({ ...contextFor('external', { scalerAddress: srv.address, key: 'orders', n: String(i) }), triggerIndex: i % 10 }),
    );
    await Promise.all(scalers.map((s) => s.read(AbortSignal.timeout(30_000))));
    console.log(
      `external: 500 triggers on one scaler address hold ${externalChannelCount() - before} channel(s), ${(await srv.stats()).connections - connections} TCP connection(s)`,
    );
    await Promise.all(scalers.map((s) => s.close()));
  } finally {
    await srv.stop();
  }
}
