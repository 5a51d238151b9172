// Decodes Envoy's Listener (address, filter chains with their match and downstream TLS, listener filters)
// into the listener manager's Listener; exactly one terminal network filter per chain.
import { isIP } from 'node:net';
import { childPath, type Result } from '../../common/result.js';
import { type CidrRange, CidrRangeSchema } from '../../generated/envoy/config/core/v3/address_pb.js';
import { TrafficDirectionSchema } from '../../generated/envoy/config/core/v3/base_pb.js';
import {
  type Filter,
  type FilterChain,
  type FilterChainMatch,
  FilterChainMatchSchema,
  FilterChainSchema,
  FilterSchema,
  ListenerFilterSchema,
} from '../../generated/envoy/config/listener/v3/listener_components_pb.js';
import {
  type Listener,
  Listener_DrainType,
  ListenerSchema,
} from '../../generated/envoy/config/listener/v3/listener_pb.js';
import { HttpInspectorSchema } from '../../generated/envoy/extensions/filters/listener/http_inspector/v3/http_inspector_pb.js';
import { OriginalDstSchema } from '../../generated/envoy/extensions/filters/listener/original_dst/v3/original_dst_pb.js';
import {
  type TlsInspector,
  TlsInspectorSchema,
} from '../../generated/envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector_pb.js';
import {
  type HttpConnectionManager,
  HttpConnectionManagerSchema,
} from '../../generated/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import {
  type TcpProxy,
  TcpProxySchema,
} from '../../generated/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
import type {
  FilterChain as DomainFilterChain,
  FilterChainMatch as DomainFilterChainMatch,
  Listener as DomainListener,
  NetworkFilter,
} from '../config/listener.js';
import { decodeIstioStatsSettings } from '../filters/http/istio-stats/config.js';
import {
  ISTIO_STATS_FILTER_NAME,
  PLUGIN_CONFIG_TYPE_NAME,
} from '../filters/http/istio-stats/plugin-config.js';
import { decodeAddress } from './decode-common.js';
import { DecodeContext, type DecodeOptions, NOT_SUPPORTED, supportedEnum } from './decode-context.js';
import { decodeHttpConnectionManager, decodeTcpProxy } from './decode-network-filters.js';
import { decodeDownstreamTransportSocket } from './decode-tls.js';
import { typeNameOfUrl } from './registry.js';

/** Envoy's drain time for listeners being removed or updated (--drain-time-s default 600 s), in ms. */
export const DEFAULT_DRAIN_TIME_MS = 600_000;

/** Listener filter names by their typed_config type, so a filter is known whatever name it was given. */
const LISTENER_FILTERS = new Map<string, string>([
  [TlsInspectorSchema.typeName, 'envoy.filters.listener.tls_inspector'],
  [HttpInspectorSchema.typeName, 'envoy.filters.listener.http_inspector'],
  [OriginalDstSchema.typeName, 'envoy.filters.listener.original_dst'],
]);

/** Listeners bind to an IP address, never a name (Envoy: "malformed IP address"). */
function decodeListenerAddress(ctx: DecodeContext, l: Listener, path: string) {
  const addr = decodeAddress(ctx, l.address, path);
  if (addr.host !== '' && isIP(addr.host) === 0) {
    ctx.error(childPath(path, 'socket_address.address'), `"${addr.host}" is not an IP address`);
  }
  return addr;
}

function decodeCidrs(ctx: DecodeContext, ranges: CidrRange[], path: string): string[] {
  return ranges.map((r, i) => {
    const p = childPath(path, i);
    ctx.onlyFields(CidrRangeSchema, r, p, ['address_prefix', 'prefix_len']);
    if (r.addressPrefix === '') ctx.error(childPath(p, 'address_prefix'), 'required');
    const max = r.addressPrefix.includes(':') ? 128 : 32;
    const len = r.prefixLen ?? max;
    if (len > max) ctx.error(childPath(p, 'prefix_len'), `${len} is out of range 0..${max}`);
    return `${r.addressPrefix}/${len}`;
  });
}

