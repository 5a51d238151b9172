// Request hash policies: header, cookie, source IP, query parameter; combination and terminal policies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HashPolicy } from '../../config/route.js';
import {
  combineHash,
  computeRequestHash,
  cookieValue,
  type HashInputs,
  hashKey,
  queryParameterValue,
} from './hash.js';

function request(opts: {
  headers?: Record<string, string | string[]>;
  cookie?: string;
  ip?: string;
  path?: string;
}): HashInputs {
  return {
    header: (name) => opts.headers?.[name],
    cookie: (name) => cookieValue(opts.cookie, name),
    sourceIp: opts.ip,
    queryParameter: (name) => queryParameterValue(opts.path ?? '/', name),
  };
}

const header = (name: string, terminal = false): HashPolicy => ({ kind: 'header', name, terminal });

test('hashKey is xxHash64 with seed 0', () => {
  assert.equal(hashKey('abc'), 0x44bc2cf5ad770999n);
});

test('a header policy hashes the header value; a missing header gives no hash', () => {
  assert.equal(
    computeRequestHash([header('X-User')], request({ headers: { 'x-user': 'u1' } })).hash,
    hashKey('u1'),
  );
  assert.equal(computeRequestHash([header('x-user')], request({})).hash, undefined);
});

test('repeated header values hash the same whatever their order', () => {
  const a = computeRequestHash([header('x-v')], request({ headers: { 'x-v': ['b', 'a'] } })).hash;
  const b = computeRequestHash([header('x-v')], request({ headers: { 'x-v': ['a', 'b'] } })).hash;
  assert.equal(a, b);
  assert.notEqual(a, hashKey('a'));
});

test('several policies combine by rotate-and-xor, so identical values do not cancel', () => {
  const r = request({ headers: { a: 'same', b: 'same' } });
  const h = computeRequestHash([header('a'), header('b')], r).hash!;
  const one = hashKey('same');
  assert.equal(h, combineHash(one, one));
  assert.notEqual(h, 0n);
  assert.equal(combineHash(1n << 63n, 0n), 1n, 'the top bit rotates into bit 0');
});

test('a terminal policy that produced a hash stops evaluation; one that did not does not', () => {
  const r = request({ headers: { b: 'vb' }, ip: '10.1.2.3' });
  assert.equal(
    computeRequestHash([header('b', true), { kind: 'sourceIp', terminal: false }], r).hash,
    hashKey('vb'),
  );
  assert.equal(
    computeRequestHash([header('missing', true), { kind: 'sourceIp', terminal: false }], r).hash,
    hashKey('10.1.2.3'),
  );
});

test('source IP and query parameter policies', () => {
  const r = request({ ip: '192.168.0.9', path: '/api?x=1&user=al%20ice&user=bob#frag' });
  assert.equal(computeRequestHash([{ kind: 'sourceIp', terminal: false }], r).hash, hashKey('192.168.0.9'));
  assert.equal(
    computeRequestHash([{ kind: 'queryParameter', name: 'user', terminal: false }], r).hash,
    hashKey('al ice'),
  );
  assert.equal(
    computeRequestHash([{ kind: 'queryParameter', name: 'nope', terminal: false }], r).hash,
    undefined,
  );
});

test('a cookie policy hashes the cookie; with a TTL and no cookie it asks the router to set one', () => {
  const policy: HashPolicy = { kind: 'cookie', name: 'sticky', ttlMs: 60_000, path: '/', terminal: false };
  const withCookie = computeRequestHash([policy], request({ cookie: 'a=1; sticky="abc"; b=2' }));
  assert.equal(withCookie.hash, hashKey('abc'));
  assert.equal(withCookie.setCookie, undefined);
  const fresh = computeRequestHash([policy], request({ ip: '10.0.0.7' }));
  assert.ok(fresh.setCookie);
  assert.equal(fresh.setCookie.name, 'sticky');
  assert.match(fresh.setCookie.value, /^[0-9a-f]{16}$/);
  assert.equal(fresh.hash, hashKey(fresh.setCookie.value), 'this request already sticks to the new cookie');
  // The next request carries the cookie and lands on the same hash.
  const next = computeRequestHash([policy], request({ cookie: `sticky=${fresh.setCookie.value}` }));
  assert.equal(next.hash, fresh.hash);
  // Without a TTL a missing cookie simply gives no hash.
  assert.equal(
    computeRequestHash([{ kind: 'cookie', name: 's', terminal: false }], request({})).hash,
    undefined,
  );
});
