// Where a scaler may connect. Triggers carry URLs the operator connects to (prometheus serverAddress, AWS
// awsEndpoint / an SQS queueURL), so whoever can write a ScaledObject could otherwise point the operator at a local
// file (file://), a non-HTTP protocol, or the node's cloud metadata service, which hands out the node's and the
// operator's credentials. Two checks:
//   1. at parse: the URL must be http(s), and a literal IP host (in any spelling the URL parser normalizes:
//      decimal 2852039166, hex 0xa9fea9fe, [::ffff:a9fe:a9fe] …) must not be a refused address;
//   2. at connect: every address a host name resolves to is checked again (guardedLookup, used by HttpGetter's
//      agents and the AWS SDK's request handler), so a DNS name that resolves to 169.254.169.254 is refused too.
// Loopback and private ranges stay allowed: a local Prometheus, moto/LocalStack and in-cluster services are
// legitimate targets. Named exceptions come from the operator flag --allow-scaler-address.
import dns from 'node:dns';
import net from 'node:net';
import { ConfigError } from '../scaler.ts';

/** The refused ranges and why each is refused (shown in errors). */
const REFUSED: ReadonlyArray<{ address: string; prefix: number; family: 'ipv4' | 'ipv6'; why: string }> = [
  // Most specific first: the first match names the reason.
  // AWS IMDS: http://169.254.169.254 and http://[fd00:ec2::254]
  // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html); GCP, Azure and OCI
  // serve their metadata on 169.254.169.254 as well.
  { address: '169.254.169.254', prefix: 32, family: 'ipv4', why: 'the cloud instance metadata service (IMDS)' },
  { address: 'fd00:ec2::254', prefix: 128, family: 'ipv6', why: 'the cloud instance metadata service (IMDS, IPv6)' },
  // ECS task metadata / credentials endpoint 169.254.170.2
  // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4.html).
  { address: '169.254.170.2', prefix: 32, family: 'ipv4', why: 'the ECS task metadata and credentials endpoint' },
  // EKS Pod Identity agent 169.254.170.23 / fd00:ec2::23
  // (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html).
  { address: '169.254.170.23', prefix: 32, family: 'ipv4', why: 'the EKS Pod Identity credentials agent' },
  { address: 'fd00:ec2::23', prefix: 128, family: 'ipv6', why: 'the EKS Pod Identity credentials agent (IPv6)' },
  // Alibaba Cloud ECS metadata (https://www.alibabacloud.com/help/en/ecs/user-guide/view-instance-metadata).
  { address: '100.100.100.200', prefix: 32, family: 'ipv4', why: 'the Alibaba Cloud instance metadata service' },
  // IPv4 link-local, RFC 3927 §2.1 (https://www.rfc-editor.org/rfc/rfc3927#section-2.1); holds the metadata
  // endpoints above on every major cloud.
  { address: '169.254.0.0', prefix: 16, family: 'ipv4', why: 'an IPv4 link-local address (169.254.0.0/16, RFC 3927), where cloud metadata services live' },
  // IPv6 link-local, RFC 4291 §2.5.6 (https://www.rfc-editor.org/rfc/rfc4291#section-2.5.6).
  { address: 'fe80::', prefix: 10, family: 'ipv6', why: 'an IPv6 link-local address (fe80::/10, RFC 4291)' },
  // 169.254.0.0/16 behind the NAT64 well-known prefix 64:ff9b::/96 (RFC 6052 §2.1).
  { address: '64:ff9b::a9fe:0', prefix: 112, family: 'ipv6', why: 'an IPv4 link-local address behind NAT64 (64:ff9b::169.254.0.0/112)' },
  // IPv4-mapped IPv6 (::ffff:169.254.169.254, RFC 4291 §2.5.5.2) needs no rule of its own: net.BlockList matches
  // mapped addresses against the IPv4 rules, and display() shows them in dotted form.
];

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** `[::1]` → `::1`, `::ffff:a9fe:a9fe` → `169.254.169.254` (for matching names and for messages). */
function normalizeIp(address: string): string {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (net.isIP(a) !== 6) return a;
  const m = /^(?:0{0,4}:){0,5}:?ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(a);
  if (!m) return a;
  if (m[1]) return m[1];
  const hi = Number.parseInt(m[2], 16);
  const lo = Number.parseInt(m[3], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function family(ip: string): 'ipv4' | 'ipv6' {
  return net.isIP(ip) === 4 ? 'ipv4' : 'ipv6';
}

/**
 * Which addresses scalers may connect to: everything except the REFUSED ranges, minus the named exceptions
 * (addresses, CIDRs or host names given with --allow-scaler-address).
 */
export class AddressPolicy {
  private readonly refused = new net.BlockList();
  private readonly rules = REFUSED.map((r) => {
    const list = new net.BlockList();
    list.addSubnet(r.address, r.prefix, r.family);
    return { list, family: r.family, why: r.why };
  });
  private readonly allowed = new net.BlockList();
  private readonly allowedHosts = new Set<string>();
  /** The exceptions as given (normalized), for logs and docs. */
  readonly exceptions: readonly string[];

  /** `allow`: entries of --allow-scaler-address (comma lists accepted). Throws Error on an entry it cannot read. */
  constructor(allow: readonly string[] = []) {
    for (const r of REFUSED) this.refused.addSubnet(r.address, r.prefix, r.family);
    const exceptions: string[] = [];
    for (const entry of allow
      .flatMap((a) => a.split(','))
      .map((a) => a.trim())
      .filter(Boolean)) {
      exceptions.push(this.addException(entry));
    }
    this.exceptions = exceptions;
  }

  private addException(entry: string): string {
    const bad = () => new Error(`--allow-scaler-address: '${entry.slice(0, 80)}' is not an IP address, a CIDR (169.254.170.0/24) or a host name`);
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      const ip = normalizeIp(entry.slice(0, slash));
      const bits = entry.slice(slash + 1);
      const max = net.isIP(ip) === 4 ? 32 : net.isIP(ip) === 6 ? 128 : 0;
      if (max === 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > max) throw bad();
      this.allowed.addSubnet(ip, Number(bits), family(ip));
      return `${ip}/${bits}`;
    }
    const ip = normalizeIp(entry);
    if (net.isIP(ip)) {
      this.allowed.addAddress(ip, family(ip));
      return ip;
    }
    const host = entry.toLowerCase().replace(/\.$/, '');
    if (!HOST_NAME.test(host)) throw bad();
    this.allowedHosts.add(host);
    return host;
  }

  /** True when `host` (a URL host name) is a named exception: none of its addresses are checked. */
  allowsHost(host: string): boolean {
    return this.allowedHosts.has(
      host
        .toLowerCase()
        .replace(/^\[|\]$/g, '')
        .replace(/\.$/, ''),
    );
  }

  /** Why connecting to `address` (an IP) is refused, or undefined when it is allowed. */
  refusal(address: string): string | undefined {
    const ip = normalizeIp(address);
    if (!net.isIP(ip)) return undefined;
    const fam = family(ip);
    if (!this.refused.check(ip, fam) || this.allowed.check(ip, fam)) return undefined;
    return this.rules.find((r) => r.family === fam && r.list.check(ip, fam))?.why ?? 'a link-local or cloud metadata address';
  }
}

// The process-wide policy, set once by `updraft operator` from --allow-scaler-address. A module-level setter
// (like setDefaultAwsCredentials) rather than a ScalerContext field: the policy is operator configuration, not
// per-trigger data, and a setter leaves the ScalerContext, buildObjectScalers and every caller (operator, `up`,
// `probe`, tests) unchanged; whoever does not set it gets the safe default (no exceptions).
let processPolicy = new AddressPolicy();

export function scalerAddressPolicy(): AddressPolicy {
  return processPolicy;
}

export function setScalerAddressPolicy(policy: AddressPolicy): void {
  processPolicy = policy;
}

/**
 * A trigger value fit for an error message: no `user:password@`, no query or fragment (tokens), at most ~80
 * characters. A value that is not a URL is cut at its last '@' before any path too: better too little than a secret.
 */
export function shownValue(raw: string): string {
  let shown: string;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url && url.host && (url.protocol === 'http:' || url.protocol === 'https:')) {
    shown = `${url.protocol}//${url.username || url.password ? '***@' : ''}${url.host}${url.pathname}${url.search || url.hash ? '?…' : ''}`;
  } else {
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw)?.[0] ?? '';
    let rest = raw.slice(scheme.length);
    const at = rest.lastIndexOf('@');
    if (at >= 0) rest = `***@${rest.slice(at + 1)}`;
    const q = rest.search(/[?#]/);
    if (q >= 0) rest = `${rest.slice(0, q)}?…`;
    shown = scheme + rest;
  }
  // eslint-disable-next-line no-control-regex
  shown = shown.replace(/[\u0000-\u001f\u007f]/g, '?');
  return shown.length > 80 ? `${shown.slice(0, 79)}…` : shown;
}

const WHY_REFUSED = "metadata services there hand out the node's credentials";

function refusalFix(ip: string): string {
  return `use the service's own address, or, if this target is intended, start the operator with --allow-scaler-address ${ip}`;
}

/**
 * The ConfigError for a URL host that is a refused literal IP, or undefined. `host` is a URL's `hostname`
 * (IPv6 in brackets); host names pass here and are checked after DNS resolution, at connect time.
 */
export function refusedHost(type: string, field: string, raw: string, host: string, policy: AddressPolicy = scalerAddressPolicy()): ConfigError | undefined {
  if (policy.allowsHost(host)) return undefined;
  const why = policy.refusal(host);
  if (!why) return undefined;
  const ip = normalizeIp(host);
  return new ConfigError(
    type,
    field,
    `${field} must not point at a cloud metadata or link-local address (${WHY_REFUSED}): ${ip} is ${why}; ${refusalFix(ip)}, got '${shownValue(raw)}'`,
  );
}

export interface HttpUrlParamOptions {
  /** Shown in the "must be an http(s) URL" error; default http://service.namespace:port. */
  example?: string;
  policy?: AddressPolicy;
}

/**
 * Parse a trigger field that holds an http(s) URL the operator connects to. Throws the trigger's ConfigError for
 * anything else (file://, unix://, gopher:, ftp:, no scheme …) and for a literal host the policy refuses.
 */
export function httpUrlParam(type: string, field: string, raw: string, options: HttpUrlParamOptions = {}): URL {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new ConfigError(
      type,
      field,
      `${field} must be an http(s) URL such as ${options.example ?? 'http://service.namespace:port'}, got '${shownValue(raw)}'`,
    );
  }
  const refused = refusedHost(type, field, raw, url.hostname, options.policy);
  if (refused) throw refused;
  return url;
}

