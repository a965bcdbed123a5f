// The validating admission webhook (admission.k8s.io/v1 AdmissionReview) on node:https, at KEDA's paths
// (KEDA `apis/keda/v1alpha1/*_webhook.go`). The HTTP layer only decodes the review, skips what KEDA skips (DELETE; updates that only remove
// finalizers), and asks a validator — the object model's validation plus cluster checks, wired by the operator.
// Denials are answered like controller-runtime's `admission.Denied`: allowed=false, code 403, the message shown
// by kubectl as `admission webhook "..." denied the request: <message>`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, type Registry } from 'prom-client';
import { deepEqual } from '../kube/merge-patch.ts';
import { handleProbe, requestMetrics, type ReadyCheck } from './prometheus-metrics.ts';
import { createTlsServer, type ServingCertificate } from './serving-tls.ts';

export type AdmissionKind =
  | 'ScaledObject'
  | 'ScaledJob'
  | 'TriggerAuthentication'
  | 'ClusterTriggerAuthentication'
  | 'CloudEventSource'
  | 'ClusterCloudEventSource';

/** KEDA's webhook paths (kubebuilder markers in apis/*_webhook.go). */
export const WEBHOOK_PATHS: Record<string, AdmissionKind> = {
  '/validate-keda-sh-v1alpha1-scaledobject': 'ScaledObject',
  '/validate-keda-sh-v1alpha1-scaledjob': 'ScaledJob',
  '/validate-keda-sh-v1alpha1-triggerauthentication': 'TriggerAuthentication',
  '/validate-keda-sh-v1alpha1-clustertriggerauthentication': 'ClusterTriggerAuthentication',
  '/validate-eventing-keda-sh-v1alpha1-cloudeventsource': 'CloudEventSource',
  '/validate-eventing-keda-sh-v1alpha1-clustercloudeventsource': 'ClusterCloudEventSource',
};

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionRequestInfo {
  uid: string;
  /** From the path (what the webhook is registered for). */
  kind: AdmissionKind;
  operation: AdmissionOperation;
  namespace: string;
  name: string;
  /** The raw new object (JSON as sent); the validator parses it. */
  object: unknown;
  oldObject: unknown;
  dryRun: boolean;
  user: { username?: string; groups?: string[] };
}

export interface ValidationResult {
  allowed: boolean;
  /** Why it was denied: names the object, the field and the fix. */
  message?: string;
  /** Short machine reason (KEDA's metric label, e.g. `incorrect-replicas`). */
  reason?: string;
  warnings?: string[];
}

export interface AdmissionValidator {
  validate(request: AdmissionRequestInfo): ValidationResult | Promise<ValidationResult>;
}

export interface AdmissionWebhookServerOptions {
  port: number;
  host?: string;
  certificate: ServingCertificate;
  minTlsVersion?: 'TLSv1.2' | 'TLSv1.3';
  validator: AdmissionValidator;
  registry?: Registry;
  ready?: ReadyCheck;
  /** One call per decision (log it; warnings are also worth an Event, as KEDA emits `KEDAScalerInfo`). */
  onDecision?(request: AdmissionRequestInfo, result: ValidationResult): void;
}

interface RawAdmissionReview {
  apiVersion?: string;
  kind?: string;
  request?: {
    uid?: string;
    operation?: AdmissionOperation;
    namespace?: string;
    name?: string;
    object?: unknown;
    oldObject?: unknown;
    dryRun?: boolean;
    userInfo?: { username?: string; groups?: string[] };
  };
}

type Meta = { metadata?: { finalizers?: string[]; name?: string; namespace?: string }; spec?: unknown };

/** KEDA skips validation of updates that only remove finalizers (spec unchanged), so deletion never gets stuck. */
export function isFinalizerRemoval(oldObject: unknown, object: unknown): boolean {
  const o = (oldObject ?? {}) as Meta;
  const n = (object ?? {}) as Meta;
  return (n.metadata?.finalizers?.length ?? 0) < (o.metadata?.finalizers?.length ?? 0) && deepEqual(o.spec, n.spec);
}

