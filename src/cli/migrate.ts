// `updraft migrate check`: reads a cluster that runs KEDA and prints what moving to Updraft involves, in order —
// text or `--output json`. It only reads (nothing is changed). What it looks at:
//   - KEDA's operator Deployment: version (label app.kubernetes.io/version, else the image tag), Helm release
//     (annotations meta.helm.sh/release-name / -namespace, label helm.sh/chart), replicas;
//   - the keda.sh CRDs: owned by a Helm release? kept on uninstall (helm.sh/resource-policy: keep)? KEDA's chart
//     renders them from templates/ (kedacore/charts keda/templates/crds/*.yaml, `crds.install`), so
//     `helm uninstall keda` deletes them — and with them every ScaledObject, ScaledJob and TriggerAuthentication;
//   - ScaledObjects carrying finalizer.keda.sh (Updraft handles the same finalizer);
//   - `keda-hpa-<name>` HPAs and their owners (Updraft builds the same HPA, same name and owner, and updates it in
//     place: src/operator/scaled-object-controller.ts ensureHpa, KEDA controllers/keda/hpa.go);
//   - the v1beta1.external.metrics.k8s.io APIService: which Service answers HPAs' external metrics;
//   - KEDA's leader Lease (operator.keda.sh, KEDA cmd/operator/main.go --leader-election-id): holder and renew time.
import type { Command } from 'commander';
import { GVR, isNotFound, KubeClient, type GroupVersionResource, type KubeObject } from '../kube/client.ts';
import { decideKedaLease, KEDA_LEASE_NAME, type LeaseObject } from '../operator/keda-lease-guard.ts';

export const KEDA_CRDS = ['scaledobjects.keda.sh', 'scaledjobs.keda.sh', 'triggerauthentications.keda.sh', 'clustertriggerauthentications.keda.sh'];
export const EXTERNAL_METRICS_APISERVICE = 'v1beta1.external.metrics.k8s.io';

export type Severity = 'ok' | 'info' | 'action' | 'blocker';

export interface Finding {
  /** Stable id: keda-operator, crds, finalizers, hpas, apiservice, lease. */
  id: string;
  severity: Severity;
  summary: string;
  details: string[];
}

export interface MigrationReport {
  readAt: string;
  keda: { namespace?: string; deployment?: string; version?: string; helmRelease?: string; helmReleaseNamespace?: string; chart?: string; replicas?: number };
  findings: Finding[];
  /** The steps, in order, as commands and sentences. */
  steps: string[];
}

export interface MigrateCheckOptions {
  /** Where KEDA runs (default: found from its operator Deployment, else `keda`). */
  kedaNamespace?: string;
  /** Where Updraft is (to be) installed, and its metrics API Service (the chart's metricsServer.name). */
  updraftNamespace?: string;
  updraftMetricsService?: string;
  now?: () => number;
}

interface Deployment extends KubeObject {
  spec?: { replicas?: number; template?: { spec?: { containers?: Array<{ image?: string }> } } };
}
interface Hpa extends KubeObject {
  spec?: { scaleTargetRef?: { kind?: string; name?: string } };
}
interface ApiService extends KubeObject {
  spec?: { service?: { namespace?: string; name?: string } | null };
  status?: { conditions?: Array<{ type: string; status: string; message?: string }> };
}

const rel = (o: KubeObject) => o.metadata.annotations?.['meta.helm.sh/release-name'];
const relNs = (o: KubeObject) => o.metadata.annotations?.['meta.helm.sh/release-namespace'];
const keep = (o: KubeObject) => o.metadata.annotations?.['helm.sh/resource-policy'] === 'keep';

