// `proxy-config listener`'s table, one row per filter chain as istioctl prints it:
// ADDRESSES PORT MATCH DESTINATION.

import { addressText, arr, at, isObject, type Json, obj, str } from './dump.js';
import { renderTable } from './table.js';

export interface ListenerFilter {
  port?: number;
  address?: string;
}

/** The filter chain match in istioctl's words: `SNI: …; Trans: …; App: …; Addr: …`, or `ALL`. */
export function describeMatch(match: unknown): string {
  const m = obj(match);
  const parts: string[] = [];
  const names = Array.isArray(m.server_names) ? m.server_names.map(String) : [];
  if (names.length > 0) parts.push(`SNI: ${names.join(',')}`);
  if (str(m.transport_protocol)) parts.push(`Trans: ${str(m.transport_protocol)}`);
  const apps = Array.isArray(m.application_protocols) ? m.application_protocols.map(String) : [];
  if (apps.length > 0) parts.push(`App: ${apps.join(',')}`);
  const port = m.destination_port !== undefined ? str(m.destination_port) : '';
  const ranges = arr(m.prefix_ranges).map((r) => `${str(r.address_prefix)}/${str(r.prefix_len ?? 0) || '0'}`);
  if (ranges.length > 0) parts.push(`Addr: ${ranges.map((r) => (port ? `${r}:${port}` : r)).join(',')}`);
  else if (port) parts.push(`Addr: *:${port}`);
  return parts.length > 0 ? parts.join('; ') : 'ALL';
}

function typeOf(filter: Json): string {
  return str(at(filter, 'typed_config', '@type'));
}

/** Where a filter chain sends traffic: `Route: 9080`, `Inline Route: …`, `Cluster: …`, or Non-HTTP/Non-TCP. */
export function describeDestination(chain: unknown): string {
  for (const f of arr(obj(chain).filters)) {
    const t = typeOf(f);
    const cfg = obj(f.typed_config);
    if (t.endsWith('HttpConnectionManager')) {
      const rds = str(at(cfg, 'rds', 'route_config_name'));
      if (rds) return `Route: ${rds}`;
      const inline = obj(cfg.route_config);
      const matches = arr(inline.virtual_hosts).flatMap((vh) =>
        arr(vh.routes).map((r) => {
          const m = obj(r.match);
          return (
            str(m.path) || (m.prefix !== undefined ? `${str(m.prefix)}*` : str(at(m, 'safe_regex', 'regex')))
          );
        }),
      );
      return `Inline Route: ${matches.join('; ') || str(inline.name)}`;
    }
    if (t.endsWith('TcpProxy')) {
      if (str(cfg.cluster)) return `Cluster: ${str(cfg.cluster)}`;
      const weighted = arr(at(cfg, 'weighted_clusters', 'clusters'));
      return `WeightedClusters: ${weighted.map((w) => `${str(w.name)}(${str(w.weight)})`).join(', ')}`;
    }
  }
  return 'Non-HTTP/Non-TCP';
}

export function listenerMatches(listener: Json, filter: ListenerFilter): boolean {
  const main = addressText(listener.address);
  const extra = arr(listener.additional_addresses).map((a) => addressText(a.address).host);
  if (filter.port !== undefined && Number(main.port) !== filter.port) return false;
  return filter.address === undefined || [main.host, ...extra].includes(filter.address);
}

export function listenerRows(listeners: readonly Json[], filter: ListenerFilter = {}): string[][] {
  const rows: string[][] = [];
  for (const l of listeners) {
    if (!listenerMatches(l, filter)) continue;
    const main = addressText(l.address);
    const extra = arr(l.additional_addresses).map((a) => addressText(a.address).host);
    const addresses = [main.host, ...extra].join(',');
    const chains = [
      ...arr(l.filter_chains),
      ...(isObject(l.default_filter_chain) ? [l.default_filter_chain] : []),
    ];
    if (chains.length === 0) rows.push([addresses, main.port, 'ALL', 'Non-HTTP/Non-TCP']);
    for (const c of chains)
      rows.push([addresses, main.port, describeMatch(c.filter_chain_match), describeDestination(c)]);
  }
  return rows;
}

export function renderListeners(listeners: readonly Json[], filter: ListenerFilter = {}): string {
  return renderTable(['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION'], listenerRows(listeners, filter), 1);
}
