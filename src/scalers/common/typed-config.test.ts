import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bool, duration, int, keyValues, resolveConfig, str } from './typed-config.ts';

const fields = {
  queueURL: str({ order: ['triggerMetadata', 'resolvedEnv'] }),
  queueLength: int({ default: 5 }),
  token: str({ aliases: ['bearerToken'], order: ['authParams'], optional: true }),
  flag: bool({ default: true }),
  timeout: duration({ optional: true }),
  headers: keyValues({ optional: true }),
};
const input = (metadata: Record<string, string>, authParams: Record<string, string> = {}, resolvedEnv: Record<string, string> = {}) => ({
  metadata,
  authParams,
  resolvedEnv,
});

const ok: Array<[string, ReturnType<typeof input>, Record<string, unknown>]> = [
  ['defaults fill absent fields', input({ queueURL: 'q' }), { queueURL: 'q', queueLength: 5, flag: true, token: undefined }],
  ['values are trimmed', input({ queueURL: '  q  ', queueLength: ' 7 ' }), { queueURL: 'q', queueLength: 7 }],
  ['an empty string counts as absent', input({ queueURL: 'q', queueLength: '' }), { queueLength: 5 }],
  ['xFromEnv reads the container env', input({ queueURLFromEnv: 'QUEUE' }, {}, { QUEUE: 'from-env' }), { queueURL: 'from-env' }],
  ['metadata wins over env in the declared order', input({ queueURL: 'md', queueURLFromEnv: 'QUEUE' }, {}, { QUEUE: 'env' }), { queueURL: 'md' }],
  ['an alias is accepted', input({ queueURL: 'q' }, { bearerToken: 't' }), { token: 't' }],
  ['Go ParseBool spellings', input({ queueURL: 'q', flag: 'F' }), { flag: false }],
  ['durations accept Go strings', input({ queueURL: 'q', timeout: '1m30s' }), { timeout: 90_000 }],
  ['durations accept plain milliseconds', input({ queueURL: 'q', timeout: '250' }), { timeout: 250 }],
  ['k=v maps', input({ queueURL: 'q', headers: 'a=1, b = 2' }), { headers: { a: '1', b: '2' } }],
];
for (const [name, inp, want] of ok) {
  test(`typed config: ${name}`, () => {
    const got = resolveConfig('t', fields, inp) as Record<string, unknown>;
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k], v, k);
  });
}

const bad: Array<[string, ReturnType<typeof input>, string]> = [
  [
    'a missing required parameter names it and the sources',
    input({}),
    't: missing required parameter "queueURL" in [triggerMetadata resolvedEnv]; set metadata.queueURL or metadata.queueURLFromEnv',
  ],
  ['"5.0" into an int fails like KEDA', input({ queueURL: 'q', queueLength: '5.0' }), "t: queueLength must be a whole number, got '5.0'"],
  ['a word into an int fails', input({ queueURL: 'q', queueLength: 'five' }), "t: queueLength must be a whole number, got 'five'"],
  ['"yes" is not a Go bool', input({ queueURL: 'q', flag: 'yes' }), "t: flag must be true or false, got 'yes'"],
  [
    'a negative duration fails',
    input({ queueURL: 'q', timeout: '-1s' }),
    "t: timeout must be a duration such as 3s or 500ms (or a number of milliseconds), got '-1s'",
  ],
  [
    'a map element without = fails',
    input({ queueURL: 'q', headers: 'a=1,b' }),
    "t: headers must be a list of key=value pairs separated by commas, got 'a=1,b' ('b' is not key=value)",
  ],
];
for (const [name, inp, message] of bad) {
  test(`typed config: ${name}`, () => assert.throws(() => resolveConfig('t', fields, inp), { name: 'ConfigError', message }));
}

test('typed config: a bad value from a TriggerAuthentication is not echoed (it may be a secret)', () => {
  const f = { n: int({ order: ['authParams'] }) };
  assert.throws(
    () => resolveConfig('t', f, input({}, { n: 's3cr3t' })),
    (e: Error) => !e.message.includes('s3cr3t') && /not shown/.test(e.message),
  );
});

// The value parsers themselves (Go bool, JSON numbers, durations) and metric names are tested in
// src/api/values.test.ts and src/api/metric-name.test.ts.
