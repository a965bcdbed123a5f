// AWS Signature Version 4 for plain HTTP requests (Amazon Managed Prometheus, service `aps`), like KEDA's signing
// RoundTripper (`pkg/scalers/aws/aws_sigv4.go`), so no SigV4 proxy pod is needed.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** One signer per (service, region, credentials); credentials are read per request, so rotation is picked up. */
export class SigV4Signer {
  private readonly signer: SignatureV4;

  constructor(readonly service: string, readonly region: string, credentials: AwsCredentialIdentityProvider) {
    this.signer = new SignatureV4({ service, region, credentials, sha256: Sha256 });
  }

  /** Returns the headers to send (the input headers plus host, x-amz-date, x-amz-content-sha256, authorization…). */
  async sign(req: SignableRequest, signingDate?: Date): Promise<Record<string, string>> {
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
    const signed = await this.signer.sign(request, {
      ...(signingDate ? { signingDate } : {}),
      // Amazon Managed Prometheus, like most services, wants the payload hash header (KEDA signs the same way).
    });
    return { ...(signed.headers as Record<string, string>) };
  }
}
