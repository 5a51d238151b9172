// Tests that the SDS Secrets built from a workload certificate are ones the proxy's SDS decoder accepts,
// with the certificate, key and roots intact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CertificateAuthority } from '../../controlplane/ca/authority.js';
import { issueWorkload } from '../../controlplane/ca/ca-fixtures.test-util.js';
import { decodeSecret } from '../../proxy/xds-client/decode-tls.js';
import { describeSignedChain } from './rotator.js';
import { rootCaSecret, workloadCertificateSecret, workloadSecrets } from './sds-secrets.js';

test('the default and ROOTCA secrets decode in the proxy with the same PEMs', async () => {
  const ca = await CertificateAuthority.selfSigned();
  await ca.rotateRoot(); // two roots in the bundle
  const issued = await issueWorkload(ca, 'default', 'reviews');
  const cert = describeSignedChain(
    { certChainPem: issued.certChainPem, trustBundlePem: ca.trustBundlePem() },
    issued.privateKeyPem,
  );
  const leaf = decodeSecret(workloadCertificateSecret(cert));
  assert.ok(leaf.ok, JSON.stringify(leaf));
  assert.equal(leaf.value.name, 'default');
  assert.equal(leaf.value.certificateChain, cert.certChainPem);
  assert.equal(leaf.value.privateKey, cert.privateKeyPem);
  const roots = decodeSecret(rootCaSecret(cert.rootsPem));
  assert.ok(roots.ok, JSON.stringify(roots));
  assert.equal(roots.value.name, 'ROOTCA');
  assert.equal(roots.value.trustedCa, ca.trustBundlePem().join(''));
  assert.deepEqual(
    workloadSecrets(cert).map((s) => s.name),
    ['default', 'ROOTCA'],
  );
  ca.close();
});
