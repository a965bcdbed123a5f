// KEDA pkg/scalers/cpu_memory_scaler_test.go, translated one subtest per row, for the `cpu` and `memory` triggers (one
// definition, common/resource-trigger.ts, so one table runs for each), plus the HPA metric spec KEDA writes
// (TestGetMetricSpecForScaling, TestGetContainerMetricSpecForScaling) and Updraft's checks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MetricTargetType } from '../../api/types.ts';
import * as cpu from '../cpu.ts';
import * as memory from '../memory.ts';
import { ConfigError } from '../scaler.ts';

for (const descriptor of [cpu.descriptor, memory.descriptor]) {
  const TYPE = descriptor.type;
  describe(`the ${TYPE} trigger`, () => {
    const parse = (metadata: Record<string, string>, metricType?: MetricTargetType) =>
      descriptor.parse({ metadata, authParams: {}, resolvedEnv: {}, ...(metricType ? { metricType } : {}) });
    const refusal = (fn: () => unknown): ConfigError => {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e;
      }
      assert.fail('expected a ConfigError');
    };

    // testCPUMemoryMetadata: {metricType, metadata, isError}
    const kedaRows: Array<[string, MetricTargetType | undefined, Record<string, string>, boolean]> = [
      ['no metricType, no value', undefined, {}, true],
      ['Utilization 50', 'Utilization', { value: '50' }, false],
      ['AverageValue 50', 'AverageValue', { value: '50' }, false],
      ['Value is not a resource target type', 'Value', { value: '50' }, true],
      ['no metricType, empty value', undefined, { value: '' }, true],
      ['no metricType, no value (repeated row)', undefined, {}, true],
    ];

    describe(`KEDA TestCPUMemoryParseMetadata (${TYPE})`, () => {
      for (const [name, metricType, metadata, isError] of kedaRows) {
        test(`${name}: ${isError ? 'error' : 'ok'}`, () => {
          if (isError) refusal(() => parse(metadata, metricType));
          else assert.doesNotThrow(() => parse(metadata, metricType));
        });
      }
    });

    test('KEDA TestGetMetricSpecForScaling: a Resource metric named after the resource, target Utilization', () => {
      assert.deepEqual(descriptor.metricSpecs(parse({ value: '50' }, 'Utilization'), 0), [
        { metricName: TYPE, kind: 'Resource', targetType: 'Utilization', target: 50, resourceName: TYPE },
      ]);
    });

    test('KEDA TestGetContainerMetricSpecForScaling: containerName makes it a ContainerResource metric of that container', () => {
      assert.deepEqual(descriptor.metricSpecs(parse({ value: '50', containerName: 'foo' }, 'Utilization'), 4), [
        { metricName: TYPE, kind: 'ContainerResource', targetType: 'Utilization', target: 50, resourceName: TYPE, containerName: 'foo' },
      ]);
    });

    describe('AverageValue targets are Kubernetes quantities, written into the HPA as resource.MustParse(value).String()', () => {
      const rows: Array<[string, number, string]> = [
        ['500m', 0.5, '500m'],
        ['0.5', 0.5, '500m'],
        ['2', 2, '2'],
        ['256Mi', 268435456, '256Mi'],
        ['1.5Gi', 1610612736, '1536Mi'],
        ['1000', 1000, '1k'],
        [' 128Mi ', 134217728, '128Mi'],
      ];
      for (const [value, target, quantity] of rows) {
        test(`${JSON.stringify(value)} → ${target} base units, HPA averageValue ${quantity}`, () => {
          const [spec] = descriptor.metricSpecs(parse({ value }, 'AverageValue'), 0);
          assert.equal(spec.target, target);
          assert.equal(spec.targetQuantity, quantity);
        });
      }
    });

    describe('values KEDA would panic on or the API server would refuse are ConfigErrors naming value (Updraft differs on purpose: it says so before the HPA write fails)', () => {
      const rows: Array<[string, MetricTargetType, string, RegExp]> = [
        ['a bad quantity (KEDA: resource.MustParse panics)', 'AverageValue', 'lots', /value must be a Kubernetes quantity .* got 'lots'/],
        ['a zero quantity (API server: averageValue must be positive)', 'AverageValue', '0', /value must be a positive quantity/],
        ['a negative quantity', 'AverageValue', '-1', /value must be a positive quantity/],
        ['a fraction as Utilization (KEDA: strconv.ParseInt error)', 'Utilization', '50.5', /value must be a whole number .* got '50\.5'/],
        ['a quantity as Utilization', 'Utilization', '500m', /value must be a whole number/],
        ['beyond int32 as Utilization', 'Utilization', '2147483648', /value must be a whole number/],
        ['zero Utilization (API server: averageUtilization must be greater than 0)', 'Utilization', '0', /greater than 0/],
      ];
      for (const [name, metricType, value, message] of rows) {
        test(name, () => {
          const e = refusal(() => parse({ value }, metricType));
          assert.equal(e.field, 'value');
          assert.match(e.message, message);
          assert.ok(e.message.startsWith(`${TYPE}: `), e.message);
        });
      }
    });

    test("metadata.type is KEDA's deprecated setting, an error since v2.18: the message says to use metricType", () => {
      const e = refusal(() => parse({ type: 'Utilization', value: '50' }, 'Utilization'));
      assert.equal(e.field, 'metricType');
      assert.match(e.message, /DEPRECATED and is removed in v2\.18 - use 'metricType' instead/);
    });

    test('an unknown metricType names the allowed ones, as KEDA does', () => {
      const e = refusal(() => parse({ value: '50' }));
      assert.equal(e.field, 'metricType');
      assert.match(e.message, /unknown metric type: , allowed values are 'Utilization' or 'AverageValue'/);
    });

    test("a missing value is KEDA's missing-parameter error", () => {
      const e = refusal(() => parse({}, 'Utilization'));
      assert.equal(e.field, 'value');
      assert.match(e.message, /missing required parameter "value" in \[triggerMetadata\]/);
    });

    test("the reader is KEDA's: no value, always active (the runtime reads pod metrics instead)", async () => {
      const config = parse({ value: '50' }, 'Utilization');
      const reader = descriptor.createReader(config, {
        trigger: { type: TYPE, metadata: { value: '50' }, useCachedMetrics: false },
        triggerIndex: 0,
        namespace: 'n',
        objectName: 'o',
        objectKind: 'ScaledObject',
        metricSpecs: [],
        activationThreshold: 0,
        httpTimeoutMs: 1000,
      });
      assert.deepEqual(await reader.read(new AbortController().signal), { metrics: [], active: true });
      await reader.close();
    });
  });
}
