// Tests SPIFFE ID formatting and the strict parsing of IDs and service-account subjects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseServiceAccountSubject,
  parseSpiffeUri,
  serviceAccountSubject,
  spiffeIdFromSubjectAltName,
  spiffeUri,
} from './spiffe.js';

test('a SPIFFE ID round-trips through its URI', () => {
  const id = { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'reviews' };
  assert.equal(spiffeUri(id), 'spiffe://cluster.local/ns/default/sa/reviews');
  assert.deepEqual(parseSpiffeUri(spiffeUri(id)), id);
});

test('other URI shapes and malformed names are not mesh identities', () => {
  for (const uri of [
    'spiffe://cluster.local/ns/default',
    'spiffe://cluster.local/ns/default/sa/reviews/extra',
    'spiffe://Cluster.Local/ns/default/sa/reviews',
    'spiffe://cluster.local/ns/Default/sa/reviews',
    'https://cluster.local/ns/default/sa/reviews',
    'spiffe://cluster.local/ns/default/sa/re%2Fviews',
  ]) {
    assert.equal(parseSpiffeUri(uri), undefined, uri);
  }
});

test('service-account subjects parse like Kubernetes token subjects', () => {
  assert.equal(serviceAccountSubject('prod', 'ratings'), 'system:serviceaccount:prod:ratings');
  assert.deepEqual(parseServiceAccountSubject('system:serviceaccount:prod:ratings'), {
    namespace: 'prod',
    serviceAccount: 'ratings',
  });
  assert.equal(parseServiceAccountSubject('system:node:worker-1'), undefined);
  assert.equal(parseServiceAccountSubject('system:serviceaccount:prod:ratings:x'), undefined);
});

test("the SPIFFE ID is read from Node's subjectaltname text", () => {
  const id = 'spiffe://cluster.local/ns/default/sa/reviews';
  assert.equal(spiffeIdFromSubjectAltName(`URI:${id}`), id);
  assert.equal(spiffeIdFromSubjectAltName(`DNS:localhost, URI:${id}, IP Address:127.0.0.1`), id);
  assert.equal(spiffeIdFromSubjectAltName(`URI:${JSON.stringify(id)}`), id);
  assert.equal(spiffeIdFromSubjectAltName('URI:https://example.com/'), undefined);
  assert.equal(
    spiffeIdFromSubjectAltName(`URI:${id}, URI:${id}x`),
    undefined,
    'two identities are ambiguous',
  );
  assert.equal(spiffeIdFromSubjectAltName(undefined), undefined);
});
