// metrics.k8s.io on the local control plane, from real parts: a second kwok (sigs.k8s.io/kwok) that manages its own
// fake node "kwok-metrics-0" and simulates the kubelet's /metrics/resource endpoint for the pods on it (kwok's
// Metric and ClusterResourceUsage config: a pod's cpu/memory usage is its kwok.x-k8s.io/usage-cpu /
// usage-memory annotation), and metrics-server (built by scripts/deps/metrics-server.sh) scraping it, registered
// as the v1beta1.metrics.k8s.io APIService the way a cluster registers it. The control plane's own kwok keeps
// managing its nodes; pods that should report metrics select the metrics node (nodeSelector below).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlPlane } from './control-plane.ts';
import { freePort } from './free-port.ts';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
export const METRICS_NODE = 'kwok-metrics-0';
/** Pod annotations kwok's ClusterResourceUsage below reads: the simulated usage of each container. */
export const USAGE_CPU = 'kwok.x-k8s.io/usage-cpu';
export const USAGE_MEMORY = 'kwok.x-k8s.io/usage-memory';

export interface MetricsServer {
  nodeName: string;
  /** A pod-template fragment that schedules pods onto the metrics node. */
  nodeSelector: Record<string, string>;
  stop(): Promise<void>;
}

function binDir(): string {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'control-plane', 'build.sh')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`control-plane build.sh failed: ${r.stderr.slice(-2000)}`);
  return r.stdout.trim().split('\n').pop()!;
}

function metricsServerBinary(): string {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'deps', 'metrics-server.sh')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/deps/metrics-server.sh failed: ${r.stderr.slice(-2000)}`);
  return r.stdout.trim().split('\n').pop()!;
}

// kwok's config: the kubelet resource metrics metrics-server decodes (pkg/scraper/client/resource/decode.go), and
// per-pod usage from annotations (default 1m cpu, 1Mi memory).
const KWOK_METRICS = `---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Metric
metadata: {name: kubelet-resource}
spec:
  path: "/metrics/nodes/{nodeName}/metrics/resource"
  metrics:
  - {name: scrape_error, dimension: node, kind: gauge, help: "0 when the scrape worked", value: '0'}
  - name: container_start_time_seconds
    dimension: container
    kind: gauge
    help: "container start time"
    labels: [{name: container, value: container.name}, {name: namespace, value: pod.metadata.namespace}, {name: pod, value: pod.metadata.name}]
    value: pod.SinceSecond()
  - name: container_cpu_usage_seconds_total
    dimension: container
    kind: counter
    help: "cumulative container cpu"
    labels: [{name: container, value: container.name}, {name: namespace, value: pod.metadata.namespace}, {name: pod, value: pod.metadata.name}]
    value: pod.CumulativeUsage("cpu", container.name)
  - name: container_memory_working_set_bytes
    dimension: container
    kind: gauge
    help: "container working set"
    labels: [{name: container, value: container.name}, {name: namespace, value: pod.metadata.namespace}, {name: pod, value: pod.metadata.name}]
    value: pod.Usage("memory", container.name)
  - {name: node_cpu_usage_seconds_total, dimension: node, kind: counter, help: "node cpu", value: node.CumulativeUsage("cpu")}
  - {name: node_memory_working_set_bytes, dimension: node, kind: gauge, help: "node memory", value: node.Usage("memory")}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterResourceUsage
metadata: {name: usage-from-annotations}
spec:
  usages:
  - usage:
      cpu:
        expression: '"${USAGE_CPU}" in pod.metadata.annotations ? Quantity(pod.metadata.annotations["${USAGE_CPU}"]) : Quantity("1m")'
      memory:
        expression: '"${USAGE_MEMORY}" in pod.metadata.annotations ? Quantity(pod.metadata.annotations["${USAGE_MEMORY}"]) : Quantity("1Mi")'