/** Decide one AdmissionReview (pure apart from the validator); exported for table tests. */
export async function review(
  kind: AdmissionKind,
  body: RawAdmissionReview,
  validator: AdmissionValidator,
): Promise<{ info?: AdmissionRequestInfo; result: ValidationResult; response: unknown }> {
  const req = body.request;
  if (!req?.uid || !req.operation) throw new Error('AdmissionReview without request.uid/operation');
  const obj = (req.object ?? req.oldObject ?? {}) as Meta;
  const info: AdmissionRequestInfo = {
    uid: req.uid,
    kind,
    operation: req.operation,
    namespace: req.namespace ?? obj.metadata?.namespace ?? '',
    name: req.name ?? obj.metadata?.name ?? '',
    object: req.object,
    oldObject: req.oldObject,
    dryRun: req.dryRun === true,
    user: { username: req.userInfo?.username, groups: req.userInfo?.groups },
  };
  let result: ValidationResult;
  if (req.operation === 'DELETE' || req.operation === 'CONNECT') result = { allowed: true };
  else if (req.operation === 'UPDATE' && isFinalizerRemoval(req.oldObject, req.object)) result = { allowed: true };
  else result = await validator.validate(info);
  const response: Record<string, unknown> = { uid: req.uid, allowed: result.allowed };
  if (!result.allowed) response.status = { code: 403, reason: 'Forbidden', message: result.message ?? `${kind} ${info.namespace}/${info.name} is not valid` };
  if (result.warnings?.length) response.warnings = result.warnings;
  return { info, result, response: { apiVersion: body.apiVersion ?? 'admission.k8s.io/v1', kind: 'AdmissionReview', response } };
}

async function readBody(req: IncomingMessage, limit = 3 * 1024 * 1024): Promise<string> {
  let text = '';
  req.setEncoding('utf8');
  for await (const chunk of req) {
    text += chunk as string;
    if (text.length > limit) throw new Error('request body too large');
  }
  return text;
}

export async function startAdmissionWebhookServer(
  opts: AdmissionWebhookServerOptions,
): Promise<{ port: number; reloadCertificate(): void; close(): Promise<void> }> {
  const http = opts.registry ? requestMetrics(opts.registry, 'admission-webhook') : undefined;
  // KEDA's webhook metrics (`pkg/metricscollector/webhook/webhook_prommetrics.go`; names as in source, not as in KEDA's docs).
  const validations = opts.registry
    ? ((opts.registry.getSingleMetric('keda_webhook_scaled_object_validations_total') as Counter<string> | undefined) ??
      new Counter({
        name: 'keda_webhook_scaled_object_validations_total',
        help: 'ScaledObject validations',
        labelNames: ['namespace', 'action'],
        registers: [opts.registry],
      }))
    : undefined;
  const validationErrors = opts.registry
    ? ((opts.registry.getSingleMetric('keda_webhook_scaled_object_validation_errors_total') as Counter<string> | undefined) ??
      new Counter({
        name: 'keda_webhook_scaled_object_validation_errors_total',
        help: 'ScaledObject validation failures',
        labelNames: ['namespace', 'action', 'reason'],
        registers: [opts.registry],
      }))
    : undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<{ route: string; code: number }> {
    const path = (req.url ?? '/').split('?')[0];
    if (await handleProbe(path, res, opts.ready)) return { route: path, code: res.statusCode };
    if (path === '/metrics' && opts.registry) {
      const body = await opts.registry.metrics();
      res.writeHead(200, { 'Content-Type': opts.registry.contentType }).end(body);
      return { route: '/metrics', code: 200 };
    }
    const kind = WEBHOOK_PATHS[path];
    if (!kind) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no webhook at ${path}`);
      return { route: 'other', code: 404 };
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { 'Content-Type': 'text/plain' }).end('webhooks accept POST only');
      return { route: path, code: 405 };
    }
    let body: RawAdmissionReview;
    try {
      body = JSON.parse(await readBody(req)) as RawAdmissionReview;
    } catch (err) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`bad AdmissionReview: ${(err as Error).message}`);
      return { route: path, code: 400 };
    }
    let out: Awaited<ReturnType<typeof review>>;
    try {
      out = await review(kind, body, opts.validator);
    } catch (err) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`bad AdmissionReview: ${(err as Error).message}`);
      return { route: path, code: 400 };
    }
    if (out.info) {
      if (kind === 'ScaledObject' && (out.info.operation === 'CREATE' || out.info.operation === 'UPDATE')) {
        const action = out.info.operation.toLowerCase();
        validations?.inc({ namespace: out.info.namespace, action });
        if (!out.result.allowed) validationErrors?.inc({ namespace: out.info.namespace, action, reason: out.result.reason ?? 'invalid' });
      }
      opts.onDecision?.(out.info, out.result);
    }
    const text = JSON.stringify(out.response);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
    return { route: path, code: 200 };
  }

  const tls = createTlsServer({ certificate: opts.certificate, minVersion: opts.minTlsVersion }, (req, res) => {
    const started = process.hrtime.bigint();
    handle(req, res)
      .then(({ route, code }) => http?.observe(route, req.method ?? 'POST', code, Number(process.hrtime.bigint() - started) / 1e9))
      .catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end(err.message);
      });
  });
  const port = await tls.listen(opts.port, opts.host);
  return { port, reloadCertificate: () => tls.reload(), close: () => tls.close() };
}
