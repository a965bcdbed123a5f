// The operator in the test process, against a local control plane, with its log lines kept (printed at stop when
// UPDRAFT_E2E_LOGS=1): what every e2e file needs before its first test.
import { KubeClient } from '../../src/kube/client.ts';
import { startOperator, type OperatorOptions, type RunningOperator } from '../../src/operator/operator.ts';
import type { ControlPlane } from './control-plane.ts';

export interface TestOperator {
  op: RunningOperator;
  client: KubeClient;
  logs: string[];
  stop(): Promise<void>;
}

export async function startTestOperator(cp: ControlPlane, options: Partial<Omit<OperatorOptions, 'client' | 'log'>> = {}): Promise<TestOperator> {
  const client = await KubeClient.fromEnvironment({ kubeconfig: cp.kubeconfig });
  const logs: string[] = [];
  const log = (level: string) => (o: Record<string, unknown>, m: string) => void logs.push(`${level} ${m} ${JSON.stringify(o)}`);
  const op = await startOperator({
    namespace: 'default',
    defaultMode: 'direct',
    leaderElection: false,
    ...options,
    client,
    log: { info: log('info'), warn: log('warn'), error: log('error') },
  });
  return {
    op,
    client,
    logs,
    async stop() {
      await op.stop();
      if (process.env.UPDRAFT_E2E_LOGS === '1') console.log(logs.join('\n'));
    },
  };
}