/** A connection was refused by the policy (at connect time). Its message names host and address, never a secret. */
export class AddressRefusedError extends Error {
  readonly code = 'EUPDRAFT_ADDRESS_REFUSED';
  constructor(
    readonly host: string,
    readonly address: string,
    why: string,
  ) {
    super(
      `refused to connect to ${host === address ? address : `${host} (resolves to ${address})`}: ${address} is ${why}, and scalers may not connect to cloud metadata or link-local addresses (${WHY_REFUSED}); ${refusalFix(address)}`,
    );
    this.name = 'AddressRefusedError';
  }
}

/** The resolver guardedLookup asks; default dns.lookup (getaddrinfo, as node:net does). Tests inject their own. */
export type Resolver = (hostname: string, options: dns.LookupAllOptions) => Promise<dns.LookupAddress[]>;

const systemResolver: Resolver = (hostname, options) => dns.promises.lookup(hostname, options);

/** AddressRefusedError when `host` is a literal IP the policy refuses (node:net does not call `lookup` for those). */
export function checkLiteralHost(host: string, policy: AddressPolicy = scalerAddressPolicy()): AddressRefusedError | undefined {
  const ip = normalizeIp(host);
  if (!net.isIP(ip) || policy.allowsHost(host)) return undefined;
  const why = policy.refusal(ip);
  return why ? new AddressRefusedError(ip, ip, why) : undefined;
}

