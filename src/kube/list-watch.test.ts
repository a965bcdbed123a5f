import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWatchNamespaces } from './list-watch.ts';

describe('WATCH_NAMESPACE is a comma list where empty means all namespaces', () => {
  const cases: Array<[string | undefined, string[]]> = [
    [undefined, []],
    ['', []],
    ['prod', ['prod']],
    [' prod, staging ,', ['prod', 'staging']],
  ];
  for (const [v, want] of cases)
    test(`WATCH_NAMESPACE=${JSON.stringify(v)} watches ${want.length ? want.join(' and ') : 'all namespaces'}`, () =>
      assert.deepEqual(parseWatchNamespaces(v), want, String(v)));
});
