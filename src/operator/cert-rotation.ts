// Operator-managed serving certificates, as KEDA's `--enable-cert-rotation` (KEDA pkg/certificates/certificate_manager.go,
// which runs open-policy-agent/cert-controller pkg/rotator/rotator.go): a CA and a serving certificate in one Secret
// (ca.crt, ca.key, tls.crt, tls.key — cert-controller's key names), renewed before they expire, and the CA bundle
// injected into the APIService (`spec.caBundle`) and the ValidatingWebhookConfiguration(s)
// (`webhooks[*].clientConfig.caBundle`).
//
// Differences from cert-controller, on purpose:
// - the new certificate is swapped into the running TLS servers (serving-tls.ts `live`), where cert-controller
//   exits the process so the pod restarts (`RestartOnSecretRefresh: true` in KEDA);
// - a new CA is first added to the bundle beside the old one, and the serving certificate it signs is used only
//   `bundlePropagationMs` after the bundle was patched, so a client still holding the old bundle never meets a
//   certificate it cannot verify (cert-controller replaces CA and certificate at once);
// - ECDSA P-256 keys (WebCrypto, a few ms to generate) instead of RSA 2048: every Kubernetes client verifies them;
// - renewal when less than `renewBefore` (a duration, cert-controller's LookaheadInterval, or a fraction of the
//   validity) is left; the next check is scheduled for the moment one is due, plus a resync every `checkIntervalMs`
//   (cert-controller's RotationCheckFrequency, 12 h).
// Only the leader rotates and patches; every replica watches the Secret and serves what it holds. A replica that
// finds no usable certificate at start writes the first one (create, or update on the resourceVersion it read: one
// writer wins, the others adopt its result), so start-up never waits on an election.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto, X509Certificate, createPrivateKey } from 'node:crypto';
import { GVR, isAlreadyExists, isConflict, isNotFound, type GroupVersionResource, type KubeClient, type KubeObject } from '../kube/client.ts';
import { ListWatch } from '../kube/list-watch.ts';
import type { LiveCertificate } from '../servers/serving-tls.ts';
import type { Logger } from './scaled-object-controller.ts';
import { CERT_DEFAULTS, type RenewBefore } from '../api/cert-settings.ts';

export { CERT_DEFAULTS, parseRenewBefore, serviceDnsNames, type RenewBefore } from '../api/cert-settings.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** cert-controller backdates notBefore by an hour for clock skew between the operator and its clients. */
const BACKDATE_MS = 3_600_000;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** When the bundle last gained a CA (the serving certificate it signs is used from this + bundlePropagationMs). */
export const BUNDLE_CHANGED_ANNOTATION = 'updraft.dev/ca-bundle-changed-at';

export interface CertRotationOptions {
  client: KubeClient;
  log: Logger;
  /** Namespace of the Secret (the operator's). */
  namespace: string;
  /** KEDA --cert-secret-name (KEDA: kedaorg-certs; the chart: certificates.secretName). */
  secretName: string;
  /** SANs of the serving certificate (serviceDnsNames); the first is its common name. */
  dnsNames: string[];
  caName?: string;
  caOrganization?: string;
  caValidityMs?: number;
  certValidityMs?: number;
  renewBefore?: RenewBefore;
  /** How long a new CA sits in the published bundle before the serving certificate it signs is served. */
  bundlePropagationMs?: number;
  checkIntervalMs?: number;
  /** APIServices whose spec.caBundle is kept equal to the bundle (KEDA: v1beta1.external.metrics.k8s.io). */
  apiServices?: string[];
  /**
   * The metrics API's Service: an APIService that routes elsewhere (KEDA's metrics server during a migration, another
   * adapter) is left alone, so a second operator never breaks the one that serves it. Unset: patched by name, as KEDA.
   */
  apiServiceBackend?: { namespace: string; name: string };
  /** ValidatingWebhookConfigurations whose webhooks' caBundle is kept equal to the bundle (KEDA: keda-admission). */
  validatingWebhooks?: string[];
  isLeader(): boolean;
  now?: () => number;
}

