// Envoy's access-log command operators (%RESPONSE_CODE%, %REQ(X?Y):Z%, …): each is resolved once, when a
// format is compiled, into a getter that reads one field of the record. undefined means "no value" (`-`
// in text, null in JSON).
import { hostname } from 'node:os';
import { fail, ok, type Result } from '../../../common/result.js';
import type { AccessLogRecord } from './record.js';
import { parseResponseFlags, responseFlagsToLongString } from './response-flags.js';
import { compileTimeFormat, formatIsoMillis } from './time-format.js';

export type Getter = (r: AccessLogRecord) => string | number | undefined;

/** One parsed `%NAME(arg):max%`. */
export interface OperatorToken {
  name: string;
  arg?: string;
  maxLength?: number;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function stripPort(addr: string): string | undefined {
  if (addr === '') return undefined;
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    return end > 0 ? addr.slice(1, end) : addr;
  }
  const colon = addr.lastIndexOf(':');
  return colon > 0 && addr.indexOf(':') === colon ? addr.slice(0, colon) : addr;
}

function portOf(addr: string): number | undefined {
  const colon = addr.lastIndexOf(':');
  if (colon < 0) return undefined;
  const p = Number(addr.slice(colon + 1));
  return Number.isInteger(p) ? p : undefined;
}

/** A request header, with the pseudo-headers and common headers served from the entry's own fields. */
function requestHeaderGetter(name: string, withoutQuery: boolean): Getter {
  let g: Getter;
  switch (name) {
    case ':method':
      g = (r) => nonEmpty(r.method);
      break;
    case ':path':
      g = (r) => nonEmpty(r.requestHeader?.(':path') ?? r.path);
      break;
    case ':authority':
    case 'host':
      g = (r) => nonEmpty(r.authority);
      break;
    case 'x-forwarded-for':
      g = (r) => nonEmpty(r.xForwardedFor);
      break;
    case 'user-agent':
      g = (r) => nonEmpty(r.userAgent);
      break;
    case 'x-request-id':
      g = (r) => nonEmpty(r.requestId);
      break;
    default:
      g = (r) => nonEmpty(r.requestHeader?.(name));
  }
  if (!withoutQuery) return g;
  return (r) => {
    const v = g(r);
    if (typeof v !== 'string') return v;
    const q = v.indexOf('?');
    return q < 0 ? v : v.slice(0, q);
  };
}

function responseHeaderGetter(name: string): Getter {
  if (name === 'x-envoy-upstream-service-time') {
    // A header value, so a string in JSON too (as Envoy prints it).
    return (r) => (r.upstreamServiceTimeMs >= 0 ? String(r.upstreamServiceTimeMs) : undefined);
  }
  return (r) => nonEmpty(r.responseHeader?.(name));
}

/** `X?Y` → main and alternative header names, lower-cased. */
function headerPair(arg: string | undefined): [string, string | undefined] | undefined {
  if (!arg) return undefined;
  const [main, alt] = arg.split('?');
  if (!main) return undefined;
  return [main.toLowerCase(), alt ? alt.toLowerCase() : undefined];
}

function withAlternative(make: (name: string) => Getter, pair: [string, string | undefined]): Getter {
  const main = make(pair[0]);
  if (!pair[1]) return main;
  const alt = make(pair[1]);
  return (r) => main(r) ?? alt(r);
}

const SIMPLE: Record<string, Getter> = {
  RESPONSE_CODE: (r) => r.status,
  RESPONSE_FLAGS: (r) => (r.responseFlags === '' ? '-' : r.responseFlags),
  RESPONSE_CODE_DETAILS: (r) => nonEmpty(r.responseCodeDetails),
  CONNECTION_TERMINATION_DETAILS: (r) => nonEmpty(r.connectionTerminationDetails),
  BYTES_RECEIVED: (r) => r.bytesReceived,
  BYTES_SENT: (r) => r.bytesSent,
  DURATION: (r) => Math.round(r.durationMs),
  PROTOCOL: (r) => nonEmpty(r.protocol === '-' ? '' : r.protocol),
  UPSTREAM_HOST: (r) => nonEmpty(r.upstreamHost),
  UPSTREAM_REMOTE_ADDRESS: (r) => nonEmpty(r.upstreamHost),
  UPSTREAM_CLUSTER: (r) => nonEmpty(r.upstreamCluster),
  UPSTREAM_CLUSTER_RAW: (r) => nonEmpty(r.upstreamCluster),
  UPSTREAM_LOCAL_ADDRESS: (r) => nonEmpty(r.upstreamLocalAddress),
  UPSTREAM_TRANSPORT_FAILURE_REASON: (r) => nonEmpty(r.upstreamTransportFailureReason),
  UPSTREAM_REQUEST_ATTEMPT_COUNT: (r) => r.upstreamRequestAttemptCount ?? 0,
  DOWNSTREAM_REMOTE_ADDRESS: (r) => nonEmpty(r.downstreamRemoteAddress),
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS: (r) => nonEmpty(r.downstreamRemoteAddress),
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: (r) => stripPort(r.downstreamRemoteAddress),
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT: (r) => stripPort(r.downstreamRemoteAddress),
  DOWNSTREAM_REMOTE_PORT: (r) => portOf(r.downstreamRemoteAddress),
  DOWNSTREAM_LOCAL_ADDRESS: (r) => nonEmpty(r.downstreamLocalAddress),
  DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT: (r) => stripPort(r.downstreamLocalAddress),
  DOWNSTREAM_LOCAL_PORT: (r) => portOf(r.downstreamLocalAddress),
  REQUESTED_SERVER_NAME: (r) => nonEmpty(r.requestedServerName),
  ROUTE_NAME: (r) => nonEmpty(r.routeName),
};

