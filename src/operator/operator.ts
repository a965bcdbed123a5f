// `updraft operator`: wires the informers, the work queue, the ScaledObject controller, the one shared
// scheduler, leader election, and the servers (external metrics API, Prometheus /metrics, health probes).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KEDA_COMPAT_VERSION } from '../api/build-info.ts';
import type { CertRotator, CertRotationOptions } from './cert-rotation.ts';
import { ClusterObjectSource } from './cluster-object-source.ts';
import { operatorDashboardSource } from './dashboard-source.ts';
import { GVR, isNotFound, type KubeClient, type KubeObject } from '../kube/client.ts';
import { EventRecorder } from '../kube/events.ts';
import { LeaderElector } from '../kube/leader-election.ts';
import { ListWatch, withoutManagedFields } from '../kube/list-watch.ts';
import { cachedHpa } from './hpa.ts';
import { PodWatchers } from '../runtime/pod-watcher.ts';
import { WorkloadWatch } from '../targets/workload-watch.ts';
import { ReadingsCache } from '../runtime/readings-cache.ts';
import type { ScalingMode } from '../runtime/object-runner.ts';
import { Scheduler } from '../runtime/scheduler.ts';
import { ExternalMetricError, startExternalMetricsServer, type ExternalMetricsProvider, type RunningServer } from '../servers/external-metrics.ts';
import { startAdmissionWebhookServer } from '../servers/admission-webhook.ts';
import type { LiveCertificate } from '../servers/serving-tls.ts';
import { createRegistry, startMetricsServer, startProbeServer } from '../servers/prometheus-metrics.ts';
import { OperatorMetrics, type ResourceType } from '../servers/keda-metrics.ts';
// The optional parts below (OTLP exporter, OTLP receivers, certificate rotation) are imported when enabled, so an
// operator without them never loads OpenTelemetry, protobufjs, gRPC or @peculiar/x509 (a faster start).
import type { OtlpReceiver } from '../servers/otlp-receiver.ts';
import type { OtlpGrpcReceiver, OtlpGrpcReceiverOptions } from '../servers/otlp-grpc-receiver.ts';
import { sharedOtlpMetricStore } from '../scalers/common/otlp-metric-store.ts';
import { KEDA_LEASE_NAME, KedaLeaseGuard } from './keda-lease-guard.ts';
import { fanOut, prometheusBackend } from '../servers/metric-families.ts';
import { DashboardHistory, kubernetesDashboardAuth, startDashboardServer, type RunningDashboard } from '../servers/dashboard-server.ts';
import { clusterLookups, KedaAdmissionValidator } from './admission-validator.ts';
import { loadRequestHeaderConfig, subjectAccessReviewAuthorizer } from '../servers/request-header-auth.ts';
import { ScaledJobController } from './scaled-job-controller.ts';
import { TriggerAuthTracker } from './trigger-auth-status.ts';
import { ScaledObjectController, type Logger } from './scaled-object-controller.ts';
import { WorkQueue } from './work-queue.ts';

/** Where a TLS server of the operator listens, and its serving certificate files. */
export interface TlsListenOptions {
  port: number;
  host?: string;
  certFile: string;
  keyFile: string;
  minTlsVersion?: 'TLSv1.2' | 'TLSv1.3';
}

/** The server options; with the operator's own certificate rotation the files are not read (`live`). */
function tlsListen(t: TlsListenOptions, live?: LiveCertificate) {
  return { port: t.port, host: t.host, certificate: live ? { live } : { certFile: t.certFile, keyFile: t.keyFile }, minTlsVersion: t.minTlsVersion };
}

