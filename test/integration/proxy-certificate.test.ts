// A real `trellis proxy` gets its workload certificate from the control plane's CA with a bootstrap token:
// it turns ready only once the certificate is in, config_dump shows it as SDS `default` and `ROOTCA`, openssl
// verifies the chain against the CA's root and reads the SPIFFE URI SAN, and a forged token gets nothing.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { secretRows, secretsSection } from '../../src/cli/render/secret.js';
import { BootstrapTokenIssuer, loadOrCreateTokenKey } from '../../src/controlplane/ca/index.js';
import { generateTokenKey } from '../../src/controlplane/ca/token.js';
import { ControlPlane } from '../../src/controlplane/server.js';
import { adminGet, waitReady } from '../../src/runtime/admin-client.js';
import { type ProxyIdentity, proxyBootstrap } from '../../src/runtime/bootstrap.js';
import { freePort } from '../helpers/local-mesh.js';
import { trellisArgv } from '../helpers/trellis-bin.js';

let dir: string;
let cp: ControlPlane;
const children: ChildProcess[] = [];

const reviews: ProxyIdentity = {
  type: 'sidecar',
  name: 'reviews-v1',
  namespace: 'default',
  labels: { app: 'reviews', version: 'v1' },
  serviceAccount: 'bookinfo-reviews',
  domain: 'cluster.local',
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trellis-proxy-cert-'));
  const configDir = join(dir, 'config');
  execFileSync('mkdir', ['-p', configDir]);
  cp = await ControlPlane.start({
    configDir,
    xdsPort: 0,
    httpPort: 0,
    watch: false,
    ca: { stateDir: join(dir, 'state') },
  });
});

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await cp.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `trellis proxy` for `identity` with `token`; returns its admin port and its output so far. */
async function startProxy(identity: ProxyIdentity, token: string) {
  const adminPort = await freePort();
  const name = `${identity.name}-${children.length}`;
  const bootstrapFile = join(dir, `${name}.json`);
  const tokenFile = join(dir, `${name}.token`);
  writeFileSync(
    bootstrapFile,
    JSON.stringify(
      proxyBootstrap({ identity, adminPort, xds: { host: '127.0.0.1', port: cp.xdsPort }, metadata: {} }),
    ),
  );
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const [node, ...args] = trellisArgv();
  const child = spawn(node, [...args, 'proxy', '--config', bootstrapFile, '--token-file', tokenFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (b: Buffer) => {
    output += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    output += b.toString();
  });
  return { adminPort, child, output: () => output };
}

test('the proxy turns ready with its certificate, shown in config_dump and verified by openssl', async () => {
  const key = await loadOrCreateTokenKey(join(dir, 'state'));
  const token = await new BootstrapTokenIssuer(key.privateKey).issue('default', 'bookinfo-reviews');
  const proxy = await startProxy(reviews, token);
  await waitReady(proxy.adminPort, {
    timeoutMs: 30_000,
    aborted: () => (proxy.child.exitCode !== null ? proxy.output() : undefined),
  });

  const dump = JSON.parse((await adminGet(proxy.adminPort, '/config_dump')).body) as unknown;
  const rows = secretRows(secretsSection(dump));
  const chain = rows.find((r) => r.name === 'default');
  const root = rows.find((r) => r.name === 'ROOTCA');
  assert.equal(chain?.type, 'Cert Chain');
  assert.equal(chain?.identity, 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews');
  assert.equal(chain?.valid, true);
  // 24 h by default.
  assert.equal(Date.parse(chain!.notAfter) - Date.parse(chain!.notBefore), 24 * 3600 * 1000);
  assert.equal(root?.serial, cp.ca!.root.serialNumber.toLowerCase());
  assert.ok(!JSON.stringify(dump).includes('PRIVATE KEY'), 'the private key is redacted in config_dump');

  // openssl checks the chain from the dump against the CA's root and prints the SPIFFE URI SAN.
  const secrets = (
    dump as { configs: { '@type': string; dynamic_active_secrets?: unknown[] }[] }
  ).configs.find((c) => c['@type'].endsWith('SecretsConfigDump'))?.dynamic_active_secrets as {
    name: string;
    secret: { tls_certificate?: { certificate_chain: { inline_string: string } } };
  }[];
  const chainPem = secrets.find((s) => s.name === 'default')!.secret.tls_certificate!.certificate_chain
    .inline_string;
  writeFileSync(join(dir, 'chain.pem'), chainPem);
  writeFileSync(join(dir, 'root.pem'), cp.ca!.root.toString('pem'));
  const verified = execFileSync(
    'openssl',
    ['verify', '-CAfile', join(dir, 'root.pem'), join(dir, 'chain.pem')],
    {
      encoding: 'utf8',
    },
  );
  assert.match(verified, /chain\.pem: OK/);
  const text = execFileSync(
    'openssl',
    ['x509', '-in', join(dir, 'chain.pem'), '-noout', '-ext', 'subjectAltName'],
    {
      encoding: 'utf8',
    },
  );
  assert.match(text, /URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/bookinfo-reviews/);
});

test('a token signed by another key gets no certificate: the proxy stays unready and says why', async () => {
  const forged = await new BootstrapTokenIssuer((await generateTokenKey()).privateKey).issue(
    'default',
    'bookinfo-reviews',
  );
  const proxy = await startProxy({ ...reviews, name: 'reviews-forged' }, forged);
  const deadline = Date.now() + 20_000;
  while (!/no workload certificate yet/.test(proxy.output()) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  assert.match(proxy.output(), /no workload certificate yet \(.*UNAUTHENTICATED/);
  // The admin API may come up just after the first attempt; it must answer, and say "not ready".
  let ready: { status: number } | undefined;
  while (ready === undefined && Date.now() < deadline + 10_000) {
    ready = await adminGet(proxy.adminPort, '/ready').catch(() => undefined);
    if (ready === undefined) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(ready?.status, 503);
  const dump = JSON.parse((await adminGet(proxy.adminPort, '/config_dump')).body) as unknown;
  assert.deepEqual(secretRows(secretsSection(dump)), []);
});
