// Shared helpers of the bootstrap decode tests: fixtures (found from source or dist), result unwrapping,
// and a minimal HTTP listener bootstrap to vary one connection manager at a time.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FieldError, Result } from '../../common/result.js';
import type { Bootstrap } from '../config/bootstrap.js';
import type { HttpConnectionManager } from '../config/listener.js';
import { decodeBootstrap } from './decode-bootstrap.js';

/** test/fixtures/bootstrap, found from source (src/…) or compiled (dist/src/…) code. */
export function fixturesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    if (dirname(dir) === dir) throw new Error('cannot find the package root');
    dir = dirname(dir);
  }
  return join(dir, 'test', 'fixtures', 'bootstrap');
}

export function load(name: string, readFile?: (p: string) => string): Result<Bootstrap> {
  return decodeBootstrap(readFileSync(join(fixturesDir(), name), 'utf8'), name, readFile ? { readFile } : {});
}

export function value(r: Result<Bootstrap>): Bootstrap {
  if (!r.ok) assert.fail(`expected success, got ${JSON.stringify(r.errors, null, 2)}`);
  return r.value;
}

export function errors(r: Result<Bootstrap>): FieldError[] {
  if (r.ok) assert.fail('expected errors, got a bootstrap');
  return r.errors;
}

export function hcmOf(b: Bootstrap, listener = 0): HttpConnectionManager {
  const f = b.listeners[listener].filterChains[0].filter;
  assert.equal(f.kind, 'http');
  return f as HttpConnectionManager;
}

/** A minimal bootstrap with one HTTP listener whose connection manager fields are given as YAML lines. */
export function withHcm(
  hcmYaml: string,
  routeYaml = 'routes: [{ match: { prefix: / }, route: { cluster: c } }]',
): string {
  const indent = (s: string, n: number) =>
    s
      .trim()
      .split('\n')
      .map((l) => ' '.repeat(n) + l)
      .join('\n');
  return `static_resources:
  listeners:
  - name: http
    address: { socket_address: { address: 127.0.0.1, port_value: 8080 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: http
${indent(hcmYaml, 10)}
          route_config:
            virtual_hosts:
            - name: vh
              domains: ["*"]
${indent(routeYaml, 14)}
`;
}

export const ROUTER = `- name: envoy.filters.http.router
  typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }`;
