// Secrets in /config_dump: the proxy's secret store and the ADS client both report secrets; the dump holds
// one SecretsConfigDump (store first, ADS errors kept), keys redacted, chains readable — so
// `trellis proxy-config secret` shows the serial, validity and SPIFFE identity of the served certificate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secretRows, secretsSection } from '../../cli/render/secret.js';
import { CertificateAuthority } from '../../controlplane/ca/authority.js';
import { issueWorkload } from '../../controlplane/ca/ca-fixtures.test-util.js';
import { secretsConfigDump } from '../secrets/config-dump.js';
import { SecretStore } from '../secrets/secret-store.js';
import { buildConfigDump } from './config-dump.js';
import type { ConfigDumpSection } from './source.js';

test('store and ADS secrets merge into one section that proxy-config secret can read', async () => {
  const ca = await CertificateAuthority.selfSigned();
  const cert = await issueWorkload(ca, 'default', 'reviews');
  const store = new SecretStore();
  store.set([
    { name: 'default', certificateChain: cert.certChainPem.join(''), privateKey: cert.privateKeyPem },
    { name: 'ROOTCA', trustedCa: ca.trustBundlePem().join('') },
  ]);
  const adsSection: ConfigDumpSection = {
    kind: 'secrets',
    static: [],
    dynamic: [
      {
        name: 'default',
        versionInfo: '7',
        error: { details: 'tls_certificate: required', lastUpdateAttempt: 0 },
      },
      { name: 'extra', versionInfo: '7', resource: { name: 'extra' } },
    ],
  };
  const r = buildConfigDump([{ kind: 'bootstrap', bootstrap: {} }, secretsConfigDump(store), adsSection]);
  assert.ok(r.ok);
  const configs = r.body.configs as Record<string, unknown>[];
  assert.equal(configs.filter((c) => String(c['@type']).endsWith('SecretsConfigDump')).length, 1);
  const dump = JSON.stringify(r.body);
  assert.ok(!dump.includes('PRIVATE KEY'), 'private keys are redacted');
  const rows = secretRows(secretsSection(r.body), Date.now());
  const chain = rows.find((x) => x.name === 'default' && x.type === 'Cert Chain');
  assert.ok(chain);
  assert.equal(chain.serial, cert.serial.toLowerCase().replace(/^(00)+/, ''));
  assert.equal(chain.identity, 'spiffe://cluster.local/ns/default/sa/reviews');
  assert.equal(chain.valid, true);
  assert.ok(rows.some((x) => x.name === 'ROOTCA' && x.type === 'CA'));
  const secrets = configs.find((c) => String(c['@type']).endsWith('SecretsConfigDump')) as {
    dynamic_active_secrets: { name: string; error_state?: unknown }[];
  };
  assert.deepEqual(
    secrets.dynamic_active_secrets.map((d) => [d.name, d.error_state !== undefined]),
    [
      ['ROOTCA', false],
      ['default', true],
      ['extra', false],
    ],
  );
});
