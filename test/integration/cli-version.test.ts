// The CLI starts as a real process and reports its version.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { trellisArgv } from '../helpers/trellis-bin.js';

test('trellis version prints the package version', () => {
  const [cmd, ...args] = trellisArgv();
  const out = execFileSync(cmd, [...args, 'version'], { encoding: 'utf8' });
  assert.match(out, /^trellis \d+\.\d+\.\d+ \(node v\d+/);
});
