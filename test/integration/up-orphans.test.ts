// No orphaned proxies even when the supervisor is killed outright: `trellis up` killed with SIGKILL takes its
// control plane and proxies with it within seconds — a classic Istio complaint we do not repeat. (Node apps
// watch their parent through the preload too; that path is not asserted here yet.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { descendants, freePort, isRunning } from '../helpers/local-mesh.js';
import { trellisArgv } from '../helpers/trellis-bin.js';

const alive = isRunning;

test('SIGKILL of trellis up leaves no control plane or proxy behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-orphans-'));
  const app =
    "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT, process.env.HOST)";
  writeFileSync(
    join(dir, 'mesh.yaml'),
    [
      'apiVersion: trellis.dev/v1alpha1',
      'kind: Mesh',
      'metadata: { name: tiny }',
      'spec:',
      '  services:',
      '    - name: echo',
      '      ports: [{ name: http, port: 8080 }]',
      `      command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(app)}]`,
      '',
    ].join('\n'),
  );
  const [cmd, ...pre] = trellisArgv();
  const up = spawn(
    cmd,
    [
      ...pre,
      'up',
      '-f',
      join(dir, 'mesh.yaml'),
      '--state-dir',
      join(dir, 'state'),
      '--xds-port',
      String(await freePort()),
      '--http-port',
      String(await freePort()),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRELLIS_EXIT_WITH_PARENT: '0' } },
  );
  let out = '';
  up.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  up.stderr!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 120_000;
  while (!/is up/.test(out)) {
    assert.ok(Date.now() < deadline && up.exitCode === null, `mesh did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const pids = descendants(up.pid!);
  assert.ok(pids.length >= 3, `control plane, sidecar and app expected, got ${pids.length}`);
  up.kill('SIGKILL');
  // Each process notices its parent is gone within a second, then shuts down gracefully.
  const until = Date.now() + 30_000;
  const trellisPids = () =>
    pids.filter(alive).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('main.js');
      } catch {
        return false;
      }
    });
  while (trellisPids().length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  const left = trellisPids();
  const what = left.map((p) => {
    try {
      return `${p}: ${readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 160)}`;
    } catch {
      return `${p}: ?`;
    }
  });
  for (const p of pids.filter(alive)) process.kill(p, 'SIGKILL');
  assert.deepEqual(what, []);
});
