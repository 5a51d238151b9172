// Proxyless gRPC with mesh mTLS, end to end through `trellis run --proxyless`: the agent gets each app its
// certificate from the control plane's CA, writes the gRPC bootstrap with a file_watcher certificate
// provider and starts the app; a grpc-js-xds server with xDS credentials registers itself and serves mTLS
// (its workload is tlsMode=istio, so its listener is STRICT); a client whose DestinationRule says
// ISTIO_MUTUAL reaches it over mTLS, and the server sees the client's SPIFFE ID; a plain-text client is
// refused.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { BootstrapTokenIssuer, loadOrCreateTokenKey } from '../../src/controlplane/ca/index.js';
import { ControlPlane } from '../../src/controlplane/server.js';
import { freePort } from '../../src/runtime/ports.js';
import { trellisArgv } from '../helpers/trellis-bin.js';
import { resourcesFromYaml } from '../simulation/registry-yaml.js';

const HOST = 'greeter.default.svc.cluster.local';
const CLIENT_SAN = 'URI:spiffe://cluster.local/ns/default/sa/client';

function scriptArgv(name: 'client' | 'server'): string[] {
  const compiled = fileURLToPath(import.meta.url).endsWith('.js');
  const script = fileURLToPath(new URL(`./proxyless/${name}.${compiled ? 'js' : 'ts'}`, import.meta.url));
  return compiled ? [script] : ['--import', import.meta.resolve('tsx'), script];
}

let dir: string;
let cp: ControlPlane;
let serverPort = 0;
const children: ChildProcess[] = [];

/** `trellis run --proxyless` for one app; resolves with its output once a line matches `until`. */
function runProxyless(
  name: string,
  args: string[],
  app: string[],
  env: Record<string, string>,
  until: RegExp,
): Promise<string> {
  const [node, ...pre] = trellisArgv();
  const child = spawn(node, [...pre, 'run', '--proxyless', '--name', name, ...args, '--', ...app], {
    env: { ...process.env, TEST_XDS_CREDENTIALS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(`${name}: no ${until} within 40 s; output:\n${output}`)),
      40_000,
    );
    const onData = (b: Buffer) => {
      output += b.toString();
      if (until.test(output)) {
        clearTimeout(t);
        resolve(output);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      if (until.test(output)) return;
      clearTimeout(t);
      reject(new Error(`${name} exited (${code}) first; output:\n${output}`));
    });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-proxyless-mtls-'));
  const configDir = join(dir, 'config');
  mkdirSync(configDir);
  cp = await ControlPlane.start({
    configDir,
    xdsPort: 0,
    httpPort: 0,
    watch: false,
    ca: { stateDir: join(dir, 'state') },
  });
  await cp.store.apply(
    resourcesFromYaml(`
apiVersion: v1
kind: Service
metadata: { name: greeter, namespace: default }
spec: { selector: { app: greeter }, ports: [{ name: grpc, port: 50051 }] }
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: greeter, namespace: default }
spec:
  host: ${HOST}
  trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }
`),
  );
  const key = await loadOrCreateTokenKey(join(dir, 'state'));
  const issuer = new BootstrapTokenIssuer(key.privateKey);
  writeFileSync(join(dir, 'greeter.token'), await issuer.issue('default', 'greeter'), { mode: 0o600 });
  writeFileSync(join(dir, 'client.token'), await issuer.issue('default', 'client'), { mode: 0o600 });
  serverPort = await freePort();
  const xds = `127.0.0.1:${cp.xdsPort}`;
  await runProxyless(
    'greeter',
    ['--port', `grpc:${serverPort}`, '--token-file', join(dir, 'greeter.token'), '--xds', xds],
    [process.execPath, ...scriptArgv('server'), String(serverPort), 'v1'],
    {},
    /serving/,
  );
});

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await cp?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a client with ISTIO_MUTUAL reaches the STRICT server over mTLS; the server sees its SPIFFE ID', async () => {
  const out = await runProxyless(
    'client',
    ['--token-file', join(dir, 'client.token'), '--xds', `127.0.0.1:${cp.xdsPort}`],
    [process.execPath, ...scriptArgv('client'), 'xds:///greeter.default:50051'],
    { TEST_RUN: JSON.stringify({ id: 1, calls: 20, deadlineMs: 10_000 }) },
    /"id":1.*\n/,
  );
  const line = out.split('\n').find((l) => l.includes('"id":1')) ?? '';
  const result = JSON.parse(line.slice(line.indexOf('{'))) as {
    versions: Record<string, number>;
    errors: Record<string, number>;
  };
  assert.deepEqual(result.versions, { [`v1 ${CLIENT_SAN}`]: 20 }, line);
});

test('a plain-text client is refused by the mTLS server', async () => {
  const client = new grpc.Client(`127.0.0.1:${serverPort}`, grpc.credentials.createInsecure());
  const identity = (b: Buffer) => b;
  const err = await new Promise<grpc.ServiceError | null>((resolve) =>
    client.makeUnaryRequest(
      '/test.Version/Get',
      identity,
      identity,
      Buffer.alloc(0),
      { deadline: Date.now() + 3000 },
      (e) => resolve(e),
    ),
  );
  client.close();
  assert.ok(err, 'the call failed');
  assert.equal(err.code, grpc.status.UNAVAILABLE, err.message);
});
