// Header matchers (Envoy's HeaderMatcher) compiled into predicates over a request, and the request view the
// router matches on.
import type { HeaderMatch } from '../config/route.js';
import { compileStringMatch } from './string-matcher.js';

/** What the router needs to know about a request; header names are lower-case, flat [name, value, …]. */
export interface RouteRequest {
  authority: string;
  /** Path with query, as received. */
  path: string;
  method: string;
  scheme: string;
  headers: readonly string[];
}

export function isGrpc(headers: readonly string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === 'content-type') return headers[i + 1].startsWith('application/grpc');
  }
  return false;
}

/** A header matcher compiled to a predicate over the request. */
export type HeaderPredicate = (req: RouteRequest) => boolean;

/** Envoy joins repeated headers with ',' before matching; pseudo-headers map to request fields. */
function headerValue(req: RouteRequest, name: string): string | undefined {
  switch (name) {
    case ':authority':
      return req.authority;
    case ':path':
      return req.path;
    case ':method':
      return req.method;
    case ':scheme':
      return req.scheme;
  }
  let v: string | undefined;
  const h = req.headers;
  for (let i = 0; i < h.length; i += 2) {
    if (h[i] === name) v = v === undefined ? h[i + 1] : `${v},${h[i + 1]}`;
  }
  return v;
}

export function compileHeaderMatch(m: HeaderMatch): HeaderPredicate {
  const name = m.name.toLowerCase() === 'host' ? ':authority' : m.name.toLowerCase();
  const invert = m.invert;
  const spec = m.match;
  let test: (v: string | undefined) => boolean;
  if (spec.kind === 'present') {
    test = spec.present ? (v) => v !== undefined : (v) => v === undefined;
  } else if (spec.kind === 'range') {
    const { start, end } = spec;
    test = (v) => {
      if (v === undefined || !/^-?\d+$/.test(v)) return false;
      const n = Number(v);
      return n >= start && n < end;
    };
  } else {
    const pred = compileStringMatch(spec.string);
    const missingAsEmpty = m.treatMissingAsEmpty;
    test = (v) => (v === undefined ? missingAsEmpty && pred('') : pred(v));
  }
  return invert ? (req) => !test(headerValue(req, name)) : (req) => test(headerValue(req, name));
}