async function getOrUndefined<T extends KubeObject>(
  client: KubeClient,
  gvr: GroupVersionResource,
  ns: string | undefined,
  name: string,
): Promise<T | undefined> {
  try {
    return await client.get<T>(gvr, ns, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function checkMigration(client: KubeClient, o: MigrateCheckOptions = {}): Promise<MigrationReport> {
  const now = (o.now ?? Date.now)();
  const findings: Finding[] = [];
  const steps: string[] = [];
  const updraftNs = o.updraftNamespace ?? 'updraft';
  const updraftSvc = o.updraftMetricsService ?? 'updraft-operator-metrics-apiserver';

  // 1. KEDA's operator: by the chart's label, else by its name.
  const labelled = (await client.list<Deployment>(GVR.deployments, { labelSelector: 'app.kubernetes.io/name=keda-operator' })).items;
  const byName = labelled.length ? [] : (await client.list<Deployment>(GVR.deployments, { fieldSelector: 'metadata.name=keda-operator' })).items;
  const op = [...labelled, ...byName].find((d) => !o.kedaNamespace || d.metadata.namespace === o.kedaNamespace);
  const kedaNs = o.kedaNamespace ?? op?.metadata.namespace ?? 'keda';
  const image = op?.spec?.template?.spec?.containers?.[0]?.image;
  const keda: MigrationReport['keda'] = op
    ? {
        namespace: op.metadata.namespace,
        deployment: op.metadata.name,
        version: op.metadata.labels?.['app.kubernetes.io/version'] ?? (image?.includes(':') ? image.split(':').pop() : undefined),
        helmRelease: rel(op) ?? op.metadata.labels?.['app.kubernetes.io/instance'],
        helmReleaseNamespace: relNs(op) ?? op.metadata.namespace,
        chart: op.metadata.labels?.['helm.sh/chart'],
        replicas: op.spec?.replicas ?? 1,
      }
    : { namespace: kedaNs };
  const release = keda.helmRelease ?? 'keda';
  const releaseNs = keda.helmReleaseNamespace ?? kedaNs;
  const chartVersion = keda.chart?.replace(/^keda-/, '');
  findings.push(
    op
      ? {
          id: 'keda-operator',
          severity: keda.replicas ? 'action' : 'info',
          summary: `KEDA ${keda.version ?? '(version unknown)'} runs as Deployment ${op.metadata.namespace}/${op.metadata.name} (${keda.replicas} replica${keda.replicas === 1 ? '' : 's'})${keda.helmRelease ? `, Helm release ${releaseNs}/${release}${keda.chart ? ` (chart ${keda.chart})` : ''}` : ', not installed by Helm'}`,
          details: [image ? `image ${image}` : 'no container image found'],
        }
      : {
          id: 'keda-operator',
          severity: 'info',
          summary: 'no KEDA operator Deployment found (label app.kubernetes.io/name=keda-operator or name keda-operator)',
          details: [],
        },
  );

  // 2. The CRDs.
  const crds = await Promise.all(KEDA_CRDS.map((n) => getOrUndefined<KubeObject>(client, GVR.customResourceDefinitions, undefined, n)));
  const present = crds.filter((c): c is KubeObject => !!c);
  const atRisk = present.filter((c) => rel(c) && !keep(c));
  findings.push({
    id: 'crds',
    severity: present.length === 0 ? 'blocker' : atRisk.length ? 'action' : 'ok',
    summary:
      present.length === 0
        ? 'the keda.sh CRDs are not installed: there is nothing to migrate (install Updraft with crds.install=true)'
        : atRisk.length
          ? `${atRisk.length} of ${present.length} keda.sh CRDs belong to Helm release ${rel(atRisk[0])} without helm.sh/resource-policy: keep — \`helm uninstall ${rel(atRisk[0])}\` would delete them and every ScaledObject, ScaledJob and TriggerAuthentication`
          : `the ${present.length} keda.sh CRDs survive uninstalling KEDA (kept or not owned by a Helm release)`,
    details: present
      .map(
        (c) =>
          `${c.metadata.name}: ${rel(c) ? `Helm release ${relNs(c) ?? '?'}/${rel(c)}` : 'not owned by Helm'}, ${keep(c) ? 'resource-policy keep' : 'no keep policy'}`,
      )
      .concat(KEDA_CRDS.filter((_, i) => !crds[i]).map((n) => `${n}: not installed`)),
  });

  // 3. Finalizers on ScaledObjects.
  const sos = present.some((c) => c.metadata.name === 'scaledobjects.keda.sh') ? (await client.listAll(GVR.scaledObjects)).items : [];
  const withFinalizer = sos.filter((s) => s.metadata.finalizers?.includes('finalizer.keda.sh'));
  const deleting = sos.filter((s) => s.metadata.deletionTimestamp);
  findings.push({
    id: 'finalizers',
    severity: deleting.length ? 'action' : 'info',
    summary: `${withFinalizer.length} of ${sos.length} ScaledObjects carry finalizer.keda.sh${deleting.length ? `; ${deleting.length} are being deleted and wait for it` : ''} — Updraft handles the same finalizer, so they stay as they are`,
    details: [
      ...withFinalizer.slice(0, 20).map((s) => `${s.metadata.namespace}/${s.metadata.name}${s.metadata.deletionTimestamp ? ' (deleting)' : ''}`),
      ...(withFinalizer.length > 20 ? [`… ${withFinalizer.length - 20} more`] : []),
    ],
  });

  // 4. The keda-hpa-* HPAs.
  const hpas = (await client.listAll<Hpa>(GVR.hpas)).items.filter((h) => h.metadata.name.startsWith('keda-hpa-'));
  const owner = (h: Hpa) => h.metadata.ownerReferences?.find((r) => r.kind === 'ScaledObject' && r.controller);
  const orphans = hpas.filter((h) => !owner(h) || !sos.some((s) => s.metadata.namespace === h.metadata.namespace && s.metadata.uid === owner(h)?.uid));
  findings.push({
    id: 'hpas',
    severity: orphans.length ? 'action' : 'ok',
    summary: `${hpas.length} keda-hpa-* HPA${hpas.length === 1 ? '' : 's'}${hpas.length ? `, ${hpas.length - orphans.length} owned by a live ScaledObject: Updraft (mode hpa) adopts them as they are — same name and owner, updated in place, no replica change` : ''}${orphans.length ? `; ${orphans.length} without a live owning ScaledObject (left alone by Updraft; delete them if stale)` : ''}`,
    details: hpas.map(
      (h) =>
        `${h.metadata.namespace}/${h.metadata.name} → ${h.spec?.scaleTargetRef?.kind ?? '?'}/${h.spec?.scaleTargetRef?.name ?? '?'}, owner ${owner(h) ? `ScaledObject/${owner(h)?.name}` : 'none'}${h.metadata.labels?.['app.kubernetes.io/managed-by'] ? `, managed-by ${h.metadata.labels['app.kubernetes.io/managed-by']}` : ''}`,
    ),
  });

  // 5. The external metrics APIService.
  const api = await getOrUndefined<ApiService>(client, GVR.apiServices, undefined, EXTERNAL_METRICS_APISERVICE);
  const svc = api?.spec?.service;
  const isUpdraft = svc?.namespace === updraftNs && svc?.name === updraftSvc;
  findings.push({
    id: 'apiservice',
    severity: !api ? 'info' : isUpdraft ? 'ok' : 'action',
    summary: !api
      ? `no ${EXTERNAL_METRICS_APISERVICE} APIService: nothing serves external metrics yet (Updraft's chart registers it in hpa mode)`
      : `${EXTERNAL_METRICS_APISERVICE} points at Service ${svc ? `${svc.namespace}/${svc.name}` : '(local)'}${isUpdraft ? ' (Updraft)' : ''}${rel(api) ? `, owned by Helm release ${relNs(api) ?? '?'}/${rel(api)}` : ''}`,
    details: (api?.status?.conditions ?? []).map((c) => `${c.type}=${c.status}${c.message ? `: ${c.message}` : ''}`),
  });

  // 6. KEDA's Lease.
  const lease = await getOrUndefined<LeaseObject>(client, GVR.leases, kedaNs, KEDA_LEASE_NAME);
  const d = decideKedaLease(lease, now, false);
  findings.push({
    id: 'lease',
    severity: d.act ? 'ok' : 'action',
    summary: lease
      ? `Lease ${kedaNs}/${KEDA_LEASE_NAME}: holder ${d.holder ?? '(none)'}, renewed ${lease.spec?.renewTime ?? 'never'} — ${d.act ? 'not live: Updraft may scale' : 'live: Updraft waits until KEDA stops (or --take-over-from-keda)'}`
      : `no Lease ${kedaNs}/${KEDA_LEASE_NAME}: no KEDA operator is leading`,
    details: lease ? [`leaseDurationSeconds ${lease.spec?.leaseDurationSeconds ?? '?'}`, d.message] : [],
  });

  // The steps, in order.
  if (atRisk.length) {
    steps.push(
      `Keep the CRDs when KEDA is uninstalled (Helm reads the keep policy from the release's stored manifest, so annotating the live CRD is not enough): helm upgrade ${release} kedacore/keda -n ${releaseNs}${chartVersion ? ` --version ${chartVersion}` : ''} --reuse-values --set-string 'crds.additionalAnnotations.helm\\.sh/resource-policy=keep'   then check: helm get manifest ${release} -n ${releaseNs} | grep -c 'resource-policy: keep'   (never set crds.install=false: that upgrade deletes them)`,
    );
  }
  steps.push(
    `Install Updraft next to KEDA without taking over the APIService yet: helm install updraft deploy/helm/updraft -n ${updraftNs} --create-namespace --set crds.install=false --set metricsServer.enabled=true${api && !isUpdraft ? ' --set metricsServer.registerAPIService=false' : ''} --set extraArgs.operator.keda-namespace=${kedaNs}   (Updraft waits while KEDA's Lease is live: nothing changes yet)`,
  );
  if (api && !isUpdraft)
    steps.push(
      `Point the HPAs' external metrics at Updraft (while it waits for KEDA it already answers them, from read-only loops): kubectl patch apiservice ${EXTERNAL_METRICS_APISERVICE} --type merge -p '{"spec":{"service":{"namespace":"${updraftNs}","name":"${updraftSvc}"}}}'   then: kubectl get apiservice ${EXTERNAL_METRICS_APISERVICE} (Available=True) and kubectl get hpa -A (no <unknown> targets)`,
    );
  if (keda.replicas)
    steps.push(
      `Stop KEDA's operator (KEDA does not release its Lease on stop: it expires within its lease duration; Updraft then starts and adopts the keda-hpa-* HPAs without a replica change): kubectl -n ${keda.namespace} scale deployment/${keda.deployment} --replicas=0`,
    );
  steps.push(`Check: updraft explain <scaledobject> -n <ns> for a few objects; kubectl get scaledobjects -A (READY True)`);
  if (op) {
    steps.push(
      `Remove KEDA${api && rel(api) === release && !isUpdraft ? ' (its release owns the APIService: uninstalling deletes it, so upgrade Updraft with metricsServer.registerAPIService=true right after)' : ''}: helm uninstall ${release} -n ${releaseNs}${atRisk.length ? '   (only after the keep step above)' : ''}`,
    );
  }
  steps.push(
    `Roll back (before KEDA is removed): kubectl -n ${updraftNs} scale deployment/updraft-operator --replicas=0; kubectl patch apiservice ${EXTERNAL_METRICS_APISERVICE} back to ${svc ? `${svc.namespace}/${svc.name}` : "KEDA's metrics Service"}; kubectl -n ${keda.namespace ?? kedaNs} scale deployment/${keda.deployment ?? 'keda-operator'} --replicas=${keda.replicas || 1} — KEDA adopts the same HPAs and finalizers`,
  );

  return { readAt: new Date(now).toISOString(), keda, findings, steps };
}

const MARK: Record<Severity, string> = { ok: 'ok     ', info: 'info   ', action: 'ACTION ', blocker: 'BLOCKER' };

export function renderMigrationReport(r: MigrationReport): string {
  const out: string[] = ['Findings:'];
  for (const f of r.findings) {
    out.push(`  ${MARK[f.severity]} [${f.id}] ${f.summary}`);
    for (const d of f.details) out.push(`            ${d}`);
  }
  out.push('', 'Steps:');
  r.steps.forEach((s, i) => out.push(`  ${i + 1}. ${s}`));
  out.push('', 'Details: docs/migrate-from-keda.md');
  return out.join('\n');
}

export function register(program: Command): void {
  const migrate = program.command('migrate');
  migrate
    .command('check')
    .description(
      'read the cluster (KEDA operator, CRDs, finalizers, keda-hpa-* HPAs, APIService, KEDA Lease) and print the steps to switch to Updraft; changes nothing',
    )
    .option('--kubeconfig <file>', 'kubeconfig file (default: in-cluster config, then $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('--keda-namespace <ns>', "KEDA's namespace (default: its operator Deployment's, else keda)")
    .option('--updraft-namespace <ns>', 'where Updraft is (to be) installed', 'updraft')
    .option('--updraft-metrics-service <name>', "Updraft's metrics API Service (the chart's metricsServer.name)", 'updraft-operator-metrics-apiserver')
    .option('-o, --output <format>', "'text' or 'json'", 'text')
    .action(
      async (opts: {
        kubeconfig?: string;
        context?: string;
        kedaNamespace?: string;
        updraftNamespace: string;
        updraftMetricsService: string;
        output: string;
      }) => {
        if (opts.output !== 'text' && opts.output !== 'json') throw new Error(`--output must be 'text' or 'json', got '${opts.output}'`);
        const client = await KubeClient.fromEnvironment({ kubeconfig: opts.kubeconfig, context: opts.context });
        const report = await checkMigration(client, {
          kedaNamespace: opts.kedaNamespace,
          updraftNamespace: opts.updraftNamespace,
          updraftMetricsService: opts.updraftMetricsService,
        });
        process.stdout.write(opts.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : `${renderMigrationReport(report)}\n`);
        if (report.findings.some((f) => f.severity === 'blocker')) process.exitCode = 2;
      },
    );
}
