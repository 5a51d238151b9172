// /clusters: Envoy's text form (`cluster::host:port::stat::value` lines) and `?format=json`
// (envoy.admin.v3.Clusters as proto3 JSON, the shape `istioctl proxy-config endpoint` reads).
import type { HealthStatus } from '../config/cluster.js';
import type { CircuitBreakerView, ClusterStatusView, HostStatusView, JsonObject } from './source.js';

/** Envoy's address string: `ip:port`, IPv6 bracketed. */
export function hostAddress(h: HostStatusView): string {
  const host = h.address.host;
  return host.includes(':') ? `[${host}]:${h.address.port}` : `${host}:${h.address.port}`;
}

/** All of a host's health flags in Envoy's order, EDS-derived ones included. */
export function allHealthFlags(h: HostStatusView): string[] {
  const set = new Set<string>(h.healthFlags);
  const eds = h.edsHealthStatus;
  const out: string[] = [];
  if (set.has('failed_active_hc')) out.push('failed_active_hc');
  if (set.has('failed_outlier_check')) out.push('failed_outlier_check');
  if (eds === 'UNHEALTHY' || eds === 'TIMEOUT') out.push('failed_eds_health');
  if (set.has('degraded_active_hc')) out.push('degraded_active_hc');
  if (eds === 'DEGRADED') out.push('degraded_eds_health');
  if (set.has('pending_dynamic_removal')) out.push('pending_dynamic_removal');
  if (set.has('pending_active_hc')) out.push('pending_active_hc');
  if (set.has('excluded_via_immediate_hc_fail')) out.push('excluded_via_immediate_hc_fail');
  if (set.has('active_hc_timeout')) out.push('active_hc_timeout');
  if (eds === 'DRAINING') out.push('eds_status_draining');
  return out;
}

/** Envoy's health_flags text: `healthy`, or `/flag/flag…`. */
export function healthFlagsText(h: HostStatusView): string {
  const flags = allHealthFlags(h);
  return flags.length === 0 ? 'healthy' : flags.map((f) => '/' + f).join('');
}

function thresholdsText(out: string[], name: string, priority: string, cb: CircuitBreakerView): void {
  out.push(`${name}::${priority}_priority::max_connections::${cb.maxConnections}\n`);
  out.push(`${name}::${priority}_priority::max_pending_requests::${cb.maxPendingRequests}\n`);
  out.push(`${name}::${priority}_priority::max_requests::${cb.maxRequests}\n`);
  out.push(`${name}::${priority}_priority::max_retries::${cb.maxRetries}\n`);
}

/** `GET /clusters` text form. */
export function renderClustersText(clusters: ClusterStatusView[]): string {
  const out: string[] = [];
  for (const c of clusters) {
    const n = c.name;
    out.push(`${n}::observability_name::${c.observabilityName ?? n}\n`);
    if (c.outlier) {
      out.push(`${n}::outlier::success_rate_average::${c.outlier.successRateAverage}\n`);
      out.push(`${n}::outlier::success_rate_ejection_threshold::${c.outlier.successRateEjectionThreshold}\n`);
      out.push(
        `${n}::outlier::local_origin_success_rate_average::${c.outlier.localOriginSuccessRateAverage}\n`,
      );
      out.push(
        `${n}::outlier::local_origin_success_rate_ejection_threshold::${c.outlier.localOriginSuccessRateEjectionThreshold}\n`,
      );
    }
    thresholdsText(out, n, 'default', c.circuitBreakers.default);
    thresholdsText(out, n, 'high', c.circuitBreakers.high);
    out.push(`${n}::added_via_api::${c.addedViaApi}\n`);
    if (c.edsServiceName) out.push(`${n}::eds_service_name::${c.edsServiceName}\n`);
    for (const h of c.hosts) {
      const a = `${n}::${hostAddress(h)}`;
      const stats = [...h.stats].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
      for (const s of stats) out.push(`${a}::${s.name}::${s.value}\n`);
      out.push(`${a}::hostname::${h.hostname ?? ''}\n`);
      out.push(`${a}::health_flags::${healthFlagsText(h)}\n`);
      out.push(`${a}::weight::${h.weight}\n`);
      out.push(`${a}::region::${h.locality.region}\n`);
      out.push(`${a}::zone::${h.locality.zone}\n`);
      out.push(`${a}::sub_zone::${h.locality.subZone}\n`);
      out.push(`${a}::canary::${h.canary ?? false}\n`);
      out.push(`${a}::priority::${h.priority}\n`);
      out.push(`${a}::success_rate::${h.successRate ?? -1}\n`);
      out.push(`${a}::local_origin_success_rate::${h.localOriginSuccessRate ?? -1}\n`);
    }
  }
  return out.join('');
}

