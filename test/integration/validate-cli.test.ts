// `trellis validate` as a real process: exit codes, file:line findings, directories, stdin and JSON output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { trellisArgv } from '../helpers/trellis-bin.js';

const [cmd, ...prefix] = trellisArgv();
// test/fixtures is not compiled: from dist/test/integration it is three levels up, from test/integration two.
const here = fileURLToPath(import.meta.url);
const fixtures = here.endsWith('.js')
  ? fileURLToPath(new URL('../../../test/fixtures/', import.meta.url))
  : fileURLToPath(new URL('../fixtures/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'trellis-validate-'));
after(() => rmSync(work, { recursive: true, force: true }));

function trellis(args: string[], input?: string) {
  const r = spawnSync(cmd, [...prefix, 'validate', ...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const BROKEN = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: payment-vs
  namespace: production
spec:
  hosts: [payment-svc]
  http:
    - route:
        - destination: {host: payment-svc, subset: stable}
          weight: 90
        - destination: {host: payment-svc, subset: canary}
          weight: 20
      timeout: 10
`;

test('a broken file exits 1 and prints file:line, resource, field path and message', () => {
  const file = join(work, 'payment-vs.yaml');
  writeFileSync(file, BROKEN);
  const r = trellis(['-f', file]);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), [
    `${file}:13: VirtualService production/payment-vs: spec.http[0].route[1].weight: weights of a route must add up to 100 (got 110)`,
    `${file}:14: VirtualService production/payment-vs: spec.http[0].timeout: expected a duration such as "5s", got number 10 (add a unit: "10s")`,
  ]);
  assert.match(r.stderr, /0 valid resources, 2 errors, 0 warnings/);
});

test('the article fixtures directory exits 0 with the Rollout warnings', () => {
  const r = trellis(['-f', join(fixtures, 'seed')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 2);
  for (const line of lines)
    assert.match(
      line,
      /payment-rollout\.yaml:4[34]: warning: Rollout default\/payment-rollout: spec\.strategy\.canary\.analysis\./,
    );
  assert.match(r.stderr, /11 valid resources, 0 errors, 2 warnings/);
});

test('stdin and JSON output', () => {
  const r = trellis(['-f', '-', '-o', 'json'], BROKEN);
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout) as {
    valid: boolean;
    diagnostics: Array<{ file: string; line: number; path: string; code: string }>;
  };
  assert.equal(report.valid, false);
  assert.deepEqual(
    report.diagnostics.map((d) => [d.file, d.line, d.path, d.code]),
    [
      ['<stdin>', 13, 'spec.http[0].route[1].weight', 'weight'],
      ['<stdin>', 14, 'spec.http[0].timeout', 'duration'],
    ],
  );
});

test('a missing file is an error naming it', () => {
  const missing = join(work, 'nope.yaml');
  const r = trellis(['-f', missing]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout.trim(), `${missing}: cannot read: no such file or directory`);
});
