// AWS Signature Version 4 for plain HTTP requests (Amazon Managed Prometheus, service `aps`), like KEDA's signing
// RoundTripper (`pkg/scalers/aws/aws_sigv4.go`), so no SigV4 proxy pod is needed.
import type { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/**
 * The signing packages, imported by the first signature, not with the module: the prometheus and kafka scalers and
 * the secret sources import this file, and most operators never sign anything.
 */
let signingLibs: Promise<[typeof import('@aws-crypto/sha256-js'), typeof import('@smithy/protocol-http'), typeof import('@smithy/signature-v4')]> | undefined;
function loadSigning() {
  return (signingLibs ??= Promise.all([import('@aws-crypto/sha256-js'), import('@smithy/protocol-http'), import('@smithy/signature-v4')]).catch(
    (e: unknown) => {
      signingLibs = undefined;
      throw e;
    },
  ));
}

/** One signer per (service, region, credentials); credentials are read per request, so rotation is picked up. */
export class SigV4Signer {
  private signerMade: Promise<{ signer: SignatureV4; HttpRequest: typeof import('@smithy/protocol-http').HttpRequest }> | undefined;

  constructor(
    readonly service: string,
    readonly region: string,
    private readonly credentials: AwsCredentialIdentityProvider,
  ) {}

  private signer() {
    return (this.signerMade ??= loadSigning().then(([{ Sha256 }, { HttpRequest }, { SignatureV4 }]) => ({
      signer: new SignatureV4({ service: this.service, region: this.region, credentials: this.credentials, sha256: Sha256 }),
      HttpRequest,
    })));
  }

  /** Returns the headers to send (the input headers plus host, x-amz-date, x-amz-content-sha256, authorization…). */
  async sign(req: SignableRequest, signingDate?: Date): Promise<Record<string, string>> {
    const { signer, HttpRequest } = await this.signer();
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of req.url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const request = new HttpRequest({
      method: req.method,
      protocol: req.url.protocol,
      hostname: req.url.hostname,
      ...(req.url.port ? { port: Number(req.url.port) } : {}),
      path: req.url.pathname,
      query,
      headers: { ...req.headers, host: req.url.host },
      ...(req.body !== undefined ? { body: req.body } : {}),
    });
    const signed = await signer.sign(request, {
      ...(signingDate ? { signingDate } : {}),
      // Amazon Managed Prometheus, like most services, wants the payload hash header (KEDA signs the same way).
    });
    return { ...(signed.headers as Record<string, string>) };
  }

  /**
   * A presigned GET URL (SigV4 query signing: X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders=host,
   * -Security-Token when the credentials have one, -Signature), as the AWS MSK IAM token is built from.
   * `extraQuery` is appended after signing (not signed), as the MSK signers do with User-Agent.
   */
  async presign(url: URL, expiresInSeconds: number, signingDate?: Date, extraQuery: Record<string, string> = {}): Promise<string> {
    const { signer, HttpRequest } = await this.signer();
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const request = new HttpRequest({
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { host: url.host },
    });
    const signed = await signer.presign(request, { expiresIn: expiresInSeconds, ...(signingDate ? { signingDate } : {}) });
    // RFC 3986 escaping (as the AWS SDK's formatUrl), signed parameters first, then unsigned extras (User-Agent).
    const pairs: string[] = [];
    for (const [k, v] of [...Object.entries(signed.query ?? {}), ...Object.entries(extraQuery)]) {
      for (const one of Array.isArray(v) ? v : [v]) if (one !== null && one !== undefined) pairs.push(`${escapeUri(k)}=${escapeUri(one)}`);
    }
    return `${url.protocol}//${url.host}${url.pathname}${pairs.length ? `?${pairs.join('&')}` : ''}`;
  }
}

function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
