// `trellis analyze` as a real process: the article's YAML gives the finding the article shows istioctl
// printing (IST0101, gateway payment-gateway not found), JSON output, and file:line on a broken file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot, trellisArgv } from '../helpers/trellis-bin.js';

const seedDir = join(projectRoot(), 'test/fixtures/seed');

function trellis(...args: string[]) {
  const [cmd, ...pre] = trellisArgv();
  return spawnSync(cmd, [...pre, ...args], { encoding: 'utf8' });
}

test('the article YAML: IST0101 Referenced gateway not found: payment-gateway, exit 1', () => {
  const r = trellis('analyze', '-n', 'production', '-f', seedDir);
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stdout,
    /^Error \[IST0101\] \(VirtualService production\/payment-vs .*payment-vs\.yaml:\d+\) \[spec\.gateways\[0\]\] Referenced gateway not found: "payment-gateway"$/m,
  );
  // The article's own Rollout mistake is a warning, not an error.
  assert.match(
    r.stdout,
    /Warning \[TRL0001\] .*successfulRunHistoryLimit.*spec\.analysis\.successfulRunHistoryLimit/,
  );
});

test('-o json lists findings with code, level, file, line and path', () => {
  const r = trellis('analyze', '-n', 'production', '-o', 'json', '-f', seedDir);
  const findings = JSON.parse(r.stdout) as {
    code: string;
    level: string;
    line: number;
    path: string;
    message: string;
  }[];
  const gw = findings.find((f) => f.code === 'IST0101' && f.path === 'spec.gateways[0]');
  assert.ok(gw, r.stdout);
  assert.equal(gw.level, 'Error');
  assert.ok(gw.line > 1);
});

test('a broken file: exit 1 and file:line with the field path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-analyze-'));
  const file = join(dir, 'broken.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: networking.istio.io/v1',
      'kind: VirtualService',
      'metadata: { name: reviews }',
      'spec:',
      '  hosts: [reviews]',
      '  http:',
      '    - route:',
      '        - destination: { host: reviews }',
      '          wieght: 100',
      '',
    ].join('\n'),
  );
  const r = trellis('analyze', '-f', file);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /broken\.yaml:9\b.*spec\.http\[0\]\.route\[0\]\.wieght.*did you mean "weight"/);
});

test('clean input: exit 0 and the all-clear line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-analyze-'));
  const file = join(dir, 'ok.yaml');
  writeFileSync(file, 'apiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n');
  const r = trellis('analyze', '-n', 'shop', '-f', file);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /No validation issues found when analyzing namespace: shop/);
});
