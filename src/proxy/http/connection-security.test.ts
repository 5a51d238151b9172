// x-forwarded-client-cert per Envoy's forward_client_cert_details: plain-text requests never carry a
// client-supplied header (except ALWAYS_FORWARD_ONLY); mutual TLS ones get this hop's element set or
// appended; and the element's format (By, Hash, Subject, URI, DNS).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HttpConnectionManager } from '../config/listener.js';
import { type ConnectionSecurity, PLAINTEXT, xfccElementFor } from './connection-security.js';
import { getHeader } from './h1-head.js';
import { prepareRequestHeaders } from './request-headers.js';

const LOCAL = 'spiffe://cluster.local/ns/default/sa/reviews';
const PEER = 'spiffe://cluster.local/ns/default/sa/productpage';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB+x/y=\n-----END CERTIFICATE-----\n';
const MTLS: ConnectionSecurity = {
  policy: 'mutual_tls',
  peerUriSan: PEER,
  localUriSan: LOCAL,
  peerCertSha256: 'ab12',
  xfccElement: xfccElementFor(LOCAL, 'ab12', '', [PEER], []),
  xfccElementWithCert: xfccElementFor(LOCAL, 'ab12', '', [PEER], [], PEM),
  tls: true,
};

function xfcc(
  mode: HttpConnectionManager['forwardClientCertDetails'],
  sec: ConnectionSecurity,
  sent: string[] = [],
  xfccCert = false,
): string[] {
  const h: string[] = ['accept', '*/*'];
  for (const v of sent) h.push('x-forwarded-client-cert', v);
  const cfg = {
    forwardClientCertDetails: mode,
    generateRequestId: false,
    useRemoteAddress: false,
    xfccCert,
  } as HttpConnectionManager;
  prepareRequestHeaders(h, cfg, false, '127.0.0.1', 'https', sec);
  const out: string[] = [];
  for (let i = 0; i < h.length; i += 2) if (h[i] === 'x-forwarded-client-cert') out.push(h[i + 1]);
  assert.equal(getHeader(h, 'accept'), '*/*');
  return out;
}

test('the element has Envoy/Istio shape: By, Hash, Subject, URI, then DNS names', () => {
  assert.equal(MTLS.xfccElement, `By=${LOCAL};Hash=ab12;Subject="";URI=${PEER}`);
  assert.equal(
    xfccElementFor('', 'ff', 'CN=a,O=b', ['spiffe://x'], ['a.example', 'b.example']),
    'Hash=ff;Subject="CN=a,O=b";URI=spiffe://x;DNS=a.example;DNS=b.example',
  );
});

test('with set_current_client_cert_details.cert the element carries the URL-encoded PEM after Hash', () => {
  assert.deepEqual(xfcc('SANITIZE_SET', MTLS, [], true), [
    `By=${LOCAL};Hash=ab12;Cert="-----BEGIN%20CERTIFICATE-----%0aMIIB+x/y=%0a-----END%20CERTIFICATE-----%0a";Subject="";URI=${PEER}`,
  ]);
  assert.deepEqual(xfcc('SANITIZE_SET', PLAINTEXT, ['By=forged'], true), [], 'never on plain text');
});

test('plain text: a client-supplied header is removed in every mode but ALWAYS_FORWARD_ONLY', () => {
  for (const mode of ['SANITIZE', 'FORWARD_ONLY', 'APPEND_FORWARD', 'SANITIZE_SET'] as const)
    assert.deepEqual(xfcc(mode, PLAINTEXT, ['By=forged']), [], mode);
  assert.deepEqual(xfcc('ALWAYS_FORWARD_ONLY', PLAINTEXT, ['By=kept']), ['By=kept']);
  assert.deepEqual(xfcc('APPEND_FORWARD', PLAINTEXT), []);
});

test('mutual TLS: SANITIZE_SET replaces, APPEND_FORWARD appends, FORWARD_ONLY forwards, SANITIZE drops', () => {
  assert.deepEqual(xfcc('SANITIZE_SET', MTLS, ['By=earlier']), [MTLS.xfccElement]);
  assert.deepEqual(xfcc('APPEND_FORWARD', MTLS), [MTLS.xfccElement]);
  assert.deepEqual(xfcc('APPEND_FORWARD', MTLS, ['By=a', 'By=b']), [`By=a,By=b,${MTLS.xfccElement}`]);
  assert.deepEqual(xfcc('FORWARD_ONLY', MTLS, ['By=a']), ['By=a']);
  assert.deepEqual(xfcc('SANITIZE', MTLS, ['By=a']), []);
});
