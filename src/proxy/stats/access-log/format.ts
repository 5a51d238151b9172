// Compiles Envoy access-log formats once, at config time, into functions of a record: text formats
// (literal text with %OPERATOR(arg):N% command operators) and JSON formats (keys → operator templates, with
// typed values: numbers stay numbers, missing values are null, keys in sorted order as Envoy prints them).
import { type FieldError, fail, ok, type Result } from '../../../common/result.js';
import { type Getter, type OperatorToken, resolveOperator, truncating } from './operators.js';
import type { AccessLogRecord } from './record.js';

/** Envoy's default access log format (used when a file access log names no format). */
export const ENVOY_DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% ' +
  '%RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% ' +
  '"%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

/** Istio's default sidecar text format (meshConfig.accessLogEncoding TEXT without accessLogFormat). */
export const ISTIO_DEFAULT_TEXT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% ' +
  '%RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% ' +
  '"%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% ' +
  '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" ' +
  '"%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% ' +
  '%DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

/** Istio's default JSON fields (meshConfig.accessLogEncoding JSON). */
export const ISTIO_DEFAULT_JSON_FORMAT: Readonly<Record<string, string>> = {
  start_time: '%START_TIME%',
  route_name: '%ROUTE_NAME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration: '%DURATION%',
  upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  user_agent: '%REQ(USER-AGENT)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  authority: '%REQ(:AUTHORITY)%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER_RAW%',
  upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
  downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  requested_server_name: '%REQUESTED_SERVER_NAME%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
};

export type AccessLogFormatter = (r: AccessLogRecord) => string;

type Part = string | Getter;

// %NAME%, %NAME(arg)%, %NAME(arg):N%, %NAME:N% — arguments may hold `%` (START_TIME patterns) but not `)`.
const OPERATOR = /%([A-Z][A-Z0-9_]*)(?:\(([^)]*)\))?(?::(\d+))?%/y;

/** Splits a template into literal text and resolved getters; errors carry `path` (e.g. a JSON key). */
function compileParts(template: string, path: string): Result<Part[]> {
  const parts: Part[] = [];
  const errors: FieldError[] = [];
  let literal = '';
  let i = 0;
  while (i < template.length) {
    if (template[i] !== '%') {
      literal += template[i++];
      continue;
    }
    OPERATOR.lastIndex = i;
    const m = OPERATOR.exec(template);
    if (!m) {
      // A lone `%` that starts no operator is literal text, as in Envoy.
      literal += template[i++];
      continue;
    }
    const token: OperatorToken = { name: m[1], arg: m[2], maxLength: m[3] ? Number(m[3]) : undefined };
    const resolved = resolveOperator(token);
    if (!resolved.ok) {
      for (const e of resolved.errors) errors.push({ path, message: e.message });
    } else {
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(truncating(resolved.value, token.maxLength));
    }
    i += m[0].length;
  }
  if (literal !== '') parts.push(literal);
  return errors.length > 0 ? fail(errors) : ok(parts);
}

function textValue(v: string | number | undefined): string {
  return v === undefined ? '-' : typeof v === 'number' ? String(v) : v;
}

/** Compiles an Envoy text format. The result appends nothing: formats carry their own trailing newline. */
export function compileTextFormat(template: string): Result<AccessLogFormatter> {
  const compiled = compileParts(template, 'format');
  if (!compiled.ok) return compiled;
  const parts = compiled.value;
  return ok((r) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      out += typeof p === 'string' ? p : textValue(p(r));
    }
    return out;
  });
}

/**
 * Compiles an Envoy json_format into a formatter producing one JSON object and a newline. A value that is a
 * single operator keeps its type (numbers as numbers, no value as null); mixed templates become strings.
 */
export function compileJsonFormat(fields: Readonly<Record<string, string>>): Result<AccessLogFormatter> {
  const keys = Object.keys(fields).sort();
  const compiled: { key: string; single?: Getter; parts?: Part[] }[] = [];
  const errors: FieldError[] = [];
  for (const key of keys) {
    const r = compileParts(fields[key], `json_format.${key}`);
    if (!r.ok) {
      errors.push(...r.errors);
      continue;
    }
    const parts = r.value;
    if (parts.length === 1 && typeof parts[0] !== 'string') compiled.push({ key, single: parts[0] });
    else compiled.push({ key, parts });
  }
  if (errors.length > 0) return fail(errors);
  const quotedKeys = compiled.map((c) => JSON.stringify(c.key));
  return ok((r) => {
    let out = '{';
    for (let i = 0; i < compiled.length; i++) {
      const c = compiled[i];
      let value: string;
      if (c.single) {
        const v = c.single(r);
        if (v === undefined) value = 'null';
        else if (typeof v === 'number') value = Number.isFinite(v) ? String(v) : 'null';
        else value = JSON.stringify(v);
      } else {
        let s = '';
        for (const p of c.parts!) s += typeof p === 'string' ? p : textValue(p(r));
        value = JSON.stringify(s);
      }
      out += (i === 0 ? '' : ',') + quotedKeys[i] + ':' + value;
    }
    return out + '}\n';
  });
}
