// The compiled route table: virtual hosts indexed by domain (exact map, then longest wildcard suffix, longest
// wildcard prefix, then `*`), each with its routes as predicates built once when config arrives. A request
// is matched in order against the first route whose path, method, header and query matchers all pass.
import type { RouteConfiguration, VirtualHost } from '../config/route.js';
import { type CompiledRoute, compileRoute } from './compiled-route.js';
import { type HeaderPredicate, isGrpc, type RouteRequest } from './request-match.js';

export type { RouteRequest };

export interface CompiledVirtualHost {
  name: string;
  routes: CompiledRoute[];
}

export class CompiledRouteTable {
  private readonly exact = new Map<string, CompiledVirtualHost>();
  private readonly suffixes: { suffix: string; vh: CompiledVirtualHost }[] = [];
  private readonly prefixes: { prefix: string; vh: CompiledVirtualHost }[] = [];
  private catchAll: CompiledVirtualHost | undefined;

  constructor(
    readonly config: RouteConfiguration,
    private readonly random: () => number,
  ) {
    for (const vh of config.virtualHosts) {
      const compiled: CompiledVirtualHost = {
        name: vh.name,
        routes: vh.routes.map((r) => compileRoute(r, vh, config)),
      };
      for (const raw of vh.domains) {
        const d = raw.toLowerCase();
        if (d === '*') this.catchAll ??= compiled;
        else if (d.startsWith('*')) this.suffixes.push({ suffix: d.slice(1), vh: compiled });
        else if (d.endsWith('*')) this.prefixes.push({ prefix: d.slice(0, -1), vh: compiled });
        else if (!this.exact.has(d)) this.exact.set(d, compiled);
      }
    }
    this.suffixes.sort((a, b) => b.suffix.length - a.suffix.length);
    this.prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Picks the virtual host for an authority (already lower-cased by the caller when needed). */
  virtualHost(authority: string): CompiledVirtualHost | undefined {
    let host = authority;
    for (let i = 0; i < host.length; i++) {
      const c = host.charCodeAt(i);
      if (c >= 0x41 && c <= 0x5a) {
        host = host.toLowerCase();
        break;
      }
    }
    const ex = this.exact.get(host);
    if (ex) return ex;
    for (const s of this.suffixes) if (host.length > s.suffix.length && host.endsWith(s.suffix)) return s.vh;
    for (const p of this.prefixes)
      if (host.length > p.prefix.length && host.startsWith(p.prefix)) return p.vh;
    return this.catchAll;
  }

  /** The first matching route, or undefined (the caller replies 404 NR). */
  match(req: RouteRequest): CompiledRoute | undefined {
    const vh = this.virtualHost(req.authority);
    if (vh === undefined) return undefined;
    const q = req.path.indexOf('?');
    const path = q < 0 ? req.path : req.path.slice(0, q);
    const routes = vh.routes;
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i];
      if (!r.matchPath(path)) continue;
      if (r.grpcOnly && !isGrpc(req.headers)) continue;
      if (r.headerMatchers.length > 0 && !matchHeaders(r.headerMatchers, req)) continue;
      if (r.queryMatchers.length > 0 && !matchQuery(r, q < 0 ? '' : req.path.slice(q + 1))) continue;
      if (r.fraction !== undefined && !(this.random() < r.fraction)) continue;
      return r;
    }
    return undefined;
  }
}

function matchHeaders(preds: HeaderPredicate[], req: RouteRequest): boolean {
  for (let i = 0; i < preds.length; i++) if (!preds[i](req)) return false;
  return true;
}

function matchQuery(r: CompiledRoute, query: string): boolean {
  const params = parseQuery(query);
  for (const m of r.queryMatchers) {
    const v = params.get(m.name);
    if (v === undefined) return false;
    if (m.test !== undefined && !m.test(v)) return false;
  }
  return true;
}

function parseQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  if (query === '') return out;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
    if (!out.has(k)) out.set(k, eq < 0 ? '' : safeDecode(part.slice(eq + 1)));
  }
  return out;
}

function safeDecode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export type { VirtualHost };
