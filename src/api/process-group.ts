// ProcessGroup (`updraft.dev/v1alpha1`): Updraft's own kind, not KEDA's. It describes a set of identical local
// processes that `updraft up` runs as the scale target of a ScaledObject, the way a Deployment describes pods:
//
//   scaleTargetRef: { apiVersion: updraft.dev/v1alpha1, kind: ProcessGroup, name: web }
//
// Field names follow the Kubernetes container and probe fields they stand for (command, args, env, workingDir,
// readinessProbe, terminationGracePeriodSeconds), with the Kubernetes defaults, so moving the workload to a
// Deployment later is a rename, not a rethink.
import { z } from 'zod';
import { DNS_SUBDOMAIN } from './object-meta.ts';
import { joinPath, objectLabel, type Problem } from './problem.ts';

export const UPDRAFT_GROUP = 'updraft.dev';
export const UPDRAFT_API_VERSION = `${UPDRAFT_GROUP}/v1alpha1`;
export const PROCESS_GROUP_KIND = 'ProcessGroup';

/** How readiness is checked; exactly one handler, as in a Kubernetes probe. */
export type ProbeHandler =
  | { httpGet: { path: string; port?: number; host: string; scheme: 'HTTP' | 'HTTPS'; httpHeaders: Array<{ name: string; value: string }> } }
  | { tcpSocket: { port?: number; host: string } }
  | { exec: { command: string[] } };

export type Probe = ProbeHandler & {
  /** Kubernetes default 0. */
  initialDelaySeconds: number;
  /** Kubernetes default 10. */
  periodSeconds: number;
  /** Kubernetes default 1. */
  timeoutSeconds: number;
  /** Kubernetes default 1 (must be 1 for liveness in Kubernetes; any value for readiness). */
  successThreshold: number;
  /** Kubernetes default 3. */
  failureThreshold: number;
};

export interface PortRange {
  from: number;
  to: number;
}

/**
 * A local stand-in for a Kubernetes Service in front of the instances: one port that spreads requests over the
 * ready instances and holds them while none is ready (so a request can wake a group scaled to zero).
 */
export interface ServiceSpec {
  port: number;
  /** Default 127.0.0.1. */
  host: string;
  /** How long a request waits for a ready instance before a 503 (default 60). */
  holdTimeoutSeconds: number;
}

export interface ProcessGroupSpec {
  /** The executable (PATH is searched). Unlike Kubernetes there is no image, so this is required. */
  command: string;
  args: string[];
  /** Added to Updraft's own environment; `$(VAR)` references to earlier variables and PORT expand. */
  env: Record<string, string>;
  /** Relative paths resolve against the manifest's directory (done by the loader, not here). */
  workingDir?: string;
  /** Each instance gets one free port of the range as env PORT. */
  ports?: PortRange;
  readinessProbe?: Probe;
  /** Kubernetes default 30: SIGTERM, then SIGKILL after this many seconds. */
  terminationGracePeriodSeconds: number;
  /** Instances to run before any ScaledObject acts (default 0). */
  replicas: number;
  service?: ServiceSpec;
}

export interface ProcessGroup {
  apiVersion: typeof UPDRAFT_API_VERSION;
  kind: typeof PROCESS_GROUP_KIND;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: ProcessGroupSpec;
}

const port = z.number().int().min(1).max(65535);
const seconds = (min: number) => z.number().int().min(min);

const envValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const envSchema = z
  .union([
    z.record(z.string().min(1), envValue),
    // The Kubernetes container form, so a pod spec's env list can be pasted as is.
    z.array(z.object({ name: z.string().min(1), value: envValue.optional() })),
  ])
  .transform((e): Record<string, string> => (Array.isArray(e) ? Object.fromEntries(e.map((v) => [v.name, v.value ?? ''])) : e));

const probeTiming = {
  initialDelaySeconds: seconds(0).default(0),
  periodSeconds: seconds(1).default(10),
  timeoutSeconds: seconds(1).default(1),
  successThreshold: seconds(1).default(1),
  failureThreshold: seconds(1).default(3),
};

const probeSchema = z
  .object({
    httpGet: z
      .object({
        path: z.string().startsWith('/').default('/'),
        port: port.optional(),
        host: z.string().min(1).default('127.0.0.1'),
        scheme: z.enum(['HTTP', 'HTTPS']).default('HTTP'),
        httpHeaders: z.array(z.object({ name: z.string().min(1), value: z.string() })).default([]),
      })
      .optional(),
    tcpSocket: z.object({ port: port.optional(), host: z.string().min(1).default('127.0.0.1') }).optional(),
    exec: z.object({ command: z.array(z.string()).min(1) }).optional(),
    ...probeTiming,
  })
  .superRefine((p, ctx) => {
    const n = [p.httpGet, p.tcpSocket, p.exec].filter((h) => h !== undefined).length;
    if (n !== 1) {
      ctx.addIssue({ code: 'custom', message: `needs exactly one of httpGet, tcpSocket or exec, got ${n}` });
    }
  });

const portRangeSchema = z.object({ from: port, to: port }).refine((r) => r.from <= r.to, { message: 'from must be <= to' });