/**
 * Operators Envoy supports whose values live in the runtime (TLS, metadata, filter state): accepted so that
 * common Istio formats compile, and answered by the record's operatorValue() when it has one.
 */
export const RUNTIME_OPERATORS: ReadonlySet<string> = new Set([
  'DYNAMIC_METADATA',
  'CLUSTER_METADATA',
  'UPSTREAM_METADATA',
  'METADATA',
  'FILTER_STATE',
  'UPSTREAM_FILTER_STATE',
  'CEL',
  'DOWNSTREAM_PEER_URI_SAN',
  'DOWNSTREAM_LOCAL_URI_SAN',
  'DOWNSTREAM_PEER_SUBJECT',
  'DOWNSTREAM_LOCAL_SUBJECT',
  'DOWNSTREAM_PEER_FINGERPRINT_256',
  'DOWNSTREAM_PEER_CERT_V_END',
  'DOWNSTREAM_TLS_VERSION',
  'DOWNSTREAM_TLS_CIPHER',
  'DOWNSTREAM_TLS_SESSION_ID',
  'UPSTREAM_PEER_URI_SAN',
  'UPSTREAM_TLS_VERSION',
  'UPSTREAM_PROTOCOL',
  'REQUEST_DURATION',
  'REQUEST_TX_DURATION',
  'RESPONSE_DURATION',
  'RESPONSE_TX_DURATION',
  'UPSTREAM_CONNECTION_ID',
  'CONNECTION_ID',
  'STREAM_ID',
  'TRACE_ID',
  'VIRTUAL_CLUSTER_NAME',
]);

/** Resolves one operator to its getter, or an error naming the operator (Envoy rejects unknown ones). */
export function resolveOperator(op: OperatorToken): Result<Getter> {
  const simple = SIMPLE[op.name];
  if (simple) {
    if (op.arg !== undefined) return fail([{ path: '', message: `%${op.name}% takes no argument` }]);
    return ok(simple);
  }
  switch (op.name) {
    case 'START_TIME': {
      const fmt = op.arg === undefined ? formatIsoMillis : compileTimeFormat(op.arg);
      return ok((r) => fmt(r.startTimeMs));
    }
    case 'HOSTNAME': {
      const h = hostname();
      return ok(() => h);
    }
    case 'REQ':
    case 'REQ_WITHOUT_QUERY': {
      const pair = headerPair(op.arg);
      if (!pair) return fail([{ path: '', message: `%${op.name}(…)% needs a header name` }]);
      const noQuery = op.name === 'REQ_WITHOUT_QUERY';
      return ok(withAlternative((n) => requestHeaderGetter(n, noQuery), pair));
    }
    case 'RESP': {
      const pair = headerPair(op.arg);
      if (!pair) return fail([{ path: '', message: '%RESP(…)% needs a header name' }]);
      return ok(withAlternative(responseHeaderGetter, pair));
    }
    case 'TRAILER': {
      const pair = headerPair(op.arg);
      if (!pair) return fail([{ path: '', message: '%TRAILER(…)% needs a header name' }]);
      return ok(withAlternative((n) => (r) => nonEmpty(r.responseTrailer?.(n)), pair));
    }
    case 'RESPONSE_FLAGS_LONG':
      return ok((r) => responseFlagsToLongString(parseResponseFlags(r.responseFlags)));
    default: {
      if (RUNTIME_OPERATORS.has(op.name)) {
        const { name, arg } = op;
        return ok((r) => r.operatorValue?.(name, arg));
      }
      return fail([{ path: '', message: `unsupported access log command operator %${op.name}%` }]);
    }
  }
}

/** Applies `:N` truncation to string values (Envoy truncates header values and strings, not numbers). */
export function truncating(g: Getter, max: number | undefined): Getter {
  if (max === undefined) return g;
  return (r) => {
    const v = g(r);
    return typeof v === 'string' && v.length > max ? v.slice(0, max) : v;
  };
}
