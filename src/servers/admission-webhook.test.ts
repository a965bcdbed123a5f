import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { certFactory, type CertFactory, type Pem } from '../../test/support/openssl-certs.ts';
import { review, startAdmissionWebhookServer, type AdmissionRequestInfo, type AdmissionValidator } from './admission-webhook.ts';
import { createRegistry } from './prometheus-metrics.ts';

// A stand-in validator with one KEDA rule, so the HTTP layer can be tested on its own.
const seen: AdmissionRequestInfo[] = [];
const validator: AdmissionValidator = {
  validate(req) {
    seen.push(req);
    const spec = (req.object as { spec?: { minReplicaCount?: number; maxReplicaCount?: number; pollingInterval?: number } }).spec ?? {};
    if ((spec.minReplicaCount ?? 0) > (spec.maxReplicaCount ?? 100)) {
      return {
        allowed: false,
        reason: 'incorrect-replicas',
        message: `MinReplicaCount=${spec.minReplicaCount} must be less than MaxReplicaCount=${spec.maxReplicaCount}`,
      };
    }
    return { allowed: true, warnings: spec.pollingInterval ? ['PollingInterval is configured but is not relevant'] : [] };
  },
};

const so = (spec: Record<string, unknown>, finalizers?: string[]) => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name: 'w', namespace: 'prod', finalizers },
  spec,
});
const reviewOf = (operation: string, object: unknown, oldObject?: unknown) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'u-1', operation, namespace: 'prod', name: 'w', object, oldObject },
});

describe('admission decisions: invalid denied with its message, valid admitted with warnings, deletes and finalizer removals skipped', () => {
  const cases: Array<[string, ReturnType<typeof reviewOf>, boolean, boolean, unknown]> = [
    [
      'invalid create',
      reviewOf('CREATE', so({ minReplicaCount: 5, maxReplicaCount: 2 })),
      false,
      true,
      { code: 403, reason: 'Forbidden', message: 'MinReplicaCount=5 must be less than MaxReplicaCount=2' },
    ],
    ['valid create', reviewOf('CREATE', so({ maxReplicaCount: 2 })), true, true, undefined],
    [
      'invalid update',
      reviewOf('UPDATE', so({ minReplicaCount: 5, maxReplicaCount: 2 }), so({})),
      false,
      true,
      { code: 403, reason: 'Forbidden', message: 'MinReplicaCount=5 must be less than MaxReplicaCount=2' },
    ],
    ['delete', reviewOf('DELETE', null, so({ minReplicaCount: 5, maxReplicaCount: 2 })), true, false, undefined],
    [
      'finalizer removed, spec unchanged',
      reviewOf('UPDATE', so({ minReplicaCount: 5, maxReplicaCount: 2 }, []), so({ minReplicaCount: 5, maxReplicaCount: 2 }, ['finalizer.keda.sh'])),
      true,
      false,
      undefined,
    ],
    [
      'finalizer removed with a spec change',
      reviewOf('UPDATE', so({ minReplicaCount: 5, maxReplicaCount: 2 }, []), so({}, ['finalizer.keda.sh'])),
      false,
      true,
      { code: 403, reason: 'Forbidden', message: 'MinReplicaCount=5 must be less than MaxReplicaCount=2' },
    ],
  ];
  for (const [name, body, allowed, validated, status] of cases) {
    test(`${name}: ${allowed ? 'admitted' : 'denied'}, ${validated ? 'validated' : 'not validated'}`, async () => {
      seen.length = 0;
      const out = await review('ScaledObject', body as Parameters<typeof review>[1], validator);
      const response = (out.response as { response: { uid: string; allowed: boolean; status?: unknown } }).response;
      assert.equal(response.uid, 'u-1', name);
      assert.equal(response.allowed, allowed, name);
      assert.deepEqual(response.status, status, name);
      assert.equal(seen.length, validated ? 1 : 0, `${name}: validator called`);
    });
  }
  test('a valid create is admitted with the validator warnings', async () => {
    const warned = await review('ScaledObject', reviewOf('CREATE', so({ pollingInterval: 10 })) as Parameters<typeof review>[1], validator);
    assert.deepEqual((warned.response as { response: { warnings?: string[] } }).response.warnings, ['PollingInterval is configured but is not relevant']);
  });
});

let certs: CertFactory;
let ca: Pem;
let port: number;
let close: () => Promise<void>;
const registry = createRegistry({ defaultMetrics: false });

before(async () => {
  certs = certFactory();
  ca = certs.ca('webhook-ca');
  const cert = certs.leaf('webhook', ca, { cn: 'webhook', usage: 'server', hosts: ['127.0.0.1'] });
  const s = await startAdmissionWebhookServer({
    port: 0,
    host: '127.0.0.1',
    certificate: { certFile: cert.certFile, keyFile: cert.keyFile },
    validator,
    registry,
  });
  port = s.port;
  close = s.close;
});
after(async () => {
  await close?.();
  certs?.cleanup();
});

function post(path: string, body: unknown, method = 'POST'): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, method, ca: ca.cert, agent: false, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

test('the webhook answers AdmissionReviews over HTTPS at KEDA paths and counts ScaledObject validations', async (t) => {
  const r = await post('/validate-keda-sh-v1alpha1-scaledobject', reviewOf('CREATE', so({ minReplicaCount: 5, maxReplicaCount: 2 })));
  assert.equal(r.code, 200);
  const body = JSON.parse(r.text) as { apiVersion: string; kind: string; response: { allowed: boolean; status: { message: string } } };
  assert.equal(body.kind, 'AdmissionReview');
  assert.equal(body.apiVersion, 'admission.k8s.io/v1');
  assert.equal(body.response.allowed, false);
  assert.equal(seen.at(-1)?.kind, 'ScaledObject');
  const sj = await post('/validate-keda-sh-v1alpha1-scaledjob', reviewOf('CREATE', so({})));
  assert.equal(seen.at(-1)?.kind, 'ScaledJob');
  assert.equal(sj.code, 200);
  const cases: Array<[string, unknown, string, number]> = [
    ['/validate-nothing', reviewOf('CREATE', so({})), 'POST', 404],
    ['/validate-keda-sh-v1alpha1-scaledobject', undefined, 'GET', 405],
    ['/validate-keda-sh-v1alpha1-scaledobject', { kind: 'AdmissionReview' }, 'POST', 400],
    ['/healthz', undefined, 'GET', 200],
    ['/readyz', undefined, 'GET', 200],
  ];
  for (const [path, body2, method, code] of cases)
    await t.test(`${method} ${path} answers ${code}`, async () => assert.equal((await post(path, body2, method)).code, code, `${method} ${path}`));
  const metrics = await post('/metrics', undefined, 'GET');
  assert.match(metrics.text, /keda_webhook_scaled_object_validations_total\{namespace="prod",action="create"\} 1/);
  assert.match(metrics.text, /keda_webhook_scaled_object_validation_errors_total\{namespace="prod",action="create",reason="incorrect-replicas"\} 1/);
});