export const processGroupSpecSchema = z
  .object({
    command: z.string().min(1),
    args: z.array(z.union([z.string(), z.number()]).transform(String)).default([]),
    env: envSchema.default({}),
    workingDir: z.string().min(1).optional(),
    ports: portRangeSchema.optional(),
    readinessProbe: probeSchema.optional(),
    terminationGracePeriodSeconds: seconds(0).default(30),
    replicas: seconds(0).default(0),
    service: z.object({ port, host: z.string().min(1).default('127.0.0.1'), holdTimeoutSeconds: seconds(1).default(60) }).optional(),
  })
  .superRefine((s, ctx) => {
    if (s.service && !s.ports) {
      ctx.addIssue({ code: 'custom', path: ['ports'], message: 'is required with spec.service (the service forwards to each instance PORT)' });
    }
    if (s.service && s.ports && s.service.port >= s.ports.from && s.service.port <= s.ports.to) {
      ctx.addIssue({ code: 'custom', path: ['service', 'port'], message: `must be outside spec.ports ${s.ports.from}-${s.ports.to}` });
    }
    const probe = s.readinessProbe;
    const probePort = probe?.httpGet ? probe.httpGet.port : probe?.tcpSocket ? probe.tcpSocket.port : 0;
    if (probePort === undefined && !s.ports) {
      const handler = probe?.httpGet ? 'httpGet' : 'tcpSocket';
      ctx.addIssue({
        code: 'custom',
        path: ['readinessProbe', handler, 'port'],
        message: 'is required when spec.ports is not set (the probe defaults to the instance PORT)',
      });
    }
    if (s.ports && s.ports.from <= s.ports.to && s.replicas > s.ports.to - s.ports.from + 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['replicas'],
        message: `${s.replicas} instances need more ports than spec.ports has (${s.ports.from}-${s.ports.to})`,
      });
    }
  });

export const processGroupSchema = z.object({
  apiVersion: z.literal(UPDRAFT_API_VERSION),
  kind: z.literal(PROCESS_GROUP_KIND),
  metadata: z.looseObject({
    name: z.string().min(1).max(63).regex(DNS_SUBDOMAIN, 'must be a lowercase RFC 1123 name (a-z, 0-9, "-", ".")'),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: processGroupSpecSchema,
});

/** True when a raw manifest object claims to be a ProcessGroup (before validation). */
export function isProcessGroupManifest(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Record<string, unknown>;
  return r.kind === PROCESS_GROUP_KIND && typeof r.apiVersion === 'string' && r.apiVersion.startsWith(`${UPDRAFT_GROUP}/`);
}

export type ParseResult = { ok: true; value: ProcessGroup } | { ok: false; problems: Problem[] };

/** Validate and default one ProcessGroup manifest. Problems name the object and the field path. */
export function parseProcessGroup(raw: unknown, source?: string): ParseResult {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as { metadata?: { name?: unknown; namespace?: unknown } };
  const ns = typeof r.metadata?.namespace === 'string' ? r.metadata.namespace : 'default';
  const name = typeof r.metadata?.name === 'string' ? r.metadata.name : undefined;
  const object = objectLabel(PROCESS_GROUP_KIND, ns, name);
  const parsed = processGroupSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => {
        const p: Problem = { severity: 'error', object, path: joinPath(i.path), message: i.message };
        if (i.path[0] === 'apiVersion' || i.path[0] === 'kind') {
          p.fix = `use apiVersion: ${UPDRAFT_API_VERSION} and kind: ${PROCESS_GROUP_KIND}`;
        }
        if (source) p.source = source;
        return p;
      }),
    };
  }
  const { metadata: m, spec: s } = parsed.data;
  const spec: ProcessGroupSpec = {
    command: s.command,
    args: s.args,
    env: s.env,
    terminationGracePeriodSeconds: s.terminationGracePeriodSeconds,
    replicas: s.replicas,
  };
  if (s.workingDir !== undefined) spec.workingDir = s.workingDir;
  if (s.ports) spec.ports = { from: s.ports.from, to: s.ports.to };
  if (s.service) spec.service = { port: s.service.port, host: s.service.host, holdTimeoutSeconds: s.service.holdTimeoutSeconds };
  if (s.readinessProbe) {
    const { httpGet, tcpSocket, exec, ...timing } = s.readinessProbe;
    const handler: ProbeHandler = httpGet ? { httpGet } : tcpSocket ? { tcpSocket } : { exec: exec! };
    spec.readinessProbe = { ...handler, ...timing };
  }
  return {
    ok: true,
    value: {
      apiVersion: UPDRAFT_API_VERSION,
      kind: PROCESS_GROUP_KIND,
      metadata: { name: m.name, namespace: ns || 'default', labels: m.labels ?? {}, annotations: m.annotations ?? {} },
      spec,
    },
  };
}

/**
 * Kubernetes `$(VAR)` expansion (used for command, args and env values): `$(NAME)` becomes the variable's value
 * when NAME is defined, `$$` becomes `$` (so `$$(X)` stays literal), and an undefined reference is left as written.
 */
export function expandVars(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : m;
  });
}
