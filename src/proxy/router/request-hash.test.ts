import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HashPolicy } from '../config/route.js';
import { hashKey } from '../upstream/lb/hash.js';
import { hashCookieHeader, routerHash } from './request-hash.js';

const rq = (over: Partial<Parameters<typeof routerHash>[1]> = {}) => ({
  headers: [] as string[],
  path: '/',
  authority: 'app:80',
  remoteAddress: '::ffff:10.1.2.3',
  ...over,
});

test('no policies: an empty context and no cookie', () => {
  assert.deepEqual(routerHash([], rq()), { ctx: {}, setCookie: undefined });
});

test('header policy hashes the header value; :authority reads the authority', () => {
  const byUser: HashPolicy[] = [{ kind: 'header', name: 'x-user', terminal: false }];
  assert.equal(routerHash(byUser, rq({ headers: ['x-user', 'ann'] })).ctx.hash, hashKey('ann'));
  assert.equal(routerHash(byUser, rq()).ctx.hash, undefined);
  const byHost: HashPolicy[] = [{ kind: 'header', name: ':authority', terminal: false }];
  assert.equal(routerHash(byHost, rq()).ctx.hash, hashKey('app:80'));
});

test('source IP policy hashes the plain IPv4 text of a mapped address', () => {
  const p: HashPolicy[] = [{ kind: 'sourceIp', terminal: false }];
  assert.equal(routerHash(p, rq()).ctx.hash, hashKey('10.1.2.3'));
});

test('cookie and query policies read the Cookie header and the path', () => {
  const c: HashPolicy[] = [{ kind: 'cookie', name: 's', terminal: false }];
  assert.equal(routerHash(c, rq({ headers: ['cookie', 'a=1; s="xyz"'] })).ctx.hash, hashKey('xyz'));
  const q: HashPolicy[] = [{ kind: 'queryParameter', name: 'id', terminal: false }];
  assert.equal(routerHash(q, rq({ path: '/p?x=1&id=42' })).ctx.hash, hashKey('42'));
});

test('a missing cookie with a TTL yields a Set-Cookie value', () => {
  const c: HashPolicy[] = [{ kind: 'cookie', name: 's', ttlMs: 1500, path: '/app', terminal: false }];
  const r = routerHash(c, rq());
  assert.ok(r.ctx.hash !== undefined);
  assert.match(r.setCookie ?? '', /^s="[0-9a-f]{16}"; Max-Age=1; Path=\/app; HttpOnly$/);
  assert.equal(hashCookieHeader({ name: 'n', value: 'v', ttlMs: 0 }), 'n="v"; HttpOnly');
});
