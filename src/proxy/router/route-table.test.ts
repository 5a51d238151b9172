// Unit tests for the compiled route table: virtual host selection by domain and every route matcher
// (path prefix/exact/regex/separated prefix, case, headers, query parameters, method, gRPC, fraction).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeaderMatch, Route, RouteMatch, VirtualHost } from '../config/route.js';
import { emptyHeaderOps } from '../config/route.js';
import { pickWeighted, redirectLocation, rewritePath } from './compiled-route.js';
import { CompiledRouteTable, type RouteRequest } from './route-table.js';

function r(
  name: string,
  m: Partial<RouteMatch>,
  action: Route['action'] = { kind: 'direct', status: 200 },
): Route {
  return {
    name,
    match: {
      path: { kind: 'prefix', value: '/' },
      caseSensitive: true,
      headers: [],
      queryParameters: [],
      grpc: false,
      ...m,
    },
    action,
    headers: emptyHeaderOps(),
    perFilterConfig: {},
  };
}
function vh(name: string, domains: string[], routes: Route[]): VirtualHost {
  return { name, domains, routes, headers: emptyHeaderOps(), perFilterConfig: {} };
}
function table(vhosts: VirtualHost[], random = () => 0.5) {
  return new CompiledRouteTable({ name: 'rc', virtualHosts: vhosts, headers: emptyHeaderOps() }, random);
}
function rq(path: string, over: Partial<RouteRequest> = {}): RouteRequest {
  return { authority: 'h', path, method: 'GET', scheme: 'http', headers: [], ...over };
}
function hm(name: string, match: HeaderMatch['match'], invert = false): HeaderMatch {
  return { name, match, invert, treatMissingAsEmpty: false };
}

describe('virtual host selection', () => {
  const t = table([
    vh('exact', ['api.example.com', 'api.example.com:8080'], [r('exact', {})]),
    vh('suffix-long', ['*.v1.example.com'], [r('suffix-long', {})]),
    vh('suffix', ['*.example.com'], [r('suffix', {})]),
    vh('prefix', ['api.*'], [r('prefix', {})]),
    vh('any', ['*'], [r('any', {})]),
  ]);
  const pick = (authority: string) => t.match(rq('/', { authority }))?.name;
  it('prefers exact, then longest suffix, then prefix, then *', () => {
    assert.equal(pick('api.example.com'), 'exact');
    assert.equal(pick('API.Example.com'), 'exact');
    assert.equal(pick('api.example.com:8080'), 'exact');
    assert.equal(pick('x.v1.example.com'), 'suffix-long');
    assert.equal(pick('www.example.com'), 'suffix');
    assert.equal(pick('api.other.org'), 'prefix');
    assert.equal(pick('elsewhere'), 'any');
    assert.equal(pick('api.example.com:9090'), 'prefix', 'the port is part of the host as Envoy matches it');
    assert.equal(pick('www.example.com:9090'), 'any');
  });
  it('returns undefined without a catch-all', () => {
    assert.equal(table([vh('a', ['a'], [r('a', {})])]).match(rq('/', { authority: 'b' })), undefined);
  });
});

