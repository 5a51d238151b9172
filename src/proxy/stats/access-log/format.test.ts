// Access-log formats: Envoy's default text line byte for byte, Istio's formats, JSON typing, operators.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccessLogEntry } from '../../http/access-log-entry.js';
import {
  compileJsonFormat,
  compileTextFormat,
  ENVOY_DEFAULT_FORMAT,
  ISTIO_DEFAULT_JSON_FORMAT,
  ISTIO_DEFAULT_TEXT_FORMAT,
} from './format.js';
import type { AccessLogRecord } from './record.js';
import { parseResponseFlags, ResponseFlag, responseFlagsToString } from './response-flags.js';
import { compileTimeFormat } from './time-format.js';

function sampleEntry(over: Partial<AccessLogRecord> = {}): AccessLogRecord {
  const base: AccessLogEntry = {
    startTimeMs: Date.UTC(2026, 10, 25, 14, 17, 29, 123),
    method: 'GET',
    path: '/reviews/0?x=1',
    protocol: 'HTTP/1.1',
    status: 200,
    responseFlags: '-',
    responseCodeDetails: 'via_upstream',
    bytesReceived: 0,
    bytesSent: 295,
    durationMs: 12,
    upstreamServiceTimeMs: 10,
    upstreamHost: '10.0.0.7:9080',
    upstreamCluster: 'outbound|9080||reviews.default.svc.cluster.local',
    downstreamRemoteAddress: '10.0.0.3:51234',
    downstreamLocalAddress: '10.96.0.5:9080',
    xForwardedFor: '',
    userAgent: 'curl/8.5.0',
    requestId: '9b4e3c1d-6f4e-4a57-9b0a-2f0c3e1d7a11',
    authority: 'reviews:9080',
    routeName: 'default',
    upstreamTransportFailureReason: '',
    requestedServerName: '',
  };
  return { ...base, ...over };
}

function text(template: string, r: AccessLogRecord): string {
  const f = compileTextFormat(template);
  assert.ok(f.ok, JSON.stringify(f));
  return f.value(r);
}

test("Envoy's default format, byte for byte", () => {
  assert.equal(
    text(ENVOY_DEFAULT_FORMAT, sampleEntry()),
    '[2026-11-25T14:17:29.123Z] "GET /reviews/0?x=1 HTTP/1.1" 200 - 0 295 12 10 "-" "curl/8.5.0" ' +
      '"9b4e3c1d-6f4e-4a57-9b0a-2f0c3e1d7a11" "reviews:9080" "10.0.0.7:9080"\n',
  );
});

test('a local reply with flags and no upstream prints dashes', () => {
  const r = sampleEntry({
    status: 503,
    responseFlags: responseFlagsToString(ResponseFlag.NoHealthyUpstream),
    upstreamHost: '',
    upstreamServiceTimeMs: -1,
    bytesSent: 19,
  });
  assert.equal(
    text(ENVOY_DEFAULT_FORMAT, r),
    '[2026-11-25T14:17:29.123Z] "GET /reviews/0?x=1 HTTP/1.1" 503 UH 0 19 12 - "-" "curl/8.5.0" ' +
      '"9b4e3c1d-6f4e-4a57-9b0a-2f0c3e1d7a11" "reviews:9080" "-"\n',
  );
});

test("Istio's default text format", () => {
  const line = text(ISTIO_DEFAULT_TEXT_FORMAT, sampleEntry({ upstreamLocalAddress: '10.0.0.3:40000' }));
  assert.equal(
    line,
    '[2026-11-25T14:17:29.123Z] "GET /reviews/0?x=1 HTTP/1.1" 200 - via_upstream - "-" 0 295 12 10 "-" ' +
      '"curl/8.5.0" "9b4e3c1d-6f4e-4a57-9b0a-2f0c3e1d7a11" "reviews:9080" "10.0.0.7:9080" ' +
      'outbound|9080||reviews.default.svc.cluster.local 10.0.0.3:40000 10.96.0.5:9080 10.0.0.3:51234 - default\n',
  );
});