/** Drops undefined, false, 0, '' and empty objects, as proto3 JSON omits default values. */
function compact(entries: [string, unknown][]): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of entries) {
    if (v === undefined || v === false || v === 0 || v === '') continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
}

function edsHealthJson(s: HealthStatus): string {
  if (s === 'UNHEALTHY' || s === 'TIMEOUT') return 'UNHEALTHY';
  if (s === 'DEGRADED' || s === 'DRAINING') return s;
  return 'HEALTHY';
}

function thresholdsJson(cb: CircuitBreakerView, high: boolean): JsonObject {
  return compact([
    ['priority', high ? 'HIGH' : undefined],
    ['max_connections', cb.maxConnections],
    ['max_pending_requests', cb.maxPendingRequests],
    ['max_requests', cb.maxRequests],
    ['max_retries', cb.maxRetries],
  ]);
}

function hostJson(h: HostStatusView): JsonObject {
  const flags = new Set(h.healthFlags);
  // Counters before gauges, each in Envoy's order; uint64 values as strings, zeros omitted.
  const stats = [...h.stats]
    .sort((x, y) => (x.type === y.type ? (x.name < y.name ? -1 : 1) : x.type === 'COUNTER' ? -1 : 1))
    .map((s) =>
      compact([
        ['type', s.type === 'GAUGE' ? 'GAUGE' : undefined],
        ['value', s.value === 0 ? undefined : String(s.value)],
        ['name', s.name],
      ]),
    );
  return compact([
    [
      'address',
      {
        socket_address: compact([
          ['address', h.address.host],
          ['port_value', h.address.port],
        ]),
      },
    ],
    ['stats', stats],
    [
      'health_status',
      compact([
        ['failed_active_health_check', flags.has('failed_active_hc')],
        ['failed_outlier_check', flags.has('failed_outlier_check')],
        ['eds_health_status', edsHealthJson(h.edsHealthStatus)],
        ['failed_active_degraded_check', flags.has('degraded_active_hc')],
        ['pending_dynamic_removal', flags.has('pending_dynamic_removal')],
        ['pending_active_hc', flags.has('pending_active_hc')],
        ['excluded_via_immediate_hc_fail', flags.has('excluded_via_immediate_hc_fail')],
        ['active_hc_timeout', flags.has('active_hc_timeout')],
      ]),
    ],
    ['success_rate', h.successRate === undefined ? undefined : { value: h.successRate }],
    ['weight', h.weight],
    ['hostname', h.hostname],
    ['priority', h.priority],
    [
      'local_origin_success_rate',
      h.localOriginSuccessRate === undefined ? undefined : { value: h.localOriginSuccessRate },
    ],
    [
      'locality',
      compact([
        ['region', h.locality.region],
        ['zone', h.locality.zone],
        ['sub_zone', h.locality.subZone],
      ]),
    ],
  ]);
}

/** `GET /clusters?format=json`. */
export function renderClustersJson(clusters: ClusterStatusView[]): string {
  const statuses = clusters.map((c) =>
    compact([
      ['name', c.name],
      ['added_via_api', c.addedViaApi],
      [
        'success_rate_ejection_threshold',
        c.outlier && c.outlier.successRateEjectionThreshold > 0
          ? { value: c.outlier.successRateEjectionThreshold }
          : undefined,
      ],
      ['host_statuses', c.hosts.map(hostJson)],
      [
        'local_origin_success_rate_ejection_threshold',
        c.outlier && c.outlier.localOriginSuccessRateEjectionThreshold > 0
          ? { value: c.outlier.localOriginSuccessRateEjectionThreshold }
          : undefined,
      ],
      [
        'circuit_breakers',
        {
          thresholds: [
            thresholdsJson(c.circuitBreakers.default, false),
            thresholdsJson(c.circuitBreakers.high, true),
          ],
        },
      ],
      ['observability_name', c.observabilityName ?? c.name],
      ['eds_service_name', c.edsServiceName],
    ]),
  );
  return JSON.stringify({ cluster_statuses: statuses }, null, 1);
}
