// `updraft up --metrics-port` as a library (startLocal metricsPort): a local run serves KEDA's keda_* series and
// Updraft's updraft_* on /metrics, labelled as the operator labels them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { planUp } from '../../src/local/plan.ts';
import { startLocal } from '../../src/local/start-local.ts';
import { eventually } from '../support/wait.ts';

test('a local run serves the operator metrics on --metrics-port', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-local-metrics-'));
  writeFileSync(
    join(dir, 'local.yaml'),
    `
apiVersion: updraft.dev/v1alpha1
kind: ProcessGroup
metadata: { name: idle }
spec:
  command: ${JSON.stringify(process.execPath)}
  args: ["-e", "setInterval(() => {}, 1000)"]
  terminationGracePeriodSeconds: 2
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: idle }
spec:
  scaleTargetRef: { apiVersion: updraft.dev/v1alpha1, kind: ProcessGroup, name: idle }
  minReplicaCount: 0
  maxReplicaCount: 2
  pollingInterval: 1
  triggers:
  - type: opentelemetry
    metadata: { metricName: local_metrics_depth_${process.pid}, window: 3s, threshold: "5" }
`,
  );
  const plan = await planUp([dir]);
  const run = await startLocal(plan, { otlpPort: 0, metricsPort: 0 });
  try {
    assert.ok(run.metricsPort);
    const text = await eventually(
      'two polls on /metrics',
      async () => {
        const body = await (await fetch(`http://127.0.0.1:${run.metricsPort}/metrics`)).text();
        return /updraft_scale_decisions_total\{[^}]*scaledObject="idle"[^}]*\} [2-9]/.test(body) ? body : undefined;
      },
      30_000,
    );
    assert.match(
      text,
      /keda_scaler_active\{namespace="default",metric="s0-[^"]+",scaledObject="idle",scaler="opentelemetry",triggerIndex="0",type="scaledobject"\} 0/,
    );
    assert.match(text, /keda_resource_registered_total\{type="scaled_object",namespace="default"\} 1/);
    assert.match(text, /keda_trigger_registered_total\{type="opentelemetry"\} 1/);
    assert.match(text, /updraft_direct_replicas\{namespace="default",scaledObject="idle",kind="max"\} 2/);
    assert.match(text, /keda_build_info\{/);
  } finally {
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
