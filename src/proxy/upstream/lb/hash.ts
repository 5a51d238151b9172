// Request hashing for RING_HASH and MAGLEV: the router evaluates a route's hash policies (header, cookie,
// source IP, query parameter) against the request and passes the combined 64-bit hash in LbContext.hash.
import type { HashPolicy } from '../../config/route.js';
import { xxHash64 } from './xxhash64.js';

const MASK64 = (1n << 64n) - 1n;

/** xxHash64 (seed 0) of a value's UTF-8 bytes: the hash of one header, cookie, IP or query value. */
export function hashKey(value: string): bigint {
  return xxHash64(value, 0n);
}

/**
 * Folds one more policy's hash into the running hash: rotate the running hash left by one bit, then XOR,
 * so two identical policies do not cancel each other out.
 */
export function combineHash(running: bigint | undefined, next: bigint): bigint {
  if (running === undefined) return next;
  return (((running << 1n) | (running >> 63n)) & MASK64) ^ next;
}

/** What a hash policy can read from a request. */
export interface HashInputs {
  /** Every value of a header (lower-case name), or undefined when absent. */
  header(name: string): string | readonly string[] | undefined;
  /** The value of a cookie in the request's Cookie header(s), or undefined. */
  cookie(name: string): string | undefined;
  /** The downstream peer's IP address as text, or undefined when unknown. */
  readonly sourceIp: string | undefined;
  /** The first value of a query parameter, or undefined. */
  queryParameter(name: string): string | undefined;
}

export interface RequestHash {
  /** Undefined when no policy produced a value: the balancer then picks as if at random. */
  hash: bigint | undefined;
  /**
   * A cookie policy with a TTL whose cookie was missing: the router should send this cookie back
   * (`Set-Cookie: name=value; Max-Age=ttl/1000; Path=path; HttpOnly`) so the client sticks from now on.
   * The request is already hashed on `value`.
   */
  setCookie?: { name: string; value: string; ttlMs: number; path?: string };
}

/**
 * Evaluates hash policies in order: each that yields a value is combined into the hash; a terminal policy
 * that yields a value stops evaluation. Multiple values of one header are sorted and chained, so their
 * order on the wire does not matter.
 */
export function computeRequestHash(policies: readonly HashPolicy[], request: HashInputs): RequestHash {
  let hash: bigint | undefined;
  let setCookie: RequestHash['setCookie'];
  for (const policy of policies) {
    let value: bigint | undefined;
    switch (policy.kind) {
      case 'header': {
        const raw = request.header(policy.name.toLowerCase());
        if (typeof raw === 'string') value = hashKey(raw);
        else if (raw && raw.length > 0) {
          const sorted = [...raw].sort();
          value = hashKey(sorted[0]);
          for (let i = 1; i < sorted.length; i++) value = xxHash64(sorted[i], value);
        }
        break;
      }
      case 'cookie': {
        const cookie = request.cookie(policy.name);
        if (cookie !== undefined) value = hashKey(cookie);
        else if (policy.ttlMs !== undefined && !setCookie) {
          // Derive the new cookie from the client address so a client's first requests agree with each other.
          const generated = hashKey(`${request.sourceIp ?? ''}/${policy.name}`)
            .toString(16)
            .padStart(16, '0');
          setCookie = { name: policy.name, value: generated, ttlMs: policy.ttlMs, path: policy.path };
          value = hashKey(generated);
        }
        break;
      }
      case 'sourceIp':
        if (request.sourceIp) value = hashKey(request.sourceIp);
        break;
      case 'queryParameter': {
        const param = request.queryParameter(policy.name);
        if (param !== undefined) value = hashKey(param);
        break;
      }
    }
    if (value !== undefined) hash = combineHash(hash, value);
    if (policy.terminal && hash !== undefined) break;
  }
  return setCookie ? { hash, setCookie } : { hash };
}

/** The value of cookie `name` in Cookie header values (`a=1; b=2`), or undefined. */
export function cookieValue(
  cookieHeaders: string | readonly string[] | undefined,
  name: string,
): string | undefined {
  if (cookieHeaders === undefined) return undefined;
  const headers = typeof cookieHeaders === 'string' ? [cookieHeaders] : cookieHeaders;
  for (const header of headers) {
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      if (pair.slice(0, eq).trim() !== name) continue;
      let value = pair.slice(eq + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      return value;
    }
  }
  return undefined;
}

/** The first value of query parameter `name` in a request path (`/p?a=1&b=2`), percent-decoded; or undefined. */
export function queryParameterValue(path: string, name: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  const end = path.indexOf('#', q);
  const query = path.slice(q + 1, end < 0 ? undefined : end);
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (decode(key) !== name) continue;
    return eq < 0 ? '' : decode(part.slice(eq + 1));
  }
  return undefined;
}

function decode(s: string): string {
  const plus = s.replaceAll('+', ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}