`;

function started(name: string, child: ChildProcess, logFile: string): ChildProcess {
  child.on('exit', (code, signal) => {
    if (code !== null && code !== 0) process.stderr.write(`${name} exited ${code} (log ${logFile})\n`);
    void signal;
  });
  return child;
}

export async function startMetricsServer(cp: ControlPlane): Promise<MetricsServer> {
  const bin = binDir();
  const msBin = metricsServerBinary();
  const dir = await mkdtemp(join(tmpdir(), 'updraft-metrics-'));
  const kwokPort = await freePort();
  const msPort = await freePort();
  const stages = await readFile(join(bin, 'kwok-stages.yaml'), 'utf8');
  const config = join(dir, 'kwok.yaml');
  await writeFile(config, `${stages}\n${KWOK_METRICS}`);
  const kwokCert = await cp.issueServingCert('kwok-metrics', ['127.0.0.1']);
  const msCert = await cp.issueServingCert('metrics-server', ['metrics-server.kube-system.svc', '127.0.0.1']);
  const { openSync } = await import('node:fs');
  const kwokLog = join(dir, 'kwok.log');
  const msLog = join(dir, 'metrics-server.log');
  const kwok = started(
    'kwok (metrics)',
    spawn(
      join(bin, 'kwok'),
      [
        '--config',
        config,
        '--kubeconfig',
        cp.kubeconfig,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector',
        'kwok.x-k8s.io/node=metrics',
        '--node-lease-duration-seconds',
        '40',
        '--cidr',
        '10.245.0.1/16',
        '--node-ip',
        '127.0.0.1',
        '--node-port',
        String(kwokPort),
        '--server-address',
        `127.0.0.1:${kwokPort}`,
        '--tls-cert-file',
        kwokCert.certFile,
        '--tls-private-key-file',
        kwokCert.keyFile,
      ],
      { stdio: ['ignore', openSync(kwokLog, 'a'), openSync(kwokLog, 'a')] },
    ),
    kwokLog,
  );
  await cp.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: METRICS_NODE,
        annotations: {
          'kwok.x-k8s.io/node': 'metrics',
          'node.alpha.kubernetes.io/ttl': '0',
          'metrics.k8s.io/resource-metrics-path': `/metrics/nodes/${METRICS_NODE}/metrics/resource`,
        },
        labels: { 'kubernetes.io/hostname': METRICS_NODE, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok-metrics' },
      },
      status: { capacity: { cpu: '32', memory: '256Gi', pods: '110' }, allocatable: { cpu: '32', memory: '256Gi', pods: '110' } },
    }),
  });
  const ms = started(
    'metrics-server',
    spawn(
      msBin,
      [
        '--kubeconfig',
        cp.kubeconfig,
        '--authentication-kubeconfig',
        cp.kubeconfig,
        '--authorization-kubeconfig',
        cp.kubeconfig,
        '--bind-address',
        '127.0.0.1',
        '--secure-port',
        String(msPort),
        '--tls-cert-file',
        msCert.certFile,
        '--tls-private-key-file',
        msCert.keyFile,
        '--kubelet-preferred-address-types',
        'InternalIP',
        '--kubelet-use-node-status-port',
        '--kubelet-insecure-tls',
        '--node-selector',
        'type=kwok-metrics',
        '--metric-resolution',
        '15s',
      ],
      { stdio: ['ignore', openSync(msLog, 'a'), openSync(msLog, 'a')] },
    ),
    msLog,
  );
  await cp.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'metrics-server', namespace: 'kube-system' },
          spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port: msPort, protocol: 'TCP' }] },
        },
        {
          apiVersion: 'apiregistration.k8s.io/v1',
          kind: 'APIService',
          metadata: { name: 'v1beta1.metrics.k8s.io' },
          spec: {
            group: 'metrics.k8s.io',
            version: 'v1beta1',
            service: { namespace: 'kube-system', name: 'metrics-server', port: msPort },
            caBundle: (await readFile(msCert.caFile)).toString('base64'),
            groupPriorityMinimum: 100,
            versionPriority: 100,
          },
        },
      ],
    }),
  });
  const stop = async (): Promise<void> => {
    for (const c of [ms, kwok])
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await exited;
      }
  };
  return { nodeName: METRICS_NODE, nodeSelector: { 'kubernetes.io/hostname': METRICS_NODE }, stop };
}
