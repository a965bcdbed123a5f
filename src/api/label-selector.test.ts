import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatLabelSelector, matchesLabels, parseLabelSelector } from './label-selector.ts';

// Selectors from KEDA's kubernetes_workload_scaler_test.go and apimachinery's selector grammar.
const parseRows: Array<[string, string]> = [
  ['app=demo', 'app=demo'],
  ['app == demo', 'app==demo'],
  ['app in (demo1, demo2)', 'app in (demo1,demo2)'],
  ['app in (demo1, demo2),deploy in (deploy1, deploy2)', 'app in (demo1,demo2),deploy in (deploy1,deploy2)'],
  ['tier notin (cache), env!=prod', 'env!=prod,tier notin (cache)'],
  ['example.com/role,!canary', '!canary,example.com/role'],
  ['gen>3,gen<10', 'gen>3,gen<10'],
  ['app=', 'app='],
  ['', ''],
];
describe('label selector parse and canonical form', () => {
  for (const [text, canonical] of parseRows) test(`'${text}'`, () => assert.equal(formatLabelSelector(parseLabelSelector(text)), canonical));
});

const badRows: Array<[string, RegExp]> = [
  ['app in demo', /expected \( after "app in"/],
  ['app in (demo', /missing \)/],
  ['app in ()', /needs at least one value/],
  ['app ~ demo', /expected =, ==, !=, in, notin, > or </],
  ['-app=x', /invalid label key "-app"/],
  ['Bad_Prefix.com/app=x', /the prefix must be a DNS subdomain/],
  ['app=de mo', /expected , between requirements/],
  ['app=-x', /invalid label value "-x"/],
  ['gen>three', /needs a whole number/],
  [',', /expected a label key/],
];
describe('label selector errors', () => {
  for (const [text, message] of badRows) test(`'${text}'`, () => assert.throws(() => parseLabelSelector(text), { name: 'LabelSelectorError', message }));
});

const matchRows: Array<[string, Record<string, string>, boolean]> = [
  ['app=demo', { app: 'demo' }, true],
  ['app=demo', { app: 'other' }, false],
  ['app in (a,b)', { app: 'b' }, true],
  ['app notin (a,b)', {}, true],
  ['app!=a', {}, true],
  ['app!=a', { app: 'a' }, false],
  ['app', { app: '' }, true],
  ['!app', { app: 'x' }, false],
  ['gen>3', { gen: '4' }, true],
  ['gen>3', { gen: 'x' }, false],
  ['gen<3', {}, false],
  ['app=demo,tier=web', { app: 'demo' }, false],
  ['', { any: 'thing' }, true],
];
describe('label selector matching', () => {
  for (const [sel, labels, want] of matchRows)
    test(`'${sel}' on ${JSON.stringify(labels)}`, () => assert.equal(matchesLabels(parseLabelSelector(sel), labels), want));
});