/** What happened, for logs, the tests' rotation figures and the docs. */
export interface RotationRecord {
  serial: string;
  /** The CA that signed it, and whether this rotation also introduced that CA into the bundle earlier. */
  caSerial: string;
  issuedAt: number;
  /** When this process swapped it into its TLS servers. */
  servedAt?: number;
  /** First TLS handshake that handed it out (any client). */
  firstHandshakeAt?: number;
}

interface Material {
  /** Every CA in the bundle, the signing one first. */
  bundle: X509Certificate[];
  caKeyPem?: string;
  signingCa?: X509Certificate;
  cert?: X509Certificate;
  certPem?: string;
  keyPem?: string;
  bundleChangedAt?: number;
}

type SecretObject = KubeObject & { data?: Record<string, string>; type?: string };

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);

function splitPem(pem: string | undefined): X509Certificate[] {
  const blocks = pem?.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const out: X509Certificate[] = [];
  for (const b of blocks) {
    try {
      out.push(new X509Certificate(b));
    } catch {
      // an unreadable block is dropped (and so not trusted any more)
    }
  }
  return out;
}

const bundlePem = (bundle: X509Certificate[]) => bundle.map((c) => c.toString().trim()).join('\n') + '\n';
const expiresAt = (c: X509Certificate) => Date.parse(c.validTo);
const startsAt = (c: X509Certificate) => Date.parse(c.validFrom);

