// The router's request hash for RING_HASH and MAGLEV clusters: evaluates the route's hash policies against
// one request (headers, cookies, downstream address, query) and returns the load balancer context to pick
// with, plus the Set-Cookie value a generated-cookie policy wants sent back on the response.
import type { LbPolicy } from '../config/cluster.js';
import type { HashPolicy } from '../config/route.js';
import {
  computeRequestHash,
  cookieValue,
  type HashInputs,
  queryParameterValue,
} from '../upstream/lb/hash.js';
import type { LbContext } from '../upstream/lb/types.js';

/** The request fields a hash policy reads (the exchange provides them). */
export interface HashableRequest {
  /** Flat lower-case [name, value, …] without pseudo-headers and host. */
  readonly headers: readonly string[];
  readonly path: string;
  readonly authority: string;
  /** The downstream peer's address as the socket reports it. */
  readonly remoteAddress: string;
}

export interface RouterHash {
  /** Context for cluster.choose(); `hash` is undefined when no policy produced a value. */
  ctx: LbContext;
  /** A `set-cookie` header value for the response, when a cookie policy generated the cookie. */
  setCookie: string | undefined;
}

function headerValues(headers: readonly string[], name: string): string | string[] | undefined {
  let first: string | undefined;
  let all: string[] | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== name) continue;
    if (first === undefined) first = headers[i + 1];
    else {
      all ??= [first];
      all.push(headers[i + 1]);
    }
  }
  return all ?? first;
}

/** IPv4 peers on a dual-stack socket show as `::ffff:a.b.c.d`; Envoy hashes the plain IPv4 text. */
function plainIp(address: string): string | undefined {
  if (address === '') return undefined;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Envoy's Set-Cookie for a generated hash cookie: quoted value, Max-Age in whole seconds, HttpOnly. */
export function hashCookieHeader(c: { name: string; value: string; ttlMs: number; path?: string }): string {
  let v = `${c.name}="${c.value}"`;
  if (c.ttlMs > 0) v += `; Max-Age=${Math.floor(c.ttlMs / 1000)}`;
  if (c.path !== undefined && c.path !== '') v += `; Path=${c.path}`;
  return `${v}; HttpOnly`;
}

/**
 * Whether a cluster's balancer reads the hash. Only those ask for it in Envoy, so only they trigger hash
 * evaluation and with it a generated cookie's Set-Cookie.
 */
export function lbUsesHash(policy: LbPolicy): boolean {
  return policy === 'RING_HASH' || policy === 'MAGLEV';
}

/** Evaluates `policies` for one request; an empty list gives an empty context (any host). */
export function routerHash(policies: readonly HashPolicy[], rq: HashableRequest): RouterHash {
  if (policies.length === 0) return { ctx: {}, setCookie: undefined };
  const inputs: HashInputs = {
    header: (name) =>
      name === ':authority' || name === 'host' ? rq.authority : headerValues(rq.headers, name),
    cookie: (name) => cookieValue(headerValues(rq.headers, 'cookie'), name),
    sourceIp: plainIp(rq.remoteAddress),
    queryParameter: (name) => queryParameterValue(rq.path, name),
  };
  const r = computeRequestHash(policies, inputs);
  return {
    ctx: r.hash === undefined ? {} : { hash: r.hash },
    setCookie: r.setCookie === undefined ? undefined : hashCookieHeader(r.setCookie),
  };
}