describe('route matching', () => {
  it('matches paths in order: exact, prefix, regex, separated prefix, case-insensitive', () => {
    const t = table([
      vh(
        'v',
        ['*'],
        [
          r('exact', { path: { kind: 'path', value: '/exact' } }),
          r('regex', { path: { kind: 'regex', pattern: '/items/[0-9]+' } }),
          r('sep', { path: { kind: 'separatedPrefix', value: '/api' } }),
          r('ci', { path: { kind: 'prefix', value: '/CI' }, caseSensitive: false }),
          r('prefix', { path: { kind: 'prefix', value: '/p' } }),
        ],
      ),
    ]);
    const m = (p: string) => t.match(rq(p))?.name;
    assert.equal(m('/exact'), 'exact');
    assert.equal(m('/exact?q=1'), 'exact');
    assert.equal(m('/exactly'), undefined);
    assert.equal(m('/items/42'), 'regex');
    assert.equal(m('/items/42/x'), undefined, 'regex must match the whole path');
    assert.equal(m('/api'), 'sep');
    assert.equal(m('/api/v1'), 'sep');
    assert.equal(m('/apix'), undefined);
    assert.equal(m('/ci/thing'), 'ci');
    assert.equal(m('/path'), 'prefix');
  });

  it('uses RE2 semantics (no backreferences, linear time)', () => {
    assert.throws(() => table([vh('v', ['*'], [r('bad', { path: { kind: 'regex', pattern: '(a)\\1' } })])]));
    const t = table([vh('v', ['*'], [r('evil', { path: { kind: 'regex', pattern: '/(a+)+b' } })])]);
    const t0 = Date.now();
    assert.equal(t.match(rq(`/${'a'.repeat(5000)}c`)), undefined);
    assert.ok(Date.now() - t0 < 200);
  });

  it('matches headers: exact, prefix, suffix, contains, regex, present, absent, invert, range', () => {
    const s = (kind: 'exact' | 'prefix' | 'suffix' | 'contains', value: string) =>
      ({ kind: 'string', string: { kind, value, ignoreCase: false } }) as const;
    const t = table([
      vh(
        'v',
        ['*'],
        [
          r('exact', { headers: [hm('x-a', s('exact', 'one'))] }),
          r('prefix', { headers: [hm('x-b', s('prefix', 'pre'))] }),
          r('suffix', { headers: [hm('x-c', s('suffix', 'fix'))] }),
          r('contains', { headers: [hm('x-d', s('contains', 'mid'))] }),
          r('regex', {
            headers: [hm('x-e', { kind: 'string', string: { kind: 'regex', pattern: 'v[0-9]' } })],
          }),
          r('range', { headers: [hm('x-f', { kind: 'range', start: 10, end: 20 })] }),
          r('present', { headers: [hm('x-g', { kind: 'present', present: true })] }),
          r('invert', {
            headers: [hm('x-h', s('exact', 'no'), true), hm('x-i', { kind: 'present', present: true })],
          }),
          r('method', { headers: [hm(':method', s('exact', 'DELETE'))] }),
          r('fallback', {}),
        ],
      ),
    ]);
    const m = (headers: string[], method = 'GET') => t.match(rq('/', { headers, method }))?.name;
    assert.equal(m(['x-a', 'one']), 'exact');
    assert.equal(m(['x-a', 'one2']), 'fallback');
    assert.equal(m(['x-b', 'prefixed']), 'prefix');
    assert.equal(m(['x-c', 'suffix']), 'suffix');
    assert.equal(m(['x-d', 'amidst']), 'contains');
    assert.equal(m(['x-e', 'v7']), 'regex');
    assert.equal(m(['x-e', 'v77']), 'fallback');
    assert.equal(m(['x-f', '15']), 'range');
    assert.equal(m(['x-f', '20']), 'fallback');
    assert.equal(m(['x-g', '']), 'present');
    assert.equal(m(['x-i', '1', 'x-h', 'yes']), 'invert');
    assert.equal(m(['x-i', '1', 'x-h', 'no']), 'fallback');
    assert.equal(m([], 'DELETE'), 'method');
  });

  it('matches query parameters and gRPC-only routes', () => {
    const t = table([
      vh(
        'v',
        ['*'],
        [
          r('q-exact', {
            queryParameters: [
              {
                name: 'v',
                match: { kind: 'string', string: { kind: 'exact', value: '2', ignoreCase: false } },
              },
            ],
          }),
          r('q-present', { queryParameters: [{ name: 'debug', match: { kind: 'present' } }] }),
          r('grpc', { grpc: true }),
          r('fallback', {}),
        ],
      ),
    ]);
    assert.equal(t.match(rq('/x?a=1&v=2'))?.name, 'q-exact');
    assert.equal(t.match(rq('/x?v=3'))?.name, 'fallback');
    assert.equal(t.match(rq('/x?debug'))?.name, 'q-present');
    assert.equal(t.match(rq('/x', { headers: ['content-type', 'application/grpc+proto'] }))?.name, 'grpc');
  });

  it('applies runtime fractions with the injected random', () => {
    let x = 0.1;
    const t = table([vh('v', ['*'], [r('canary', { fraction: 0.25 }), r('rest', {})])], () => x);
    assert.equal(t.match(rq('/'))?.name, 'canary');
    x = 0.3;
    assert.equal(t.match(rq('/'))?.name, 'rest');
  });
});

describe('route actions', () => {
  const fwd = (over: object) => ({
    kind: 'forward' as const,
    target: { kind: 'cluster' as const, name: 'c' },
    autoHostRewrite: false,
    timeoutMs: 0,
    mirrors: [],
    hashPolicies: [],
    upgrades: [],
    ...over,
  });
  it('rewrites prefixes and regexes, keeping the query', () => {
    const t = table([
      vh(
        'v',
        ['*'],
        [
          r('pre', { path: { kind: 'prefix', value: '/old/' } }, fwd({ prefixRewrite: '/new/' })),
          r(
            'rx',
            { path: { kind: 'prefix', value: '/rx' } },
            fwd({ regexRewrite: { pattern: '^/rx/([a-z]+)/([0-9]+)$', substitution: '/\\2/\\1' } }),
          ),
        ],
      ),
    ]);
    assert.equal(rewritePath(t.match(rq('/old/a/b?q=1'))!, '/old/a/b?q=1'), '/new/a/b?q=1');
    assert.equal(rewritePath(t.match(rq('/rx/abc/42'))!, '/rx/abc/42?z'), '/42/abc?z');
  });

  it('picks weighted clusters by cumulative weight', () => {
    const clusters = [
      { name: 'a', weight: 10, headers: emptyHeaderOps() },
      { name: 'b', weight: 90, headers: emptyHeaderOps() },
    ];
    const t = table([
      vh('v', ['*'], [r('w', {}, fwd({ target: { kind: 'weighted', clusters, totalWeight: 100 } }))]),
    ]);
    const route = t.match(rq('/'))!;
    assert.equal(pickWeighted(route, () => 0.05).name, 'a');
    assert.equal(pickWeighted(route, () => 0.5).name, 'b');
  });

  it('builds redirect locations', () => {
    const t = table([vh('v', ['*'], [r('red', { path: { kind: 'prefix', value: '/a' } })])]);
    const route = t.match(rq('/a/b'))!;
    const base = { kind: 'redirect' as const, status: 301, stripQuery: false };
    assert.equal(
      redirectLocation({ ...base, scheme: 'https' }, route, 'http', 'h:80', '/a/b?x=1'),
      'https://h/a/b?x=1',
    );
    assert.equal(
      redirectLocation({ ...base, host: 'n', port: 8443 }, route, 'http', 'h', '/a/b'),
      'http://n:8443/a/b',
    );
    assert.equal(
      redirectLocation({ ...base, path: '/z', stripQuery: true }, route, 'http', 'h', '/a/b?x'),
      'http://h/z',
    );
    assert.equal(
      redirectLocation({ ...base, prefixRewrite: '/q' }, route, 'http', 'h', '/a/b'),
      'http://h/q/b',
    );
  });
});