export interface GuardedLookupOptions {
  /** Default: the process-wide policy at the time of each lookup. */
  policy?: AddressPolicy;
  resolve?: Resolver;
}

/**
 * A `lookup` for node:net / http(s).Agent options: resolves all addresses of the host and fails with
 * AddressRefusedError if any of them is refused (a name with one bad record is refused as a whole, so a DNS answer
 * cannot smuggle one in), unless the host name itself is a named exception.
 */
export function guardedLookup(options: GuardedLookupOptions = {}): net.LookupFunction {
  const resolve = options.resolve ?? systemResolver;
  return (hostname, lookupOptions, callback) => {
    const policy = options.policy ?? scalerAddressPolicy();
    const { all, ...rest } = lookupOptions;
    resolve(hostname, { ...rest, all: true }).then(
      (addresses) => {
        if (!policy.allowsHost(hostname)) {
          for (const a of addresses) {
            const why = policy.refusal(a.address);
            if (why) {
              callback(new AddressRefusedError(hostname, normalizeIp(a.address), why), '');
              return;
            }
          }
        }
        if (addresses.length === 0) {
          callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '');
        } else if (all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

/**
 * The AWS SDK's `requestHandler` input: NodeHttpHandler options whose agents resolve through guardedLookup (the
 * SDK merges its own keepAlive / maxSockets defaults in). Connect-time check for awsEndpoint, and for an SQS
 * queueURL, whose host the SDK uses as the endpoint when no awsEndpoint is set.
 */
export function guardedRequestHandler(options: GuardedLookupOptions = {}): {
  httpAgent: { lookup: net.LookupFunction };
  httpsAgent: { lookup: net.LookupFunction };
} {
  const lookup = guardedLookup(options);
  return { httpAgent: { lookup }, httpsAgent: { lookup } };
}

/** The AddressRefusedError in `e` or its causes (SDKs may wrap socket errors), if any. */
export function findAddressRefused(e: unknown): AddressRefusedError | undefined {
  for (let cur = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    if (cur instanceof AddressRefusedError) return cur;
  }
  return undefined;
}
