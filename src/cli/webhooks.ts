// `updraft webhooks`: the validating admission webhook server (KEDA's keda-admission-webhooks).
import { Option, type Command } from 'commander';
import { parsePort, parseTlsVersion } from './flags.ts';

export function register(program: Command): void {
  program
    .command('webhooks')
    .requiredOption('--tls-cert-file <file>', 'serving certificate')
    .requiredOption('--tls-key-file <file>', 'serving key')
    .option('--port <port>', 'HTTPS port', '9443')
    .option('--kubeconfig <file>', 'kubeconfig (default: in-cluster, then $KUBECONFIG)')
    .option('--min-tls-version <v>', "TLS12 or TLS13 (as the operator's --webhook-min-tls-version; TLSv1.2/TLSv1.3 are accepted too)", 'TLS12')
    // The old spelling of --min-tls-version, still accepted.
    .addOption(new Option('--tls-min-version <v>').hideHelp())
    .option('--strict-triggers', 'deny objects whose trigger metadata would fail at run time (default: admit with a warning)', false)
    .addHelpText(
      'after',
      `
Paths: /validate-keda-sh-v1alpha1-scaledobject, -scaledjob, -triggerauthentication, -clustertriggerauthentication.

Example:
  updraft webhooks --tls-cert-file /certs/tls.crt --tls-key-file /certs/tls.key --port 9443
`,
    )
    .action(
      async (opts: {
        tlsCertFile: string;
        tlsKeyFile: string;
        port: string;
        kubeconfig?: string;
        minTlsVersion: string;
        tlsMinVersion?: string;
        strictTriggers: boolean;
      }) => {
        const port = parsePort('--port', opts.port);
        const minTlsVersion =
          opts.tlsMinVersion !== undefined
            ? parseTlsVersion('--tls-min-version', opts.tlsMinVersion)
            : parseTlsVersion('--min-tls-version', opts.minTlsVersion);
        // The validator (every scaler's parse), the Kubernetes client, the server and pino load when it runs, not for --help.
        const [{ default: pino }, { KubeClient }, { clusterLookups, KedaAdmissionValidator }, { startAdmissionWebhookServer }] = await Promise.all([
          import('pino'),
          import('../kube/client.ts'),
          import('../operator/admission-validator.ts'),
          import('../servers/admission-webhook.ts'),
        ]);
        const log = pino({ base: { component: 'updraft-webhooks' } });
        const client = await KubeClient.fromEnvironment({ kubeconfig: opts.kubeconfig });
        const server = await startAdmissionWebhookServer({
          port,
          certificate: { certFile: opts.tlsCertFile, keyFile: opts.tlsKeyFile },
          minTlsVersion,
          validator: new KedaAdmissionValidator(clusterLookups(client), { strictTriggers: opts.strictTriggers }),
          onDecision: (req, result) =>
            log.info(
              {
                kind: req.kind,
                namespace: req.namespace,
                name: req.name,
                operation: req.operation,
                allowed: result.allowed,
                reason: result.reason,
                message: result.message,
                warnings: result.warnings,
              },
              'admission decision',
            ),
        });
        log.info({ port: server.port }, 'webhooks listening');
        const stop = async () => {
          await server.close();
          process.exit(0);
        };
        process.once('SIGINT', () => void stop());
        process.once('SIGTERM', () => void stop());
      },
    );
}
