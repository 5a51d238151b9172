// File secrets (Istio's file-cert:/file-root: names): loaded on first use through the secret store, replaced
// when the files change, the last good certificate kept (and the reason logged once) while a file is
// half-written, mismatched or gone; a real rewrite is seen by fs.watch within a second.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { selfSignedCert } from '../../../test/helpers/certs.js';
import { fileSecretPaths, readFileSecret } from './file-secrets.js';
import { SecretStore } from './secret-store.js';

const dir = mkdtempSync(join(tmpdir(), 'trellis-file-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const one = selfSignedCert('one.example.com');
const two = selfSignedCert('two.example.com');

test('names: file-cert:<cert>~<key> and file-root:<ca>; other names are not file secrets', () => {
  assert.deepEqual(fileSecretPaths('file-cert:/a/c.pem~/a/k.pem'), { cert: '/a/c.pem', key: '/a/k.pem' });
  assert.deepEqual(fileSecretPaths('file-root:/a/ca.pem'), { ca: '/a/ca.pem' });
  assert.equal(fileSecretPaths('kubernetes://x'), undefined);
  assert.equal(fileSecretPaths('file-cert:/only-cert'), undefined);
});

test('the store reads a file secret on first use, keeps the last good one through bad writes, takes good ones', () => {
  const cert = join(dir, 'a.pem');
  const key = join(dir, 'a.key');
  writeFileSync(cert, one.cert);
  writeFileSync(key, one.key);
  const lines: string[] = [];
  const store = new SecretStore({ files: { pollMs: 0, log: (l) => lines.push(l) } });
  const changes: string[][] = [];
  store.onChange((n) => changes.push(n));
  const name = `file-cert:${cert}~${key}`;
  assert.equal(store.get(name)?.certificateChain, one.cert);
  assert.equal(store.entry(name)?.origin, 'file');
  const check = () => (store as unknown as { files: { check(): void } }).files.check();

  // Half-written certificate: the last good one stays, the reason is logged once.
  writeFileSync(cert, two.cert.slice(0, 200));
  check();
  check();
  assert.equal(store.get(name)?.certificateChain, one.cert);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /keeping the last good certificate: .*a\.pem: no complete PEM certificate/);
  // New certificate, old key: they do not match, still the last good one.
  writeFileSync(cert, two.cert);
  check();
  assert.equal(store.get(name)?.certificateChain, one.cert);
  assert.match(lines[1], /does not match the certificate/);
  assert.deepEqual(changes, []);
  // The key follows: the new pair replaces the secret, and listeners hear its name.
  writeFileSync(key, two.key);
  check();
  assert.equal(store.get(name)?.certificateChain, two.cert);
  assert.equal(store.get(name)?.privateKey, two.key);
  assert.deepEqual(changes, [[name]]);
  assert.match(lines[2], /files are good again/);
  // A file that disappears keeps the last good secret too.
  rmSync(key);
  check();
  assert.equal(store.get(name)?.privateKey, two.key);
  assert.match(lines[3], /cannot read/);
  store.close();
});

test('a missing file at first use gives no secret; it appears once the files are good', () => {
  const ca = join(dir, 'late-ca.pem');
  const store = new SecretStore({ files: { pollMs: 0, log: () => {} } });
  const name = `file-root:${ca}`;
  assert.equal(store.get(name), undefined);
  assert.equal(store.entry(name), undefined);
  const changes: string[][] = [];
  store.onChange((n) => changes.push(n));
  writeFileSync(ca, one.cert);
  (store as unknown as { files: { check(): void } }).files.check();
  assert.equal(store.get(name)?.trustedCa, one.cert);
  assert.deepEqual(changes, [[name]]);
  assert.throws(() => readFileSecret(`file-root:${join(dir, 'nope.pem')}`), /cannot read/);
  store.close();
});

test('fs.watch sees an atomic replacement (write + rename) within a second', async () => {
  const sub = mkdtempSync(join(dir, 'watched-'));
  const cert = join(sub, 'tls.crt');
  const key = join(sub, 'tls.key');
  writeFileSync(cert, one.cert);
  writeFileSync(key, one.key);
  const store = new SecretStore({ files: { log: () => {} } });
  const name = `file-cert:${cert}~${key}`;
  assert.equal(store.get(name)?.certificateChain, one.cert);
  const changed = new Promise<number>((resolve) => {
    const start = Date.now();
    store.onChange(() => resolve(Date.now() - start));
  });
  writeFileSync(join(sub, 'k.new'), two.key);
  writeFileSync(join(sub, 'c.new'), two.cert);
  renameSync(join(sub, 'k.new'), key);
  renameSync(join(sub, 'c.new'), cert);
  const ms = await Promise.race([changed, new Promise<number>((r) => setTimeout(() => r(-1), 3000))]);
  assert.ok(ms >= 0 && ms < 1000, `changed after ${ms} ms`);
  assert.equal(store.get(name)?.certificateChain, two.cert);
  store.close();
});