function keyMatches(cert: X509Certificate, keyPem: string | undefined): boolean {
  if (!keyPem) return false;
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function parseSecret(secret: SecretObject | undefined): Material {
  const d = secret?.data ?? {};
  const bundle = splitPem(unb64(d['ca.crt']));
  const caKeyPem = unb64(d['ca.key']);
  const signingCa = bundle.find((c) => keyMatches(c, caKeyPem));
  const certPem = unb64(d['tls.crt']);
  const keyPem = unb64(d['tls.key']);
  const cert = splitPem(certPem)[0];
  const changed = Date.parse(secret?.metadata.annotations?.[BUNDLE_CHANGED_ANNOTATION] ?? '');
  // The signing CA first, the others in their order.
  const ordered = signingCa ? [signingCa, ...bundle.filter((c) => c !== signingCa)] : bundle;
  return { bundle: ordered, caKeyPem, signingCa, cert, certPem, keyPem, bundleChangedAt: Number.isNaN(changed) ? undefined : changed };
}

function randomSerial(): string {
  const bytes = randomBytes(16);
  // Positive and minimally encoded (RFC 5280 4.1.2.2; Go's parser refuses a leading zero byte).
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

export class CertRotator {
  readonly records: RotationRecord[] = [];
  /** Completed caBundle patches (object kind/name → time), for the rotation figures. */
  readonly patches: Array<{ target: string; at: number; caSerials: string[] }> = [];
  /** CAs this replica created (serial, time), for the rotation figures. */
  readonly cas: Array<{ serial: string; at: number }> = [];
  private readonly o: Required<Omit<CertRotationOptions, 'caName' | 'caOrganization' | 'apiServices' | 'validatingWebhooks' | 'apiServiceBackend'>> &
    Pick<CertRotationOptions, 'caName' | 'caOrganization' | 'apiServiceBackend'> & { apiServices: string[]; validatingWebhooks: string[] };
  private readonly watch: ListWatch<SecretObject>;
  /** The APIServices and webhook configurations, so a caBundle reset (a helm upgrade, an edit) is patched back at once, as cert-controller's ReconcileWH does. */
  private readonly targetWatches: ListWatch<KubeObject>[] = [];
  private served?: { cert: string; key: string; serial: string };
  private readonly listeners = new Set<() => void>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private warned = new Set<string>();
  /** The bundle (PEM) each caBundle target was last seen or patched with. */
  private published = new Map<string, string>();

  readonly certificate: LiveCertificate = {
    current: () => {
      if (!this.served) throw new Error('no serving certificate yet');
      return { cert: this.served.cert, key: this.served.key };
    },
    onChange: (l) => {
      this.listeners.add(l);
      return () => this.listeners.delete(l);
    },
    handshake: (serial) => {
      const r = this.records.find((x) => x.serial.toLowerCase() === serial.toLowerCase());
      if (r && r.firstHandshakeAt === undefined) r.firstHandshakeAt = this.now();
    },
  };

  constructor(opts: CertRotationOptions) {
    this.o = {
      caValidityMs: CERT_DEFAULTS.caValidityMs,
      certValidityMs: CERT_DEFAULTS.certValidityMs,
      renewBefore: CERT_DEFAULTS.renewBefore,
      bundlePropagationMs: CERT_DEFAULTS.bundlePropagationMs,
      checkIntervalMs: CERT_DEFAULTS.checkIntervalMs,
      now: Date.now,
      ...opts,
      apiServices: opts.apiServices ?? [],
      validatingWebhooks: opts.validatingWebhooks ?? [],
    };
    if (this.o.dnsNames.length === 0) throw new Error('certificate rotation: no DNS names for the serving certificate (set the service names)');
    if (this.o.certValidityMs > this.o.caValidityMs)
      throw new Error('certificate rotation: the serving certificate validity must not exceed the CA validity (--cert-validity <= --cert-ca-validity)');
    for (const [what, validity] of [
      ['--cert-validity', this.o.certValidityMs],
      ['--cert-ca-validity', this.o.caValidityMs],
    ] as const)
      if (this.renewBeforeMs(validity) >= validity)
        throw new Error(`certificate rotation: --cert-renew-before must be shorter than ${what} (renewal would start before the certificate is issued)`);
    if (this.o.bundlePropagationMs >= this.renewBeforeMs(this.o.certValidityMs))
      throw new Error('certificate rotation: --cert-bundle-propagation must be shorter than the renewal window (--cert-renew-before)');
    this.watch = new ListWatch<SecretObject>(this.o.client, {
      gvr: GVR.secrets,
      namespaces: [this.o.namespace],
      fieldSelector: `metadata.name=${this.o.secretName}`,
    });
    this.watch.on({
      onAdd: () => this.secretChanged(),
      onUpdate: () => this.secretChanged(),
      onDelete: () => this.secretChanged(),
      onError: (err) => this.o.log.warn({ secret: this.secretRef, error: err.message }, 'certificate Secret watch interrupted; resuming'),
    });
    const targets: Array<[GroupVersionResource, string, string]> = [
      ...this.o.apiServices.map((n) => [GVR.apiServices, n, `APIService ${n}`] as [GroupVersionResource, string, string]),
      ...this.o.validatingWebhooks.map(
        (n) => [GVR.validatingWebhookConfigurations, n, `ValidatingWebhookConfiguration ${n}`] as [GroupVersionResource, string, string],
      ),
    ];
    for (const [gvr, name, target] of targets) {
      const w = new ListWatch<KubeObject>(this.o.client, { gvr, fieldSelector: `metadata.name=${name}` });
      const changed = () => {
        this.published.delete(target);
        if (this.o.isLeader() && this.served) this.schedule(0);
      };
      w.on({
        onAdd: changed,
        onUpdate: changed,
        onError: (err) => this.o.log.warn({ target, error: err.message }, 'caBundle target watch interrupted; resuming'),
      });
      this.targetWatches.push(w);
    }
  }

  private get secretRef() {
    return `${this.o.namespace}/${this.o.secretName}`;
  }

  private now() {
    return this.o.now();
  }

  private renewBeforeMs(validityMs: number): number {
    const r = this.o.renewBefore;
    return 'ms' in r ? r.ms : r.fraction * validityMs;
  }

  /** Serial (hex, upper case as Node prints it) of the certificate served now. */
  servingSerial(): string | undefined {
    return this.served?.serial;
  }

  /** Starts the Secret watch and resolves once a serving certificate is in hand (written here or by another replica). */
  async start(timeoutMs = 60_000): Promise<void> {
    this.watch.start();
    for (const w of this.targetWatches) w.start();
    await this.watch.waitForSync(timeoutMs);
    const deadline = this.now() + timeoutMs;
    for (;;) {
      await this.reconcile();
      if (this.served) return;
      if (this.now() > deadline) throw new Error(`certificate rotation: no usable serving certificate in Secret ${this.secretRef} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Leadership changed: the new leader checks (and patches) at once. */
  leadershipChanged(): void {
    this.published.clear();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.watch.stop();
    for (const w of this.targetWatches) await w.stop();
  }

  private secretChanged() {
    // Every replica serves what the Secret holds; the leader also re-checks it (deleted, edited by hand).
    this.adopt(parseSecret(this.watch.get(this.o.namespace, this.o.secretName)));
    if (this.o.isLeader()) this.schedule(0);
  }

  private schedule(delayMs: number) {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reconcile(), Math.max(0, Math.min(delayMs, 2 ** 31 - 1)));
    this.timer.unref();
  }

  /** One check at a time; a request during a check runs one more after it. */
  private reconcile(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          const next = await this.check();
          this.schedule(next);
        } while (this.again && !this.stopped);
      } catch (err) {
        this.o.log.warn({ secret: this.secretRef, error: (err as Error).message }, 'certificate rotation check failed; retrying in 5 s');
        this.schedule(5_000);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Serve the Secret's certificate when it is usable and differs from the one served. */
  private adopt(m: Material): boolean {
    if (!m.cert || !m.certPem || !m.keyPem || !this.usable(m)) return false;
    const serial = m.cert.serialNumber;
    if (this.served?.serial === serial) return true;
    this.served = { cert: m.certPem, key: m.keyPem, serial };
    let rec = this.records.find((r) => r.serial === serial);
    if (!rec) {
      rec = { serial, caSerial: m.bundle.find((ca) => m.cert!.verify(ca.publicKey))?.serialNumber ?? '', issuedAt: startsAt(m.cert) + BACKDATE_MS };
      this.records.push(rec);
    }
    rec.servedAt = this.now();
    for (const l of this.listeners) l();
    this.o.log.info({ secret: this.secretRef, serial, notAfter: m.cert.validTo }, 'serving certificate loaded');
    return true;
  }

  /** A serving certificate clients can verify: unexpired, its key, signed by a CA in the bundle, every SAN. */
  private usable(m: Material): boolean {
    const c = m.cert;
    if (!c || !keyMatches(c, m.keyPem)) return false;
    const now = this.now();
    if (expiresAt(c) <= now || startsAt(c) > now) return false;
    if (!m.bundle.some((ca) => expiresAt(ca) > now && c.verify(ca.publicKey))) return false;
    const sans = new Set((c.subjectAltName ?? '').split(', ').map((s) => s.replace(/^DNS:/, '')));
    return this.o.dnsNames.every((n) => sans.has(n));
  }

  /** Returns the delay to the next check. */
  private async check(): Promise<number> {
    if (this.stopped) return this.o.checkIntervalMs;
    let secret: SecretObject | undefined;
    try {
      secret = await this.o.client.get<SecretObject>(GVR.secrets, this.o.namespace, this.o.secretName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    let m = parseSecret(secret);
    const leader = this.o.isLeader();
    const haveUsable = this.usable(m);
    if (!leader && haveUsable) {
      this.adopt(m);
      return this.o.checkIntervalMs;
    }
    if (!leader && this.served) return this.o.checkIntervalMs; // the leader will fix the Secret
    const now = this.now();
    const next: number[] = [now + this.o.checkIntervalMs];
    let changed = false;

    // 1. The signing CA: missing, without its key, or inside its renewal window → a new CA joins the bundle.
    const caDue = (ca: X509Certificate) => expiresAt(ca) - this.renewBeforeMs(expiresAt(ca) - startsAt(ca) - BACKDATE_MS) <= now;
    if (!m.signingCa || caDue(m.signingCa)) {
      const ca = await this.createCa(now);
      m = { ...m, bundle: [ca.cert, ...m.bundle], signingCa: ca.cert, caKeyPem: ca.keyPem, bundleChangedAt: now };
      changed = true;
      this.cas.push({ serial: ca.cert.serialNumber, at: now });
      this.o.log.info({ secret: this.secretRef, caSerial: ca.cert.serialNumber, notAfter: ca.cert.validTo }, 'certificate authority created');
    } else next.push(expiresAt(m.signingCa) - this.renewBeforeMs(expiresAt(m.signingCa) - startsAt(m.signingCa) - BACKDATE_MS));
    const signingCa = m.signingCa!;

    // 2. The serving certificate.
    const usable = this.usable(m);
    const switchAt = (m.bundleChangedAt ?? 0) + this.o.bundlePropagationMs;
    const signedByCurrent = !!m.cert && m.cert.verify(signingCa.publicKey);
    const certRenewAt = m.cert ? expiresAt(m.cert) - this.renewBeforeMs(expiresAt(m.cert) - startsAt(m.cert) - BACKDATE_MS) : 0;
    let reissue = !usable;
    if (usable && (certRenewAt <= now || !signedByCurrent)) {
      // A new CA is served only once its bundle had time to reach every client (the old certificate is still valid).
      if (signedByCurrent || switchAt <= now) reissue = true;
      else next.push(switchAt);
    }
    if (reissue) {
      const issued = await this.createServingCert(signingCa, m.caKeyPem!, now);
      m = { ...m, cert: issued.cert, certPem: issued.certPem, keyPem: issued.keyPem };
      changed = true;
      this.records.push({ serial: issued.cert.serialNumber, caSerial: signingCa.serialNumber, issuedAt: now });
      this.o.log.info({ secret: this.secretRef, serial: issued.cert.serialNumber, notAfter: issued.cert.validTo }, 'serving certificate issued');
    }
    if (m.cert) {
      const renewAt = expiresAt(m.cert) - this.renewBeforeMs(expiresAt(m.cert) - startsAt(m.cert) - BACKDATE_MS);
      next.push(m.cert.verify(signingCa.publicKey) ? renewAt : Math.max(now + 1, switchAt));
    }

    // 3. Expired CAs leave the bundle (never the one that signed the served certificate).
    const kept = m.bundle.filter((ca) => ca === signingCa || expiresAt(ca) > now || (m.cert && m.cert.verify(ca.publicKey)));
    if (kept.length !== m.bundle.length) {
      m = { ...m, bundle: kept };
      changed = true;
    }
    for (const ca of m.bundle) if (ca !== signingCa) next.push(expiresAt(ca) + 1000);

    if (changed) {
      const written = await this.write(secret, m);
      if (!written) return 0; // another replica wrote first: read it again
    }
    this.adopt(m);
    if (leader) await this.patchAll(bundlePem(m.bundle));
    return Math.max(50, Math.min(...next) - this.now());
  }

  private async write(previous: SecretObject | undefined, m: Material): Promise<boolean> {
    const data = {
      ...(previous?.data ?? {}),
      'ca.crt': b64(bundlePem(m.bundle)),
      'ca.key': b64(m.caKeyPem!),
      'tls.crt': b64(m.certPem!),
      'tls.key': b64(m.keyPem!),
    };
    const annotations = {
      ...(previous?.metadata.annotations ?? {}),
      ...(m.bundleChangedAt !== undefined ? { [BUNDLE_CHANGED_ANNOTATION]: new Date(m.bundleChangedAt).toISOString() } : {}),
    };
    try {
      if (!previous) {
        await this.o.client.create<SecretObject>(GVR.secrets, {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            name: this.o.secretName,
            namespace: this.o.namespace,
            // KEDA's labels on kedaorg-certs (certificate_manager.go ensureSecret), with Updraft's names.
            labels: { 'app.kubernetes.io/name': 'updraft-operator', 'app.kubernetes.io/component': 'operator', 'app.kubernetes.io/part-of': 'updraft' },
            annotations,
          },
          type: 'Opaque',
          data,
        } as SecretObject);
      } else {
        await this.o.client.update<SecretObject>(GVR.secrets, { ...previous, metadata: { ...previous.metadata, annotations }, data });
      }
      return true;
    } catch (err) {
      if (isConflict(err) || isAlreadyExists(err)) return false;
      throw new Error(`cannot write certificate Secret ${this.secretRef}: ${(err as Error).message}`);
    }
  }

  private async patchAll(bundle: string) {
    const caBundle = b64(bundle);
    const caSerials = splitPem(bundle).map((c) => c.serialNumber);
    for (const name of this.o.apiServices) {
      const target = `APIService ${name}`;
      if (this.published.get(target) === bundle) continue;
      const svc = await this.getOptional<
        KubeObject & { spec?: { caBundle?: string; insecureSkipTLSVerify?: boolean; service?: { namespace?: string; name?: string } } }
      >(GVR.apiServices, name, target);
      if (!svc) continue;
      const backend = this.o.apiServiceBackend;
      const routed = svc.spec?.service;
      if (backend && (routed?.namespace !== backend.namespace || routed?.name !== backend.name)) {
        this.warnOnce(
          `${target} backend`,
          `${target} routes to ${routed ? `${routed.namespace}/${routed.name}` : 'no Service'}, not this operator's metrics API Service ${backend.namespace}/${backend.name}; its caBundle is left alone (point the APIService at ${backend.name} to let the operator manage it)`,
        );
        continue;
      }
      if (svc.spec?.insecureSkipTLSVerify) {
        this.warnOnce(
          target,
          `${target} has insecureSkipTLSVerify: true; its caBundle is left alone (remove insecureSkipTLSVerify to let the operator manage it)`,
        );
        continue;
      }
      if (svc.spec?.caBundle !== caBundle) {
        await this.o.client.mergePatch(GVR.apiServices, undefined, name, { spec: { caBundle } });
        this.patches.push({ target, at: this.now(), caSerials });
        this.o.log.info({ target, caSerials }, 'caBundle patched');
      }
      this.published.set(target, bundle);
    }
    for (const name of this.o.validatingWebhooks) {
      const target = `ValidatingWebhookConfiguration ${name}`;
      if (this.published.get(target) === bundle) continue;
      const cfg = await this.getOptional<KubeObject & { webhooks?: Array<{ clientConfig?: { caBundle?: string } }> }>(
        GVR.validatingWebhookConfigurations,
        name,
        target,
      );
      if (!cfg) continue;
      const hooks = cfg.webhooks ?? [];
      if (hooks.some((h) => h.clientConfig?.caBundle !== caBundle)) {
        // A JSON patch per webhook, guarded by the resourceVersion read (a merge patch would replace the whole list).
        await this.o.client.jsonPatch(GVR.validatingWebhookConfigurations, undefined, name, [
          { op: 'test', path: '/metadata/resourceVersion', value: cfg.metadata.resourceVersion },
          ...hooks.map((_, i) => ({ op: 'add' as const, path: `/webhooks/${i}/clientConfig/caBundle`, value: caBundle })),
        ]);
        this.patches.push({ target, at: this.now(), caSerials });
        this.o.log.info({ target, caSerials }, 'caBundle patched');
      }
      this.published.set(target, bundle);
    }
  }

  private async getOptional<T extends KubeObject>(gvr: GroupVersionResource, name: string, target: string): Promise<T | undefined> {
    try {
      return await this.o.client.get<T>(gvr, undefined, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.warnOnce(target, `${target} does not exist; its caBundle will be set once it is created (checked again at the next rotation check)`);
      return undefined;
    }
  }

  private warnOnce(key: string, message: string) {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.o.log.warn({ target: key }, message);
  }

  private async createCa(now: number): Promise<{ cert: X509Certificate; keyPem: string }> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const cn = this.o.caName ?? 'updraft-ca';
    const org = this.o.caOrganization ?? 'updraft';
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: `CN=${cn}, O=${org}`,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + this.o.caValidityMs),
      keys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return { cert: new X509Certificate(ca.toString('pem')), keyPem: await exportKeyPem(keys.privateKey) };
  }

  private async createServingCert(ca: X509Certificate, caKeyPem: string, now: number): Promise<{ cert: X509Certificate; certPem: string; keyPem: string }> {
    const signingKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(caKeyPem), ALG, false, ['sign']);
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const caCert = new x509.X509Certificate(ca.raw);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: `CN=${this.o.dnsNames[0]}`,
      issuer: caCert.subject,
      notBefore: new Date(now - BACKDATE_MS),
      // Never past the CA: a chain is only as valid as its shortest link.
      notAfter: new Date(Math.min(now + this.o.certValidityMs, expiresAt(ca))),
      signingKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        // KEDA asks cert-controller for server and client auth (certificate_manager.go ExtKeyUsages).
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension(this.o.dnsNames.map((value) => ({ type: 'dns' as const, value }))),
        await x509.AuthorityKeyIdentifierExtension.create(caCert),
      ],
    });
    const certPem = cert.toString('pem') + '\n';
    return { cert: new X509Certificate(certPem), certPem, keyPem: await exportKeyPem(keys.privateKey) };
  }
}
