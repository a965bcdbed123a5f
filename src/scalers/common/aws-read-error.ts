// Turns AWS SDK / STS failures into ReadErrors that say what happened in the user's terms: the endpoint cannot be
// reached, the identity was refused (naming the identity, never a secret), the request was wrong, or AWS throttled.
import { AwsCredentialsError } from '../../auth/aws-credentials.ts';
import { ReadError } from '../scaler.ts';

const AUTH_CODES = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'AuthFailure',
  'InvalidAccessKeyId',
  'NotAuthorized',
  'CredentialsProviderError',
  'InvalidIdentityToken',
]);
const THROTTLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'LimitExceededException',
]);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

export interface AwsCallContext {
  /** e.g. "aws-sqs-queue" */
  triggerType: string;
  /** e.g. "GetQueueAttributes for queue https://…/app-queue" */
  operation: string;
  /** describeAwsIdentity(…) */
  identity: string;
  /** Endpoint called, when overridden (awsEndpoint), for unreachable errors. */
  endpoint?: string;
  region: string;
}

function codeOf(e: unknown): { code?: string; status?: number; message: string } {
  const err = e as { name?: string; Code?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown };
  const netCode = err?.code ?? (err?.cause as { code?: string } | undefined)?.code;
  return {
    code: err?.Code ?? (netCode && UNREACHABLE_CODES.has(netCode) ? netCode : undefined) ?? err?.name,
    status: err?.$metadata?.httpStatusCode,
    message: String(err?.message ?? e).split('\n')[0],
  };
}

export function awsReadError(e: unknown, ctx: AwsCallContext): ReadError {
  if (e instanceof ReadError) return e;
  const prefix = `${ctx.triggerType}: ${ctx.operation}`;
  if (e instanceof AwsCredentialsError) {
    return new ReadError('auth', `${prefix}: ${e.message}`, { cause: e });
  }
  const { code, status, message } = codeOf(e);
  if (code === 'AbortError' || code === 'TimeoutError' || code === 'RequestTimeout' || code === 'ETIMEDOUT') {
    return new ReadError('timeout', `${prefix}: no answer in time from ${ctx.endpoint ?? `AWS in ${ctx.region}`}`, { cause: e });
  }
  if (code && UNREACHABLE_CODES.has(code)) {
    return new ReadError(
      'unreachable',
      `${prefix}: cannot reach ${ctx.endpoint ?? `AWS in ${ctx.region}`} (${code}); check awsEndpoint/awsRegion and network access`,
      { cause: e },
    );
  }
  if ((code && AUTH_CODES.has(code)) || status === 403 || status === 401) {
    return new ReadError('auth', `${prefix}: refused for ${ctx.identity}: ${code ? `${code}: ` : ''}${message}`, { cause: e });
  }
  if ((code && THROTTLE_CODES.has(code)) || status === 429) {
    return new ReadError('throttled', `${prefix}: throttled by AWS (${code ?? status}); raise pollingInterval or request a quota increase`, { cause: e });
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new ReadError('bad-query', `${prefix}: rejected: ${code ? `${code}: ` : ''}${message}`, { cause: e });
  }
  return new ReadError('other', `${prefix}: failed: ${code ? `${code}: ` : ''}${message}`, { cause: e });
}