function decodeFilterChainMatch(
  ctx: DecodeContext,
  m: FilterChainMatch | undefined,
  path: string,
): DomainFilterChainMatch {
  const out: DomainFilterChainMatch = {
    prefixRanges: [],
    sourcePrefixRanges: [],
    serverNames: [],
    applicationProtocols: [],
  };
  if (m === undefined) return out;
  ctx.onlyFields(FilterChainMatchSchema, m, path, [
    'destination_port',
    'prefix_ranges',
    'source_prefix_ranges',
    'server_names',
    'transport_protocol',
    'application_protocols',
  ]);
  if (m.destinationPort !== undefined) {
    if (m.destinationPort < 1 || m.destinationPort > 65535) {
      ctx.error(childPath(path, 'destination_port'), `${m.destinationPort} is out of range 1..65535`);
    }
    out.destinationPort = m.destinationPort;
  }
  out.prefixRanges = decodeCidrs(ctx, m.prefixRanges, childPath(path, 'prefix_ranges'));
  out.sourcePrefixRanges = decodeCidrs(ctx, m.sourcePrefixRanges, childPath(path, 'source_prefix_ranges'));
  out.serverNames = m.serverNames.map((n) => n.toLowerCase());
  if (m.transportProtocol !== '') out.transportProtocol = m.transportProtocol;
  out.applicationProtocols = [...m.applicationProtocols];
  return out;
}

function decodeNetworkFilters(
  ctx: DecodeContext,
  filters: Filter[],
  path: string,
): NetworkFilter | undefined {
  if (filters.length === 0) {
    ctx.error(path, 'a filter chain needs one network filter (http_connection_manager or tcp_proxy)');
    return undefined;
  }
  let decoded: NetworkFilter | undefined;
  // Istio's istio.stats before the tcp_proxy: kept as JSON for the TCP proxy, checked by its folder.
  const before: { name: string; typeName: string; config: unknown }[] = [];
  filters.forEach((f, i) => {
    const fp = childPath(path, i);
    ctx.onlyFields(FilterSchema, f, fp, ['name', 'typed_config']);
    const tp = childPath(fp, 'typed_config');
    if (f.configType.case !== 'typedConfig') {
      ctx.error(
        f.configType.case === 'configDiscovery' ? childPath(fp, 'config_discovery') : tp,
        f.configType.case ? NOT_SUPPORTED : 'required',
      );
      return;
    }
    const typeName = typeNameOfUrl(f.configType.value.typeUrl);
    if (typeName === PLUGIN_CONFIG_TYPE_NAME && i < filters.length - 1) {
      const config = ctx.anyToJson(f.configType.value, tp);
      if (config === undefined) return;
      const r = decodeIstioStatsSettings(config, tp);
      if (!r.ok) ctx.errors.push(...r.errors);
      else before.push({ name: f.name || ISTIO_STATS_FILTER_NAME, typeName, config });
      return;
    }
    if (typeName !== HttpConnectionManagerSchema.typeName && typeName !== TcpProxySchema.typeName) {
      ctx.error(childPath(tp, '@type'), `network filter type ${f.configType.value.typeUrl} ${NOT_SUPPORTED}`);
      return;
    }
    if (i !== filters.length - 1) {
      ctx.error(fp, `${f.name || typeName} is a terminal filter and must be the last one`);
      return;
    }
    const msg = ctx.unpack(f.configType.value, tp, [HttpConnectionManagerSchema, TcpProxySchema]);
    if (msg === undefined) return;
    decoded =
      msg.$typeName === HttpConnectionManagerSchema.typeName
        ? decodeHttpConnectionManager(ctx, msg as HttpConnectionManager, tp)
        : decodeTcpProxy(ctx, msg as TcpProxy, tp);
  });
  if (before.length > 0) {
    if (decoded?.kind === 'tcp') decoded.networkFilters = before;
    else if (decoded !== undefined) ctx.error(path, `${ISTIO_STATS_FILTER_NAME} goes before tcp_proxy only`);
  }
  return decoded;
}

function decodeFilterChain(ctx: DecodeContext, c: FilterChain, path: string): DomainFilterChain {
  // metadata is informational (config_dump, logs).
  ctx.onlyFields(FilterChainSchema, c, path, [
    'filter_chain_match',
    'filters',
    'transport_socket',
    'name',
    'metadata',
  ]);
  const filter = decodeNetworkFilters(ctx, c.filters, childPath(path, 'filters'));
  const chain: DomainFilterChain = {
    name: c.name,
    match: decodeFilterChainMatch(ctx, c.filterChainMatch, childPath(path, 'filter_chain_match')),
    filter: filter ?? {
      kind: 'tcp',
      statPrefix: '',
      target: { kind: 'cluster', name: '' },
      idleTimeoutMs: 0,
      accessLogs: [],
    },
  };
  if (c.transportSocket !== undefined) {
    const tls = decodeDownstreamTransportSocket(ctx, c.transportSocket, childPath(path, 'transport_socket'));
    if (tls !== undefined) chain.tls = tls;
  }
  return chain;
}