test('JSON format: sorted keys, numbers typed, missing values null, one object per line', () => {
  const f = compileJsonFormat(ISTIO_DEFAULT_JSON_FORMAT);
  assert.ok(f.ok);
  const line = f.value(sampleEntry({ upstreamServiceTimeMs: -1 }));
  assert.ok(line.endsWith('}\n'));
  const obj = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual(Object.keys(obj), Object.keys(obj).sort());
  assert.equal(obj.response_code, 200);
  assert.equal(obj.bytes_sent, 295);
  assert.equal(obj.duration, 12);
  assert.equal(obj.method, 'GET');
  assert.equal(obj.response_flags, '-');
  assert.equal(obj.start_time, '2026-11-25T14:17:29.123Z');
  assert.equal(obj.upstream_service_time, null);
  assert.equal(obj.x_forwarded_for, null);
  const mixed = compileJsonFormat({ line: '%REQ(:METHOD)% %REQ(:PATH)%', code: 'code=%RESPONSE_CODE%' });
  assert.ok(mixed.ok);
  assert.equal(mixed.value(sampleEntry()), '{"code":"code=200","line":"GET /reviews/0?x=1"}\n');
});

test('REQ alternatives, header accessors, truncation and REQ_WITHOUT_QUERY', () => {
  const headers: Record<string, string> = {
    'x-envoy-original-path': '/orig',
    'x-b3-traceid': 'abcdef0123456789',
  };
  const r = sampleEntry({
    requestHeader: (n) => headers[n],
    responseHeader: (n) => (n === 'content-type' ? 'text/plain' : undefined),
  });
  assert.equal(text('%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%', r), '/orig');
  assert.equal(text('%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%', sampleEntry()), '/reviews/0?x=1');
  assert.equal(
    text('%REQ(X-B3-TRACEID):8%|%RESP(CONTENT-TYPE)%|%RESP(X-MISSING)%', r),
    'abcdef01|text/plain|-',
  );
  assert.equal(text('%REQ_WITHOUT_QUERY(:PATH)%', sampleEntry()), '/reviews/0');
  assert.equal(text('%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_LOCAL_PORT%', r), '10.0.0.3 9080');
  assert.equal(text('100% sure %PROTOCOL%', r), '100% sure HTTP/1.1');
});

test('START_TIME with a strftime pattern', () => {
  const r = sampleEntry();
  assert.equal(text('%START_TIME(%Y/%m/%dT%H:%M:%S%z)%', r), '2026/11/25T14:17:29+0000');
  assert.equal(text('%START_TIME(%s.%3f)%', r), `${Math.floor(r.startTimeMs / 1000)}.123`);
  assert.equal(compileTimeFormat('%F %E6S')(r.startTimeMs), '2026-11-25 29.123000');
});

test('unknown operators are rejected with their name and the JSON key', () => {
  const t = compileTextFormat('%NOT_AN_OPERATOR%');
  assert.ok(!t.ok);
  assert.match(t.errors[0].message, /NOT_AN_OPERATOR/);
  const j = compileJsonFormat({ a: '%BOGUS%' });
  assert.ok(!j.ok);
  assert.equal(j.errors[0].path, 'json_format.a');
});

test('response flags in Envoy order, parsed back', () => {
  const bits = ResponseFlag.UpstreamRetryLimitExceeded | ResponseFlag.UpstreamConnectionFailure;
  assert.equal(responseFlagsToString(bits), 'UF,URX');
  assert.equal(responseFlagsToString(0), '-');
  assert.equal(parseResponseFlags('UF,URX'), bits);
  assert.equal(responseFlagsToString(ResponseFlag.NoRouteFound), 'NR');
});

test('runtime-provided operators compile and ask the record; RESPONSE_FLAGS_LONG spells flags out', () => {
  const r = sampleEntry({
    responseFlags: 'UH,URX',
    operatorValue: (op, arg) =>
      op === 'DOWNSTREAM_PEER_URI_SAN' ? 'spiffe://cluster.local/ns/default/sa/bookinfo' : arg,
  });
  assert.equal(
    text('%DOWNSTREAM_PEER_URI_SAN% %FILTER_STATE(io.istio.peer:PLAIN)% %RESPONSE_FLAGS_LONG%', r),
    'spiffe://cluster.local/ns/default/sa/bookinfo io.istio.peer:PLAIN NoHealthyUpstream,UpstreamRetryLimitExceeded',
  );
  assert.equal(text('%DYNAMIC_METADATA(istio.mixer:status)%', sampleEntry()), '-');
});
