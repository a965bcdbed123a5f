import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { otlpTokenSource } from './operator.ts';

describe('otlpTokenSource (--otlp-token-file / UPDRAFT_OTLP_TOKEN)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'updraft-otlp-token-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('no file and no env: no authentication', () => {
    assert.equal(otlpTokenSource(undefined, {}), undefined);
  });

  test('UPDRAFT_OTLP_TOKEN when there is no file (trimmed)', () => {
    assert.equal(otlpTokenSource(undefined, { UPDRAFT_OTLP_TOKEN: ' abc\n' })?.(), 'abc');
  });

  test('the file wins over the env, trailing newline trimmed', () => {
    const f = join(dir, 'token-a');
    writeFileSync(f, 'from-file\n');
    assert.equal(otlpTokenSource(f, { UPDRAFT_OTLP_TOKEN: 'from-env' })?.(), 'from-file');
  });

  test('a missing file is an error naming the flag', () => {
    assert.throws(() => otlpTokenSource(join(dir, 'nope'), {}), /--otlp-token-file: cannot read/);
  });

  test('an empty file is an error', () => {
    const f = join(dir, 'empty');
    writeFileSync(f, '\n');
    assert.throws(() => otlpTokenSource(f, {}), /is empty/);
  });

  test('a rotated file applies (re-read when its mtime changes)', () => {
    const f = join(dir, 'token-b');
    writeFileSync(f, 'one');
    utimesSync(f, new Date(1_000_000), new Date(1_000_000));
    const token = otlpTokenSource(f, {}, -1);
    assert.equal(token?.(), 'one');
    writeFileSync(f, 'two');
    utimesSync(f, new Date(2_000_000), new Date(2_000_000));
    assert.equal(token?.(), 'two');
  });

  test('a file emptied mid-rotation keeps the last token', () => {
    const f = join(dir, 'token-c');
    writeFileSync(f, 'keep');
    utimesSync(f, new Date(1_000_000), new Date(1_000_000));
    const token = otlpTokenSource(f, {}, -1);
    writeFileSync(f, '');
    utimesSync(f, new Date(3_000_000), new Date(3_000_000));
    assert.equal(token?.(), 'keep');
  });
});