export interface OperatorOptions {
  client: KubeClient;
  log: Logger;
  /** Namespace of the operator (Lease, cluster trigger-auth secrets). */
  namespace: string;
  /** KEDA's --filepath-auth-root-path: where ClusterTriggerAuthentication `filePath` is read below; unset disables it. */
  filePathAuthRoot?: string;
  defaultMode: ScalingMode;
  /** Run without leader election (a single replica). */
  leaderElection: boolean;
  leaseName?: string;
  identity?: string;
  watchNamespaces?: string[];
  watchLabelSelector?: string;
  /** WATCH_LABEL_SELECTOR_FOR_TRIGGERAUTH: label selector of the (Cluster)TriggerAuthentication watches (KEDA `cmd/operator/main.go` cache options). */
  watchLabelSelectorForTriggerAuth?: string;
  /** KEDA_RESTRICT_SECRET_ACCESS=true: read every Secret from `namespace` only (ClusterObjectSource). */
  restrictSecretAccess?: boolean;
  /** Prometheus /metrics (also answers /healthz, /readyz); 0 picks a free port, undefined disables. */
  metricsPort?: number;
  metricsHost?: string;
  /** A separate port for the kubelet's /healthz and /readyz probes (the chart's `probes` port); undefined disables. */
  healthPort?: number;
  healthHost?: string;
  /** The validating admission webhook, served by the same process (the chart's `webhook` port). */
  webhook?: TlsListenOptions & { strictTriggers?: boolean };
  /** The external metrics API (aggregated API server); undefined disables it (direct mode only). */
  externalMetrics?: TlsListenOptions;
  /**
   * KEDA's --enable-cert-rotation (cert-rotation.ts): the operator keeps its CA and serving certificate in this
   * Secret, renews them, patches the caBundles, and serves them to the metrics API and the webhook instead of the
   * certificate files. Only the leader rotates and patches.
   */
  certRotation?: Omit<CertRotationOptions, 'client' | 'log' | 'isLeader'>;
  /** The read-only dashboard (docs/dashboard.md): callers authenticated by TokenReview, objects filtered by SubjectAccessReview; undefined disables it. */
  dashboard?: { port: number; host?: string };
  version?: string;
  /** KEDA's --enable-opentelemetry-metrics: also push the operator's metrics over OTLP (OTEL_EXPORTER_OTLP_* from `env`, default process.env). */
  openTelemetryMetrics?: boolean | { env?: Record<string, string | undefined> };
  /** The keda_build_info git_commit label. */
  gitCommit?: string;
  /** KEDA's --enable-high-cardinality-metrics-labels: keda_scaler_http_request_duration_seconds by object, trigger and metric too. */
  highCardinalityMetricsLabels?: boolean;
  /**
   * The OTLP/HTTP receiver (`POST /v1/metrics`) `opentelemetry` triggers read: a Collector gateway or SDKs push to
   * it. With `token`, a push must carry `Authorization: Bearer <token>` (else 401). A replica that is not
   * scaling (a standby, or waiting for KEDA) answers 503 naming why; undefined disables the receiver.
   */
  otlpReceiver?: { port: number; host?: string; token?: () => string | undefined };
  /**
   * The OTLP/gRPC receiver (MetricsService/Export, servers/otlp-grpc-receiver.ts) beside it: the same store, the
   * same bearer token (metadata `authorization`), UNAVAILABLE naming why on a replica that is not scaling; TLS
   * (and mTLS with a CA) optional. Undefined disables it.
   */
  otlpGrpcReceiver?: { port: number; host?: string; token?: () => string | undefined; tls?: OtlpGrpcReceiverOptions['tls'] };
  /**
   * KEDA's operator Lease (`operator.keda.sh` in `namespace`, default this operator's namespace): while a KEDA
   * operator holds and renews it, do not reconcile or scale (retry every `retryMs`), unless `takeOver`
   * (--take-over-from-keda). `false` skips the check.
   */
  kedaLease?: false | { namespace?: string; takeOver?: boolean; retryMs?: number };
  /**
   * Concurrent ScaledObject reconciles (KEDA_SCALEDOBJECT_CTRL_MAX_RECONCILES). Default 50, not KEDA's 5: a
   * reconcile here waits on the API server without holding a thread, and the API budget (--kube-api-qps) is what
   * bounds the requests; at KEDA's 5, 10,000 new objects take minutes to become Ready.
   */
  maxReconciles?: number;
  /** Concurrent ScaledJob reconciles (KEDA_SCALEDJOB_CTRL_MAX_RECONCILES). Default 5 (KEDA's 1), for the same reason. */
  maxJobReconciles?: number;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface RunningOperator {
  controller: ScaledObjectController;
  /** The pod watches kubernetes-workload triggers share (one per namespace and selector). */
  podWatches: PodWatchers;
  isLeader(): boolean;
  metricsApiPort?: number;
  metricsPort?: number;
  healthPort?: number;
  webhookPort?: number;
  dashboardPort?: number;
  otlpReceiverPort?: number;
  otlpGrpcReceiverPort?: number;
  /** True while a live KEDA operator holds its Lease and this operator waits (keda-lease-guard.ts). */
  waitingForKeda(): boolean;
  /** The operator-managed certificates, when certRotation is on. */
  certRotation?: CertRotator;
  stop(): Promise<void>;
}

/**
 * KEDA's update predicates: the spec generation, annotations (pause, force-activation, mode), deletion or
 * finalizers changed — and for ScaledObjects the labels (the scaledobject.keda.sh/name label is ours to keep).
 * Status-only updates are skipped.
 */
function needsReconcile(a: KubeObject, b: KubeObject, opts: { labels: boolean }): boolean {
  const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);
  return (
    a.metadata.generation !== b.metadata.generation ||
    !same(a.metadata.annotations, b.metadata.annotations) ||
    (opts.labels && !same(a.metadata.labels, b.metadata.labels)) ||
    a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp ||
    !same(a.metadata.finalizers, b.metadata.finalizers)
  );
}