function decodeListenerFilters(ctx: DecodeContext, l: Listener, path: string): string[] {
  return l.listenerFilters.flatMap((f, i) => {
    const fp = childPath(path, i);
    ctx.onlyFields(ListenerFilterSchema, f, fp, ['name', 'typed_config']);
    if (f.configType.case === 'typedConfig') {
      const tp = childPath(fp, 'typed_config');
      const name = LISTENER_FILTERS.get(typeNameOfUrl(f.configType.value.typeUrl));
      if (name === undefined) {
        ctx.error(
          childPath(tp, '@type'),
          `listener filter type ${f.configType.value.typeUrl} ${NOT_SUPPORTED}`,
        );
        return [];
      }
      const msg = ctx.unpack(f.configType.value, tp);
      if (msg !== undefined && msg.$typeName === TlsInspectorSchema.typeName) {
        ctx.onlyFields(TlsInspectorSchema, msg as TlsInspector, tp, []);
      }
      return [name];
    }
    if ([...LISTENER_FILTERS.values()].includes(f.name)) return [f.name];
    ctx.error(childPath(fp, 'name'), `listener filter "${f.name}" ${NOT_SUPPORTED}`);
    return [];
  });
}

export function decodeListenerInto(ctx: DecodeContext, l: Listener, path: string): DomainListener {
  // metadata is informational; traffic_direction only labels stats and config_dump.
  ctx.onlyFields(ListenerSchema, l, path, [
    'name',
    'address',
    'filter_chains',
    'default_filter_chain',
    'use_original_dst',
    'listener_filters',
    'bind_to_port',
    'traffic_direction',
    'metadata',
    'drain_type',
  ]);
  if (l.name === '') ctx.error(childPath(path, 'name'), 'required');
  if (l.drainType !== Listener_DrainType.DEFAULT)
    ctx.error(childPath(path, 'drain_type'), `MODIFY_ONLY ${NOT_SUPPORTED}`);
  const filterChains = l.filterChains.map((c, i) =>
    decodeFilterChain(ctx, c, childPath(childPath(path, 'filter_chains'), i)),
  );
  // Like Envoy, two chains with the same match would make the choice ambiguous.
  const matches = new Map<string, number>();
  filterChains.forEach((c, i) => {
    const key = JSON.stringify(c.match);
    const first = matches.get(key);
    if (first !== undefined) {
      ctx.error(
        childPath(childPath(path, 'filter_chains'), i),
        `same filter_chain_match as filter_chains[${first}]`,
      );
    } else matches.set(key, i);
  });
  if (filterChains.length === 0 && l.defaultFilterChain === undefined) {
    ctx.error(
      childPath(path, 'filter_chains'),
      'at least one filter chain (or a default_filter_chain) is required',
    );
  }
  const listener: DomainListener = {
    name: l.name,
    address: decodeListenerAddress(ctx, l, childPath(path, 'address')),
    filterChains,
    listenerFilters: decodeListenerFilters(ctx, l, childPath(path, 'listener_filters')),
    useOriginalDst: l.useOriginalDst ?? false,
    bindToPort: l.bindToPort ?? true,
    drainTimeMs: DEFAULT_DRAIN_TIME_MS,
    trafficDirection: supportedEnum(
      ctx,
      TrafficDirectionSchema,
      l.trafficDirection,
      childPath(path, 'traffic_direction'),
      ['UNSPECIFIED', 'INBOUND', 'OUTBOUND'],
      'UNSPECIFIED',
    ),
  };
  if (l.defaultFilterChain !== undefined) {
    listener.defaultFilterChain = decodeFilterChain(
      ctx,
      l.defaultFilterChain,
      childPath(path, 'default_filter_chain'),
    );
  }
  return listener;
}

/** Decodes one LDS resource. */
export function decodeListener(l: Listener, options?: DecodeOptions): Result<DomainListener> {
  const ctx = new DecodeContext(options);
  const value = decodeListenerInto(ctx, l, '');
  return ctx.result(value);
}
