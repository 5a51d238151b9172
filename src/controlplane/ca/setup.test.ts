// Tests CA setup from flags: self-signed state with a persisted token key, supplied cacerts, flag checks,
// and a token file read back by the workload side.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileTokenSource } from '../../runtime/cert-client/ca-client.js';
import { writeIntermediatePki } from './ca-fixtures.test-util.js';
import { caFilesFromFlags, setUpCertificateAuthority, writeTokenFile } from './setup.js';

test('a self-signed setup persists root and token key; tokens survive a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trellis-ca-setup-'));
  try {
    const first = await setUpCertificateAuthority({ stateDir: dir });
    assert.equal((await stat(join(dir, 'ca', 'token-key.pem'))).mode & 0o777, 0o600);
    const tokenPath = join(dir, 'tokens', 'default', 'reviews.jwt');
    await writeTokenFile(tokenPath, await first.tokenIssuer.issue('default', 'reviews'));
    assert.equal((await stat(tokenPath)).mode & 0o777, 0o600);

    const restarted = await setUpCertificateAuthority({ stateDir: dir });
    assert.equal(restarted.ca.root.serialNumber, first.ca.root.serialNumber);
    const caller = await restarted.authenticator.authenticate(await fileTokenSource(tokenPath)());
    assert.deepEqual(caller, { namespace: 'default', serviceAccount: 'reviews' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('supplied cacerts flags select the user PKI; partial flags are an error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trellis-ca-setup-'));
  const files = await writeIntermediatePki(Date.now());
  try {
    const setup = await setUpCertificateAuthority({ stateDir: dir, ...files });
    assert.match(setup.ca.root.subject, /O=example\.org/);
    assert.equal(caFilesFromFlags({}), undefined);
    assert.throws(() => caFilesFromFlags({ caCert: 'a.pem' }), /go together/);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(files.dir, { recursive: true, force: true });
  }
});
