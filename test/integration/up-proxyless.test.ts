// `trellis up` with a proxyless gRPC service in the Mesh file (`proxyless: true`): its replicas run with no
// sidecar, each serving a free port of its own that it announces as its endpoint, with certificate files
// from the mesh CA; a proxyless client started by `trellis run --proxyless` reaches both replicas over mTLS
// (DestinationRule ISTIO_MUTUAL), and each replica sees the client's SPIFFE ID.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BootstrapTokenIssuer, loadOrCreateTokenKey } from '../../src/controlplane/ca/index.js';
import { isRunning, type LocalMesh, startMesh } from '../helpers/local-mesh.js';
import { trellisArgv } from '../helpers/trellis-bin.js';

const CLIENT_SAN = 'URI:spiffe://cluster.local/ns/default/sa/client';

function script(name: 'client' | 'server'): string[] {
  const compiled = fileURLToPath(import.meta.url).endsWith('.js');
  const file = fileURLToPath(new URL(`./proxyless/${name}.${compiled ? 'js' : 'ts'}`, import.meta.url));
  return compiled
    ? [process.execPath, file]
    : [process.execPath, '--import', import.meta.resolve('tsx'), file];
}

let dir: string;
let mesh: LocalMesh;
let client: ChildProcess | undefined;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-up-proxyless-'));
  writeFileSync(
    join(dir, 'greeter-dr.yaml'),
    `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: greeter, namespace: default }
spec:
  host: greeter.default.svc.cluster.local
  trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }
`,
  );
  const meshFile = join(dir, 'mesh.yaml');
  writeFileSync(
    meshFile,
    `apiVersion: trellis.dev/v1alpha1
kind: Mesh
metadata: { name: grpc }
spec:
  config: [greeter-dr.yaml]
  services:
  - name: greeter
    proxyless: true
    replicas: 2
    ports: [{ name: grpc, port: 50051 }]
    command: ${JSON.stringify(script('server'))}
    env: { TEST_XDS_CREDENTIALS: "1" }
`,
  );
  mesh = await startMesh(dir, meshFile);
});

after(async () => {
  if (client?.exitCode === null) client.kill('SIGTERM');
  await mesh?.stop();
});

test('the Mesh file runs proxyless replicas without sidecars; a proxyless client reaches both over mTLS', async () => {
  const out = mesh.output();
  assert.match(
    out,
    /\[greeter-0\] agent workload certificate spiffe:\/\/cluster\.local\/ns\/default\/sa\/greeter/,
  );
  assert.doesNotMatch(out, /\[greeter-0\] sidecar/, 'no sidecar for a proxyless workload');

  const key = await loadOrCreateTokenKey(join(dir, '.trellis'));
  const tokenFile = join(dir, 'client.token');
  writeFileSync(tokenFile, await new BootstrapTokenIssuer(key.privateKey).issue('default', 'client'), {
    mode: 0o600,
  });
  const [node, ...pre] = trellisArgv();
  const args = ['run', '--proxyless', '--name', 'client', '--token-file', tokenFile];
  args.push('--xds', `127.0.0.1:${mesh.xdsPort}`, '--', ...script('client'), 'xds:///greeter.default:50051');
  client = spawn(node, [...pre, ...args], {
    env: {
      ...process.env,
      TEST_XDS_CREDENTIALS: '1',
      TEST_RUN: JSON.stringify({ id: 1, calls: 40, deadlineMs: 10_000, concurrency: 4 }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  client.stdout!.on('data', (b: Buffer) => {
    text += b.toString();
  });
  client.stderr!.on('data', (b: Buffer) => {
    text += b.toString();
  });
  const code = await new Promise<number | null>((resolve) => client!.once('exit', resolve));
  const line = text.split('\n').find((l) => l.includes('"id":1')) ?? '';
  assert.ok(line, `no result from the client (exit ${code}):\n${text}`);
  const result = JSON.parse(line.slice(line.indexOf('{'))) as { versions: Record<string, number> };
  // Each replica answers "<its workload name> <caller SAN>"; round robin spreads the calls over both.
  const byReplica = result.versions;
  assert.deepEqual(
    Object.keys(byReplica).sort(),
    [`greeter-0 ${CLIENT_SAN}`, `greeter-1 ${CLIENT_SAN}`],
    line,
  );
  assert.equal(
    Object.values(byReplica).reduce((a, b) => a + b, 0),
    40,
    line,
  );
  assert.equal(code, 0);
  assert.ok(client.pid === undefined || !isRunning(client.pid));
});
