// Integration: the real openssl CLI checks what the CA issues — chain verification, the SPIFFE URI SAN,
// refusal of expired and foreign-root certificates, a supplied intermediate — and the CA's handling of
// CSRs openssl makes, including one that asks for an identity the caller did not prove.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { VirtualClock } from '../../src/common/clock.js';
import { CertificateAuthority } from '../../src/controlplane/ca/authority.js';
import { issueWorkload, writeIntermediatePki } from '../../src/controlplane/ca/ca-fixtures.test-util.js';
import { IdentityMismatchError } from '../../src/controlplane/ca/leaf.js';

const run = promisify(execFile);
let dir: string;
let ca: CertificateAuthority;
let rootPath: string;

async function openssl(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('openssl', args, { cwd: dir });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

async function write(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trellis-ca-openssl-'));
  ca = await CertificateAuthority.selfSigned({ stateDir: dir });
  rootPath = join(dir, 'ca', 'root-cert.pem');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('openssl verifies a workload certificate against the persisted root and shows its SPIFFE URI SAN', async () => {
  const issued = await issueWorkload(ca, 'default', 'reviews');
  const cert = await write('reviews.pem', issued.certChainPem[0]);
  const verify = await openssl('verify', '-CAfile', rootPath, cert);
  assert.equal(verify.code, 0, verify.out);
  assert.match(verify.out, /reviews\.pem: OK/);
  const text = await openssl('x509', '-noout', '-text', '-in', cert);
  assert.match(text.out, /URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/reviews/);
  assert.match(text.out, /TLS Web Server Authentication, TLS Web Client Authentication/);
  assert.match(text.out, /CA:FALSE/);
  const key = await write('reviews-key.pem', issued.privateKeyPem);
  const check = await openssl('pkey', '-in', key, '-noout', '-text');
  assert.match(check.out, /prime256v1|P-256/);
});

test('openssl refuses an expired certificate and one from a foreign root', async () => {
  const past = new VirtualClock(Date.now() - 48 * 3600 * 1000);
  const rootTwin = await CertificateAuthority.selfSigned({ stateDir: dir, clock: past });
  const expired = await issueWorkload(rootTwin, 'default', 'reviews');
  const expiredPath = await write('expired.pem', expired.certChainPem[0]);
  const e = await openssl('verify', '-CAfile', rootPath, expiredPath);
  assert.notEqual(e.code, 0);
  assert.match(e.out, /certificate has expired/);

  const foreign = await CertificateAuthority.selfSigned();
  const alien = await issueWorkload(foreign, 'default', 'reviews');
  const alienPath = await write('alien.pem', alien.certChainPem[0]);
  const f = await openssl('verify', '-CAfile', rootPath, alienPath);
  assert.notEqual(f.code, 0);
  assert.match(f.out, /unable to get local issuer certificate/);
});

test('openssl verifies a leaf signed by a supplied intermediate through cert-chain.pem', async () => {
  const files = await writeIntermediatePki(Date.now() - 3600 * 1000);
  try {
    const intermediateCa = await CertificateAuthority.fromFiles(files);
    const issued = await issueWorkload(intermediateCa, 'default', 'productpage');
    const leaf = await write('productpage.pem', issued.certChainPem[0]);
    const untrusted = await write('intermediate.pem', issued.certChainPem[1]);
    const ok = await openssl('verify', '-CAfile', files.rootCert, '-untrusted', untrusted, leaf);
    assert.equal(ok.code, 0, ok.out);
    const missing = await openssl('verify', '-CAfile', files.rootCert, leaf);
    assert.notEqual(missing.code, 0, 'without the intermediate the chain is incomplete');
  } finally {
    await rm(files.dir, { recursive: true, force: true });
  }
});

test('a CSR made by openssl gets the proven identity; one naming another identity gets nothing', async () => {
  const plain = await openssl(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'k1.pem',
    '-out',
    'plain.csr',
    '-subj',
    '/CN=admin',
  );
  assert.equal(plain.code, 0, plain.out);
  const issued = await ca.sign(await readFile(join(dir, 'plain.csr'), 'utf8'), {
    namespace: 'default',
    serviceAccount: 'ratings',
  });
  const cert = await write('ratings.pem', issued.certChainPem[0]);
  const text = await openssl('x509', '-noout', '-text', '-in', cert);
  assert.match(text.out, /URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/ratings/);
  assert.doesNotMatch(text.out, /CN ?= ?admin/, 'the requested subject is not copied');

  const greedy = await openssl(
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'k2.pem',
    '-out',
    'greedy.csr',
    '-subj',
    '/CN=x',
    '-addext',
    'subjectAltName=URI:spiffe://cluster.local/ns/istio-system/sa/istiod',
  );
  assert.equal(greedy.code, 0, greedy.out);
  await assert.rejects(
    ca.sign(await readFile(join(dir, 'greedy.csr'), 'utf8'), {
      namespace: 'default',
      serviceAccount: 'ratings',
    }),
    IdentityMismatchError,
  );
});
