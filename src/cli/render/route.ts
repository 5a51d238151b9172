// `proxy-config route`'s table, one row per route as istioctl prints it:
// NAME VHOST NAME DOMAINS MATCH VIRTUAL SERVICE.
import { arr, at, istioConfigName, type Json, obj, str } from './dump.js';
import { renderTable } from './table.js';

export interface RouteFilter {
  name?: string;
}

/** The path part of a route match: `/*`, `/exact`, `/prefix*`, a regex, or `CONNECT`. */
export function describeRouteMatch(match: unknown): string {
  const m = obj(match);
  if (m.path !== undefined) return str(m.path);
  if (m.prefix !== undefined) return `${str(m.prefix) || '/'}*`;
  if (m.path_separated_prefix !== undefined) return `${str(m.path_separated_prefix)}/*`;
  const regex = str(at(m, 'safe_regex', 'regex'));
  if (regex) return regex;
  if (m.connect_matcher !== undefined) return 'CONNECT';
  return '/*';
}

/** Domains without their `:port` twins, shortest first; more than two become `a, b + N more...`. */
export function describeDomains(domains: unknown): string {
  const all = Array.isArray(domains) ? domains.map(String) : [];
  const unique = [...new Set(all.map((d) => (d.startsWith('[') ? d : d.replace(/:\d+$/, ''))))].sort(
    (a, b) => a.length - b.length || a.localeCompare(b),
  );
  if (unique.length <= 2) return unique.join(', ');
  return `${unique.slice(0, 2).join(', ')} + ${unique.length - 2} more...`;
}

export function routeRows(configs: readonly Json[], filter: RouteFilter = {}): string[][] {
  const rows: string[][] = [];
  for (const rc of configs) {
    const name = str(rc.name);
    if (filter.name !== undefined && name !== filter.name) continue;
    for (const vh of arr(rc.virtual_hosts)) {
      const routes = arr(vh.routes);
      const domains = describeDomains(vh.domains);
      if (routes.length === 0) rows.push([name, str(vh.name), domains, '', '']);
      for (const r of routes) {
        rows.push([name, str(vh.name), domains, describeRouteMatch(r.match), istioConfigName(r)]);
      }
    }
  }
  return rows;
}

export function renderRoutes(configs: readonly Json[], filter: RouteFilter = {}): string {
  return renderTable(
    ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE'],
    routeRows(configs, filter),
    1,
  );
}
