// Settings of Istio's stats filter (`istio.stats`, HTTP and TCP) decoded from the typed_config's proto3 JSON
// (stats.PluginConfig, snake_case names): the host header fallback, the TCP reporting period and metrics
// dropped per name. Customisations Trellis does not implement (CEL dimensions, removed tags, custom
// definitions, the waypoint reporter) are errors with their field paths, so the resource is NACKed.
import { childPath, type FieldError, fail, ok, type Result } from '../../../../common/result.js';
import { PLUGIN_CONFIG_TYPE_URL } from './plugin-config.js';

/** Istio's metric names without the `istio_` prefix, as PluginConfig.metrics[].name spells them. */
export const HTTP_METRICS = [
  'requests_total',
  'request_duration_milliseconds',
  'request_bytes',
  'response_bytes',
] as const;
export const TCP_METRICS = [
  'tcp_sent_bytes_total',
  'tcp_received_bytes_total',
  'tcp_connections_opened_total',
  'tcp_connections_closed_total',
] as const;
export type IstioMetricName = (typeof HTTP_METRICS)[number] | (typeof TCP_METRICS)[number];
const KNOWN = new Set<string>([...HTTP_METRICS, ...TCP_METRICS]);

/** Istio's default period between TCP byte reports of an open connection (ms). */
export const DEFAULT_TCP_REPORTING_MS = 15_000;

export interface IstioStatsSettings {
  /** Do not use the Host header as destination_service when the cluster names no service (inbound, gateways). */
  disableHostHeaderFallback: boolean;
  /** How often an open TCP connection's byte counts are reported (ms). */
  tcpReportingMs: number;
  /** Metrics not generated at all (PluginConfig.metrics[].drop). */
  dropped: ReadonlySet<IstioMetricName>;
}

export const DEFAULT_SETTINGS: IstioStatsSettings = Object.freeze({
  disableHostHeaderFallback: false,
  tcpReportingMs: DEFAULT_TCP_REPORTING_MS,
  dropped: new Set<IstioMetricName>(),
});

const NOT_SUPPORTED = 'not supported by Trellis';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** proto3 JSON Duration (`"15s"`, `"0.250s"`) → ms; undefined when malformed. */
function durationMs(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(-?\d+(?:\.\d{1,9})?)s$/.exec(v);
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

function decodeMetric(m: unknown, path: string, dropped: Set<IstioMetricName>, errors: FieldError[]): void {
  if (!isObject(m)) {
    errors.push({ path, message: 'must be an object' });
    return;
  }
  const name = m.name ?? '';
  if (typeof name !== 'string') errors.push({ path: childPath(path, 'name'), message: 'must be a string' });
  else if (name !== '' && !KNOWN.has(name))
    errors.push({
      path: childPath(path, 'name'),
      message: `custom metric ${JSON.stringify(name)} ${NOT_SUPPORTED}`,
    });
  for (const [k, v] of Object.entries(m)) {
    const kp = childPath(path, k);
    if (k === 'name') continue;
    if (k === 'drop') {
      if (typeof v !== 'boolean') errors.push({ path: kp, message: 'must be a boolean' });
      else if (v && typeof name === 'string') {
        const names = name === '' ? [...KNOWN] : KNOWN.has(name) ? [name] : [];
        for (const n of names) dropped.add(n as IstioMetricName);
      }
    } else if (k === 'dimensions' || k === 'tags_to_remove' || k === 'match') {
      const empty = Array.isArray(v) ? v.length === 0 : isObject(v) ? Object.keys(v).length === 0 : v === '';
      if (!empty) errors.push({ path: kp, message: NOT_SUPPORTED });
    } else errors.push({ path: kp, message: `unknown field ${JSON.stringify(k)}` });
  }
}

/** Decodes the filter's typed_config JSON (`{"@type": …stats.PluginConfig, …}`) or its body alone. */
export function decodeIstioStatsSettings(json: unknown, path = 'typed_config'): Result<IstioStatsSettings> {
  if (!isObject(json)) return fail([{ path, message: 'must be an object' }]);
  const errors: FieldError[] = [];
  const type = json['@type'];
  if (type !== undefined && type !== PLUGIN_CONFIG_TYPE_URL)
    return fail([{ path: childPath(path, '@type'), message: `must be ${PLUGIN_CONFIG_TYPE_URL}` }]);
  let disableHostHeaderFallback = false;
  let tcpReportingMs = DEFAULT_TCP_REPORTING_MS;
  const dropped = new Set<IstioMetricName>();
  for (const [k, v] of Object.entries(json)) {
    const kp = childPath(path, k);
    switch (k) {
      case '@type':
      // Deprecated fields Istio's own filter ignores as well.
      case 'debug':
      case 'max_peer_cache_size':
      case 'stat_prefix':
      case 'field_separator':
      case 'value_separator':
        break;
      case 'disable_host_header_fallback':
        if (typeof v !== 'boolean') errors.push({ path: kp, message: 'must be a boolean' });
        else disableHostHeaderFallback = v;
        break;
      case 'tcp_reporting_duration': {
        const ms = durationMs(v);
        if (ms === undefined || ms < 0) errors.push({ path: kp, message: 'must be a non-negative duration' });
        else if (ms > 0) tcpReportingMs = ms;
        break;
      }
      case 'rotation_interval':
      case 'graceful_deletion_interval':
        // Series expiry: every series is kept for the proxy's life (documented in docs/metrics.md).
        if (durationMs(v) === undefined) errors.push({ path: kp, message: 'must be a duration' });
        break;
      case 'metrics':
        if (!Array.isArray(v)) errors.push({ path: kp, message: 'must be a list' });
        else
          v.forEach((m, i) => {
            decodeMetric(m, childPath(kp, i), dropped, errors);
          });
        break;
      case 'definitions':
        if (!Array.isArray(v) || v.length > 0)
          errors.push({ path: kp, message: `custom metrics ${NOT_SUPPORTED}` });
        break;
      case 'reporter':
        if (v !== 'UNSPECIFIED' && v !== 0)
          errors.push({ path: kp, message: `reporter ${JSON.stringify(v)} (waypoint) ${NOT_SUPPORTED}` });
        break;
      default:
        errors.push({ path: kp, message: `unknown field ${JSON.stringify(k)}` });
    }
  }
  if (errors.length > 0) return fail(errors);
  return ok({ disableHostHeaderFallback, tcpReportingMs, dropped });
}