export async function startOperator(o: OperatorOptions): Promise<RunningOperator> {
  // Without the keda.sh CRDs there is nothing to watch: say so and how to fix it, instead of waiting on a watch.
  try {
    await o.client.list(GVR.scaledObjects, { namespace: o.watchNamespaces?.find((n) => n), limit: 1 });
  } catch (err) {
    if (isNotFound(err))
      throw new Error(
        'the keda.sh/v1alpha1 CRDs are not installed (no scaledobjects resource on the API server); install them with `kubectl apply -f deploy/crds/` or the Helm chart (crds.install: true)',
      );
    throw err;
  }
  const scheduler = new Scheduler({
    onError: (key, err) => o.log.error({ key, error: (err as Error).message }, 'scale loop iteration failed'),
    onLateness: (key, ms) => metrics.loopLateness(key, ms),
  });
  const cache = new ReadingsCache();
  cache.onChange((key, reading) => metrics.sourceRead(key, reading));
  const events = new EventRecorder(o.client, { component: 'keda-operator', onError: (err) => o.log.warn({ error: err.message }, 'event write failed') });
  const source = new ClusterObjectSource(o.client, {
    filePathAuthRoot: o.filePathAuthRoot,
    restrictSecretsToNamespace: o.restrictSecretAccess ? o.namespace : undefined,
  });
  // kubernetes-workload triggers: one pod watch per (namespace, selector), shared, stopped with its last trigger.
  // Deployments and StatefulSets (replicas, pod template env sources) from one watch each, as KEDA's informer cache.
  const workloads = new WorkloadWatch(o.client, { namespaces: o.watchNamespaces });
  const podWatches = new PodWatchers(o.client, {
    onError: (namespace, labelSelector, err) => o.log.warn({ namespace, labelSelector, error: err.message }, 'pod watch interrupted; resuming'),
  });
  // keda_build_info's version label and the HPAs' app.kubernetes.io/version, as `updraft --version` prints it.
  const version = o.version ?? KEDA_COMPAT_VERSION;
  // The operator's metrics (KEDA's and Updraft's): Prometheus /metrics, and OTLP with --enable-opentelemetry-metrics.
  const registry = createRegistry({ defaultMetrics: true });
  const otel = o.openTelemetryMetrics
    ? (await import('../servers/keda-otel-metrics.ts')).startOtelMetrics({
        version,
        ...(typeof o.openTelemetryMetrics === 'object' ? o.openTelemetryMetrics : {}),
      })
    : undefined;
  if (otel) o.log.info({ endpoint: otel.endpoint, protocol: otel.protocol, intervalMs: otel.intervalMs }, 'exporting metrics over OTLP');
  const metrics = new OperatorMetrics(fanOut([prometheusBackend(registry), ...(otel ? [otel.backend] : [])]), {
    version,
    gitCommit: o.gitCommit,
    highCardinalityLabels: o.highCardinalityMetricsLabels,
  });
  let leading = !o.leaderElection;
  // One work queue per kind; only the leader reconciles (a standby keeps its caches warm).
  const workQueue = (reconcile: (key: string) => Promise<void>, what: string, concurrency: number) =>
    new WorkQueue((key) => (leading ? reconcile(key) : Promise.resolve()), {
      concurrency,
      onError: (key, err, attempt) => o.log.warn({ key, attempt, error: (err as Error).message }, `${what} reconcile failed; retrying with backoff`),
    });
  const keyOf = (obj: KubeObject) => `${obj.metadata.namespace}/${obj.metadata.name}`;

  // The dashboard's memory of every poll (a bounded ring per object), fed beside the metrics by the controllers' poll hook.
  const dashboardHistory = o.dashboard ? new DashboardHistory() : undefined;
  const soWatch = new ListWatch<KubeObject>(o.client, {
    gvr: GVR.scaledObjects,
    namespaces: o.watchNamespaces,
    labelSelector: o.watchLabelSelector,
    transform: withoutManagedFields,
  });
  const controller = new ScaledObjectController({
    client: o.client,
    events,
    scheduler,
    cache,
    source,
    log: o.log,
    defaultMode: o.defaultMode,
    version,
    clusterObjectNamespace: o.namespace,
    podWatcher: podWatches.watcher,
    scalerTelemetry: metrics,
    getCached: (ns, name) => soWatch.get(ns, name),
    // ensureHpa and HPAActive read the HPA from the watch once it has listed (KEDA's client reads it from the informer cache).
    hpaFromCache: (ns, name) => (hpaWatch.hasSynced() ? (hpaWatch.get(ns, name) ?? null) : undefined),
    workloads,
    metrics: dashboardHistory ? { scaledObjectPolled: (...a) => (metrics.scaledObjectPolled(...a), dashboardHistory.scaledObjectPolled(...a)) } : metrics,
    requeue: (key) => queue.add(key),
  });
  const queue = workQueue((key) => controller.reconcile(key), 'ScaledObject', o.maxReconciles ?? 50);
  const enqueue = (obj: KubeObject) => queue.add(keyOf(obj));
  soWatch.on({
    onAdd: enqueue,
    onUpdate: (a, b) => {
      controller.observed(b);
      if (needsReconcile(a, b, { labels: true })) enqueue(b);
    },
    onDelete: enqueue,
    onError: (err, what) => o.log.warn({ what, error: err.message }, 'ScaledObject watch interrupted; resuming'),
  });

  // ScaledJobs: their own watch, queue and controller; the same shared scheduler runs their poll loops.
  const sjWatch = new ListWatch<KubeObject>(o.client, {
    gvr: GVR.scaledJobs,
    namespaces: o.watchNamespaces,
    labelSelector: o.watchLabelSelector,
    transform: withoutManagedFields,
  });
  const jobController = new ScaledJobController({
    client: o.client,
    events,
    scheduler,
    cache,
    source,
    log: o.log,
    version,
    clusterObjectNamespace: o.namespace,
    podWatcher: podWatches.watcher,
    scalerTelemetry: metrics,
    getCached: (ns, name) => sjWatch.get(ns, name),
    metrics: dashboardHistory ? { scaledJobPolled: (...a) => (metrics.scaledJobPolled(...a), dashboardHistory.scaledJobPolled(...a)) } : metrics,
  });
  const jobQueue = workQueue((key) => jobController.reconcile(key), 'ScaledJob', o.maxJobReconciles ?? 5);
  const enqueueJob = (obj: KubeObject) => jobQueue.add(keyOf(obj));
  sjWatch.on({
    onAdd: enqueueJob,
    onUpdate: (a, b) => (needsReconcile(a, b, { labels: false }) ? enqueueJob(b) : undefined),
    onDelete: enqueueJob,
    onError: (err) => o.log.warn({ error: err.message }, 'ScaledJob watch interrupted; resuming'),
  });
  // Owned HPAs: a manual edit or deletion is reverted by reconciling the owner (KEDA watches owned HPAs too), and
  // a change of the HPA's ScalingActive condition updates the owner's HPAActive at once (KEDA reads it each poll).
  const hpaWatch = new ListWatch<KubeObject>(o.client, { gvr: GVR.hpas, namespaces: o.watchNamespaces, transform: cachedHpa });
  const ownerOf = (hpa: KubeObject) => {
    const ref = hpa.metadata.ownerReferences?.find((r) => r.kind === 'ScaledObject' && r.controller);
    if (ref) queue.add(`${hpa.metadata.namespace}/${ref.name}`);
  };
  const scalingActive = (hpa: KubeObject) => {
    const c = (hpa as { status?: { conditions?: Array<{ type: string; status?: string; reason?: string; message?: string }> } }).status?.conditions?.find(
      (x) => x.type === 'ScalingActive',
    );
    return c ? `${c.status}/${c.reason}/${c.message}` : '';
  };
  hpaWatch.on({
    onUpdate: (a, b) =>
      a.metadata.resourceVersion !== b.metadata.resourceVersion && (JSON.stringify(a.spec) !== JSON.stringify(b.spec) || scalingActive(a) !== scalingActive(b))
        ? ownerOf(b)
        : undefined,
    onDelete: ownerOf,
    onError: (err) => o.log.warn({ error: err.message }, 'HPA watch interrupted; resuming'),
  });

  // TriggerAuthentications and ClusterTriggerAuthentications: a change rebuilds the scalers of every ScaledObject
  // that references it (KEDA reconciles those objects too), so fixed credentials apply without touching them.
  const authChanged = (kind: 'TriggerAuthentication' | 'ClusterTriggerAuthentication') => (obj: KubeObject) => {
    for (const so of soWatch.list()) {
      if (kind === 'TriggerAuthentication' && so.metadata.namespace !== obj.metadata.namespace) continue;
      const triggers = (so as { spec?: { triggers?: Array<{ authenticationRef?: { name?: string; kind?: string } }> } }).spec?.triggers ?? [];
      if (!triggers.some((t) => t.authenticationRef?.name === obj.metadata.name && (t.authenticationRef.kind ?? 'TriggerAuthentication') === kind)) continue;
      const key = keyOf(so);
      controller.invalidate(key);
      queue.add(key);
    }
  };
  // status.scaledobjects / status.scaledjobs and the (Cluster)TriggerAuthentication Events (trigger-auth-status.ts).
  const authTracker = new TriggerAuthTracker({
    client: o.client,
    events,
    log: o.log,
    isLeader: () => leading,
    scaledObjects: () => soWatch.list(),
    scaledJobs: () => sjWatch.list(),
    auths: (kind) => authWatches[kind === 'TriggerAuthentication' ? 0 : 1]?.list() ?? [],
  });
  const authWatches = (['TriggerAuthentication', 'ClusterTriggerAuthentication'] as const).map((kind) => {
    const w = new ListWatch<KubeObject>(o.client, {
      gvr: kind === 'TriggerAuthentication' ? GVR.triggerAuthentications : GVR.clusterTriggerAuthentications,
      namespaces: kind === 'TriggerAuthentication' ? o.watchNamespaces : undefined,
      labelSelector: o.watchLabelSelectorForTriggerAuth,
    });
    const changed = authChanged(kind);
    w.on({
      onUpdate: (a, b) =>
        a.metadata.generation !== b.metadata.generation || JSON.stringify((a as { spec?: unknown }).spec) !== JSON.stringify((b as { spec?: unknown }).spec)
          ? changed(b)
          : undefined,
      onAdd: changed,
      onDelete: changed,
      onError: (err) => o.log.warn({ kind, error: err.message }, `${kind} watch interrupted; resuming`),
    });
    w.on({
      onAdd: (obj) => authTracker.added(kind, obj),
      onUpdate: (a, b) => authTracker.updated(kind, a, b),
      onDelete: (obj) => authTracker.deleted(kind, obj),
    });
    return w;
  });
  for (const w of [soWatch, sjWatch])
    w.on({ onAdd: () => authTracker.schedule(), onUpdate: () => authTracker.schedule(), onDelete: () => authTracker.schedule() });

  // keda_resource_registered_total, keda_trigger_registered_total, keda_scaled_object_paused from the watches.
  const registrations = (w: ListWatch<KubeObject>, type: ResourceType) =>
    w.on({
      onAdd: (obj) => metrics.resourceChanged(type, obj),
      onUpdate: (_, obj) => metrics.resourceChanged(type, obj),
      onDelete: (obj) => metrics.resourceChanged(type, obj, true),
    });
  registrations(soWatch, 'scaled_object');
  registrations(sjWatch, 'scaled_job');
  authWatches.forEach((w, i) => registrations(w, i === 0 ? 'trigger_authentication' : 'cluster_trigger_authentication'));

  const requeueAll = () => {
    authTracker.schedule();
    for (const obj of soWatch.list()) enqueue(obj);
    for (const obj of sjWatch.list()) enqueueJob(obj);
  };

  let elector: LeaderElector | undefined;
  let certRotator: CertRotator | undefined;
  let stopping = false;
  const startWatches = () => {
    soWatch.start();
    sjWatch.start();
    hpaWatch.start();
    workloads.start();
    for (const w of authWatches) w.start();
  };
  if (o.leaderElection) {
    elector = new LeaderElector(o.client, {
      namespace: o.namespace,
      name: o.leaseName ?? 'operator.updraft.dev',
      identity: o.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`,
      leaseDurationMs: o.leaseDurationMs,
      renewDeadlineMs: o.renewDeadlineMs,
      retryPeriodMs: o.retryPeriodMs,
      onStartedLeading: () => {
        leading = true;
        o.log.info({}, 'became leader; starting scale loops');
        certRotator?.leadershipChanged();
        void controller.closeStandby();
        requeueAll();
      },
      onStoppedLeading: () => {
        leading = false;
        // A graceful stop releases the Lease on purpose: that is not a lost leadership.
        if (stopping) o.log.info({}, 'released leadership on stop');
        else o.log.warn({}, 'lost leadership; stopping scale loops');
        void controller.stopAll();
        void jobController.stopAll();
      },
      onError: (err) => o.log.warn({ error: err.message }, 'leader election attempt failed'),
    });
  }
  // A KEDA operator still running (its Lease held and renewed): scale nothing until it stops (keda-lease-guard.ts),
  // checked before the watches start so no reconcile runs first. Not when this operator's own Lease is KEDA's.
  const kedaNamespace = (o.kedaLease !== false ? o.kedaLease?.namespace : undefined) ?? o.namespace;
  const ownLeaseIsKedas = o.leaderElection && o.leaseName === KEDA_LEASE_NAME && kedaNamespace === o.namespace;
  const kedaGuard =
    o.kedaLease === false || ownLeaseIsKedas
      ? undefined
      : new KedaLeaseGuard({
          client: o.client,
          namespace: kedaNamespace,
          takeOver: o.kedaLease?.takeOver ?? false,
          retryMs: o.kedaLease?.retryMs,
          log: o.log,
          events,
        });
  const kedaGate = kedaGuard ? await kedaGuard.check() : undefined;
  if (kedaGate) kedaGuard?.report(kedaGate);
  let waitingForKeda = kedaGate !== undefined && !kedaGate.act;
  if (waitingForKeda) leading = false;
  startWatches();
  await soWatch.waitForSync(60_000);
  // Before the first reconciles, so they read targets from the watch rather than each with two GETs. Without it
  // (RBAC without list/watch on apps), targets are read with requests, as before.
  await workloads
    .waitForSync(30_000)
    .catch((err: Error) => o.log.warn({ error: err.message }, 'Deployment/StatefulSet watch not synced; reading targets directly'));
  // Likewise the HPAs: once listed, the reconciles create or compare them without a GET each.
  await hpaWatch.waitForSync(30_000).catch((err: Error) => o.log.warn({ error: err.message }, 'HPA watch not synced; reading HPAs directly'));
  if (!waitingForKeda) {
    elector?.start();
    if (!o.leaderElection) requeueAll();
  } else {
    void kedaGuard?.waitUntilClear().then(() => {
      if (stopping) return;
      waitingForKeda = false;
      o.log.info({}, 'KEDA operator no longer holds its Lease; starting');
      elector?.start();
      if (!o.leaderElection) {
        leading = true;
        requeueAll();
      }
    });
  }

  // The external metrics API: answers from the running loops (only the leader has them; readiness says so, so
  // the Service routes HPA requests to the leader).
  const provider: ExternalMetricsProvider = {
    async getMetric(namespace, soName, metricName) {
      // The leader answers from its scale loops; a standby from a runner of its own that never scales.
      const runner = controller.runner(namespace, soName) ?? (leading ? undefined : await controller.standbyRunner(namespace, soName));
      if (!runner) throw new ExternalMetricError(404, `ScaledObject ${namespace}/${soName} is not ready (no scale loop running)`);
      const answer = await runner.metricValue(metricName);
      if (!answer.ok) throw new ExternalMetricError(500, answer.error);
      return [{ metricName, value: answer.value, metricLabels: {} }];
    },
  };
  let metricsApi: RunningServer | undefined;
  let webhook: { port: number; close(): Promise<void> } | undefined;
  let metricsServer: { port: number; close(): Promise<void> } | undefined;
  let healthServer: { port: number; close(): Promise<void> } | undefined;
  let dashboard: RunningDashboard | undefined;
  let otlpReceiver: OtlpReceiver | undefined;
  let otlpReceiverPort: number | undefined;
  let otlpGrpcReceiver: OtlpGrpcReceiver | undefined;
  let otlpGrpcReceiverPort: number | undefined;
  const stopAll = async () => {
    stopping = true;
    kedaGuard?.stop();
    await queue.stop();
    await jobQueue.stop();
    await soWatch.stop();
    await sjWatch.stop();
    await hpaWatch.stop();
    await workloads.stop();
    for (const w of authWatches) await w.stop();
    await authTracker.stop();
    await controller.stopAll({ flush: leading });
    await jobController.stopAll();
    await podWatches.stop();
    await scheduler.stop();
    await elector?.stop({ release: true });
    await events.flush();
    await metricsApi?.close();
    await metricsServer?.close();
    await healthServer?.close();
    await webhook?.close();
    await dashboard?.close();
    await certRotator?.stop();
    await otlpReceiver?.close();
    await otlpGrpcReceiver?.close();
    await otel?.shutdown().catch(() => undefined);
  };
  // A port that cannot be bound stops the operator with an error naming the server (not a process that runs on
  // without its metrics API or webhook): everything started so far is stopped first.
  let binding = '';
  try {
    if (o.certRotation && (o.externalMetrics || o.webhook)) {
      binding = `certificate rotation (Secret ${o.namespace}/${o.certRotation.secretName})`;
      const { CertRotator } = await import('./cert-rotation.ts');
      certRotator = new CertRotator({ ...o.certRotation, client: o.client, log: o.log, isLeader: () => leading });
      await certRotator.start();
    }
    if (o.externalMetrics) {
      binding = `the external metrics API (port ${o.externalMetrics.port})`;
      metricsApi = await startExternalMetricsServer({
        ...tlsListen(o.externalMetrics, certRotator?.certificate),
        requestHeader: await loadRequestHeaderConfig(o.client),
        // As KEDA's metrics server: the caller the front-proxy names must be allowed to read the metric (RBAC,
        // through a SubjectAccessReview; the chart binds system:auth-delegator), answers cached 10 s.
        authorize: subjectAccessReviewAuthorizer(o.client),
        provider,
        registry,
        ready: () => soWatch.hasSynced(),
        onRequestError: (info) => o.log.warn({ ...info }, 'external metrics request failed'),
      });
    }
    if (o.webhook) {
      binding = `the admission webhook (port ${o.webhook.port})`;
      webhook = await startAdmissionWebhookServer({
        ...tlsListen(o.webhook, certRotator?.certificate),
        validator: new KedaAdmissionValidator(clusterLookups(o.client), { strictTriggers: o.webhook.strictTriggers ?? false }),
        registry,
        onDecision: (req, result) => {
          metrics.webhookDecision(req, result);
          if (!result.allowed)
            o.log.info({ kind: req.kind, namespace: req.namespace, name: req.name, operation: req.operation, message: result.message }, 'admission denied');
        },
      });
    }
    if (o.dashboard && dashboardHistory) {
      binding = `the dashboard (port ${o.dashboard.port})`;
      const forget = (kind: 'ScaledObject' | 'ScaledJob') => (obj: KubeObject) =>
        dashboardHistory.remove(kind, obj.metadata.namespace ?? '', obj.metadata.name);
      soWatch.on({ onDelete: forget('ScaledObject') });
      sjWatch.on({ onDelete: forget('ScaledJob') });
      dashboard = await startDashboardServer({
        port: o.dashboard.port,
        host: o.dashboard.host ?? '127.0.0.1',
        history: dashboardHistory,
        auth: kubernetesDashboardAuth(o.client),
        title: 'Updraft operator',
        source: operatorDashboardSource({
          client: o.client,
          scaledObjects: () => soWatch.list(),
          scaledJobs: () => sjWatch.list(),
          modeOf: (ns, name) => controller.runner(ns, name)?.mode,
          defaultMode: o.defaultMode,
        }),
        onError: (info) => (info.code >= 500 ? o.log.warn({ ...info }, 'dashboard request failed') : undefined),
      });
    }
    // The process's shared store: the `opentelemetry` scalers of the scale loops read it and are woken by a push.
    // A standby's store feeds no scale loop, so it refuses (HTTP 503 / gRPC UNAVAILABLE, both retried by exporters)
    // rather than forwarding: the retry, on a new connection, reaches the leader through the Service.
    const otlpRefusing = () =>
      waitingForKeda
        ? `this Updraft replica is not scaling while a KEDA operator holds Lease ${kedaNamespace}/${KEDA_LEASE_NAME} (see docs/migrate-from-keda.md)`
        : leading
          ? undefined
          : 'this Updraft replica is a standby (not the leader); retry: the Service routes the retry to the leader';
    if (o.otlpReceiver) {
      binding = `the OTLP receiver (port ${o.otlpReceiver.port})`;
      const { OtlpReceiver } = await import('../servers/otlp-receiver.ts');
      otlpReceiver = new OtlpReceiver({
        store: sharedOtlpMetricStore(),
        port: o.otlpReceiver.port,
        host: o.otlpReceiver.host ?? '0.0.0.0',
        token: o.otlpReceiver.token,
        refusing: otlpRefusing,
      });
      otlpReceiverPort = (await otlpReceiver.start()).port;
    }
    if (o.otlpGrpcReceiver) {
      binding = `the OTLP/gRPC receiver (port ${o.otlpGrpcReceiver.port})`;
      const { OtlpGrpcReceiver } = await import('../servers/otlp-grpc-receiver.ts');
      otlpGrpcReceiver = new OtlpGrpcReceiver({
        store: sharedOtlpMetricStore(),
        port: o.otlpGrpcReceiver.port,
        host: o.otlpGrpcReceiver.host ?? '0.0.0.0',
        token: o.otlpGrpcReceiver.token,
        tls: o.otlpGrpcReceiver.tls,
        refusing: otlpRefusing,
      });
      otlpGrpcReceiverPort = (await otlpGrpcReceiver.start()).port;
    }
    // Ready once the ScaledObject cache has synced; every replica is ready (the metrics API answers 503 on a
    // non-leader, which the HPA retries on its next sync).
    const ready = () => soWatch.hasSynced();
    binding = `the /metrics server (port ${o.metricsPort})`;
    if (o.metricsPort !== undefined) metricsServer = await startMetricsServer({ port: o.metricsPort, host: o.metricsHost, registry, ready });
    binding = `the health probe server (port ${o.healthPort})`;
    if (o.healthPort !== undefined) healthServer = await startProbeServer({ port: o.healthPort, host: o.healthHost, ready });
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw new Error(`cannot start ${binding}: ${err instanceof Error ? err.message : String(err)}`);
  }

  return {
    controller,
    podWatches,
    isLeader: () => leading,
    metricsApiPort: metricsApi?.port,
    metricsPort: metricsServer?.port,
    healthPort: healthServer?.port,
    webhookPort: webhook?.port,
    dashboardPort: dashboard?.port,
    otlpReceiverPort,
    otlpGrpcReceiverPort,
    waitingForKeda: () => waitingForKeda,
    certRotation: certRotator,
    async stop() {
      await stopAll();
    },
  };
}
