// The Secret kind: data/stringData decoding, TLS layout checks with field paths, and the redacted spec.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { selfSignedCert } from '../../../test/helpers/certs.js';
import { validateText } from '../validate.js';
import { type SecretSpec, secretData, secretTls } from './secret.js';

const a = selfSignedCert('a.example.com');
const b = selfSignedCert('b.example.com');
const b64 = (s: string) => Buffer.from(s).toString('base64');

function secret(body: Record<string, unknown>): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'cred', namespace: 'istio-system' },
    ...body,
  });
}

test('a kubernetes.io/tls Secret decodes; its spec shows key sizes and a digest, never the values', () => {
  const { resources, diagnostics } = validateText(
    secret({
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': b64(a.cert), 'tls.key': b64(a.key) },
      stringData: { 'ca.crt': b.cert },
    }),
    's.yaml',
  );
  assert.deepEqual(diagnostics, []);
  const r = resources[0];
  const spec = r.spec as SecretSpec;
  assert.equal(spec.type, 'kubernetes.io/tls');
  assert.deepEqual(spec.data, {
    'ca.crt': `${Buffer.byteLength(b.cert)} bytes`,
    'tls.crt': `${Buffer.byteLength(a.cert)} bytes`,
    'tls.key': `${Buffer.byteLength(a.key)} bytes`,
  });
  assert.match(spec.sha256, /^[0-9a-f]{16}$/);
  const dumped = JSON.stringify(r);
  assert.ok(!dumped.includes('PRIVATE KEY') && !dumped.includes(b64(a.key).slice(0, 40)), dumped);
  assert.deepEqual(secretTls(r), { certificateChain: a.cert, privateKey: a.key, caCertificates: b.cert });
  assert.equal(secretData(r)?.get('tls.key')?.toString(), a.key);
});

test('the generic layout (cert/key/cacert) is read as Istio reads it; content changes change the digest', () => {
  const one = validateText(secret({ stringData: { cert: a.cert, key: a.key, cacert: b.cert } }), 's.yaml');
  const two = validateText(secret({ stringData: { cert: b.cert, key: b.key } }), 's.yaml');
  assert.deepEqual([...one.diagnostics, ...two.diagnostics], []);
  assert.deepEqual(secretTls(one.resources[0]), {
    certificateChain: a.cert,
    privateKey: a.key,
    caCertificates: b.cert,
  });
  assert.notEqual((one.resources[0].spec as SecretSpec).sha256, (two.resources[0].spec as SecretSpec).sha256);
  assert.equal((one.resources[0].spec as SecretSpec).type, 'Opaque');
});

test('bad base64, a key that does not match, an unparseable PEM and missing keys are errors with paths', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ data: { 'tls.crt': 'not base64!!' } }, 'data["tls.crt"]', /not valid base64/],
    [
      { type: 'kubernetes.io/tls', data: { 'tls.crt': b64(a.cert), 'tls.key': b64(b.key) } },
      'data["tls.key"]',
      /does not match the certificate/,
    ],
    [{ stringData: { cert: 'hello', key: a.key } }, 'stringData.cert', /no PEM certificate/],
    [{ stringData: { cert: a.cert, key: 'nope' } }, 'stringData.key', /not a PEM private key/],
    [
      { stringData: { cacert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' } },
      'stringData.cacert',
      /does not parse/,
    ],
    [{ type: 'kubernetes.io/tls', stringData: { 'tls.crt': a.cert } }, 'data["tls.key"]', /needs "tls.key"/],
    [{ spec: {} }, 'spec', /unknown field "spec"/],
  ];
  for (const [body, path, message] of cases) {
    const { resources, diagnostics } = validateText(secret(body), 's.yaml');
    assert.equal(resources.length, 0, path);
    const d = diagnostics.find((x) => x.path === path);
    assert.ok(d, `${path}: ${JSON.stringify(diagnostics)}`);
    assert.match(d.message, message);
    if (!path.endsWith('["tls.key"]') || body.data) assert.ok(d.line > 1, `the line of ${path}`);
  }
});

test('a store writes a Secret back as base64 data (stringData folded in), and it loads back the same', async () => {
  const { renderResource } = await import('../../config/file-edit.js');
  const { resources } = validateText(secret({ stringData: { cert: a.cert, key: a.key } }), 's.yaml');
  const text = renderResource(resources[0], 'secret.yaml');
  assert.match(text, /^data:\n {2}cert: /m);
  assert.ok(!text.includes('stringData') && !text.includes('bytes'), text);
  const again = validateText(text, 'secret.yaml');
  assert.deepEqual(again.diagnostics, []);
  assert.equal((again.resources[0].spec as SecretSpec).sha256, (resources[0].spec as SecretSpec).sha256);
  assert.deepEqual(secretTls(again.resources[0]), secretTls(resources[0]));
});
