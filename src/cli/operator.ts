// `updraft operator`: run the operator against a cluster (in-cluster config or a kubeconfig).
import type { Command } from 'commander';
import pino from 'pino';
import { KubeClient } from '../kube/client.ts';
import { parseWatchNamespaces } from '../kube/list-watch.ts';
import { startOperator } from '../operator/operator.ts';

export function register(program: Command): void {
  program
    .command('operator')
    .description('run the operator: watch ScaledObjects, scale 0↔N, manage HPAs, serve the external metrics API')
    .option('--kubeconfig <file>', 'kubeconfig file (default: in-cluster config, then $KUBECONFIG, then ~/.kube/config)')
    .option('--namespace <ns>', 'namespace of the operator (Lease, ClusterTriggerAuthentication secrets)', process.env.POD_NAMESPACE ?? process.env.KEDA_CLUSTER_OBJECT_NAMESPACE ?? 'keda')
    .option('--mode <mode>', "default scaling mode: 'hpa' (KEDA-compatible, HPA + external metrics API) or 'direct' (Updraft applies the HPA algorithm itself); per object: annotation updraft.dev/mode", 'hpa')
    .option('--no-leader-elect', 'run without leader election (single replica only)')
    .option('--lease-name <name>', 'Lease used for leader election', 'operator.keda.sh')
    .option('--metrics-port <port>', 'Prometheus /metrics, /healthz and /readyz port', '8080')
    .option('--metrics-api-port <port>', 'port of the external.metrics.k8s.io server (requires --tls-cert-file/--tls-key-file)', '6443')
    .option('--tls-cert-file <file>', 'serving certificate of the external metrics API')
    .option('--tls-key-file <file>', 'serving key of the external metrics API')
    .option('--tls-min-version <v>', 'TLSv1.2 or TLSv1.3', 'TLSv1.2')
    .addHelpText('after', `
Environment (as KEDA): WATCH_NAMESPACE (comma list, empty = all), WATCH_LABEL_SELECTOR,
KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES (default 5).

Example:
  updraft operator --kubeconfig ~/.kube/config --no-leader-elect --mode direct --metrics-port 8080
`)
    .action(async (opts: { kubeconfig?: string; namespace: string; mode: string; leaderElect: boolean; leaseName: string; metricsPort: string; metricsApiPort: string; tlsCertFile?: string; tlsKeyFile?: string; tlsMinVersion: string }) => {
      if (opts.mode !== 'hpa' && opts.mode !== 'direct') throw new Error(`--mode must be 'hpa' or 'direct', got '${opts.mode}'`);
      const log = pino({ base: { component: 'updraft-operator' }, redact: ['*.authorization', '*.token', '*.password', '*.awsSecretAccessKey', '*.secret'] }, process.stdout.isTTY ? pino.transport({ target: 'pino-pretty' }) : undefined);
      const client = await KubeClient.fromEnvironment({ kubeconfig: opts.kubeconfig });
      const op = await startOperator({
        client,
        log: { info: (o, m) => log.info(o, m), warn: (o, m) => log.warn(o, m), error: (o, m) => log.error(o, m) },
        namespace: opts.namespace,
        defaultMode: opts.mode,
        leaderElection: opts.leaderElect,
        leaseName: opts.leaseName,
        watchNamespaces: parseWatchNamespaces(process.env.WATCH_NAMESPACE),
        watchLabelSelector: process.env.WATCH_LABEL_SELECTOR || undefined,
        metricsPort: Number(opts.metricsPort),
        externalMetrics: opts.tlsCertFile && opts.tlsKeyFile ? { port: Number(opts.metricsApiPort), certFile: opts.tlsCertFile, keyFile: opts.tlsKeyFile, minTlsVersion: opts.tlsMinVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2' } : undefined,
        maxReconciles: Number(process.env.KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES ?? 5),
      });
      log.info({ metricsPort: op.metricsPort, metricsApiPort: op.metricsApiPort, mode: opts.mode }, 'operator started');
      const shutdown = async (signal: string) => {
        log.info({ signal }, 'shutting down');
        await op.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void shutdown('SIGINT'));
      process.once('SIGTERM', () => void shutdown('SIGTERM'));
    });
}
