// Strict HTTP/1.x message-head parsing for the raw-socket codec: request and status lines, header names that
// must be tokens, values without control characters, CRLF only, one unambiguous body framing. Anything that
// could let two parsers disagree (request smuggling) is rejected with a reason instead of guessed at.

/** Body framing of one message: none, a Content-Length count, chunked, or (responses only) until close. */
export enum BodyMode {
  None = 0,
  Length = 1,
  Chunked = 2,
  UntilClose = 3,
}

/** A parsed head. Header names are lower-case; `headers` is flat: name, value, name, value… */
export interface MessageHead {
  method: string;
  target: string;
  status: number;
  reason: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  versionMinor: number;
  headers: string[];
  bodyMode: BodyMode;
  /** -1 when no Content-Length was given. */
  contentLength: number;
  /** `Connection: close` was given, or HTTP/1.0 without keep-alive. */
  close: boolean;
  /** `Connection: upgrade` with an `Upgrade` value (lower-case), '' otherwise. */
  upgrade: string;
  expectContinue: boolean;
}

export function newHead(): MessageHead {
  return {
    method: '',
    target: '',
    status: 0,
    reason: '',
    versionMinor: 1,
    headers: [],
    bodyMode: BodyMode.None,
    contentLength: -1,
    close: false,
    upgrade: '',
    expectContinue: false,
  };
}

/** tchar per RFC 9110 §5.6.2. */
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 2; // upper-case letters: token, needs lower-casing
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

/**
 * Finds the end of a head (the index just past CRLFCRLF) in `buf[from..]`; -1 when incomplete, -2 when a
 * bare-LF blank line shows the peer does not use CRLF (a 400, not something to wait for).
 */
export function findHeadEnd(buf: Buffer, from: number): number {
  const i = buf.indexOf('\r\n\r\n', from > 3 ? from - 3 : 0, 'latin1');
  if (i >= 0) return i + 4;
  if (buf.indexOf('\n\n', from > 1 ? from - 1 : 0, 'latin1') >= 0) return -2;
  return -1;
}

/**
 * Header names most messages carry (lower-case), matched in place so each costs no new string: otherwise a
 * name is one slice per header, and one more when it has to be lower-cased.
 */
const COMMON_NAMES = [
  'host',
  'date',
  'etag',
  'vary',
  'accept',
  'cookie',
  'server',
  'expires',
  'upgrade',
  'location',
  'connection',
  'set-cookie',
  'user-agent',
  'keep-alive',
  'content-type',
  'x-request-id',
  'authorization',
  'cache-control',
  'last-modified',
  'accept-ranges',
  'content-length',
  'accept-encoding',
  'accept-language',
  'x-forwarded-for',
  'content-encoding',
  'x-forwarded-proto',
  'transfer-encoding',
  'x-envoy-upstream-service-time',
  'x-envoy-expected-rq-timeout-ms',
];
const COMMON_BY_LENGTH: string[][] = [];
for (const name of COMMON_NAMES) {
  const bucket = COMMON_BY_LENGTH[name.length];
  if (bucket === undefined) COMMON_BY_LENGTH[name.length] = [name];
  else bucket.push(name);
}

/**
 * The common name spelled by s[from..to) in any letter case, or undefined. The span is a checked token, and
 * OR-ing 0x20 folds A–Z onto a–z while leaving '-' and digits alone; no other token character lands on a
 * lower-case letter, so this never matches a name it should not.
 */
function commonName(s: string, from: number, to: number): string | undefined {
  const bucket = COMMON_BY_LENGTH[to - from];
  if (bucket === undefined) return undefined;
  next: for (const name of bucket) {
    for (let j = 0; j < name.length; j++) {
      if ((s.charCodeAt(from + j) | 0x20) !== name.charCodeAt(j)) continue next;
    }
    return name;
  }
  return undefined;
}

/** Returns '' on success or the rejection reason (Envoy-like codec detail). */
function parseHeaderLines(
  s: string,
  start: number,
  end: number,
  out: MessageHead,
  maxHeaders: number,
): string {
  const headers = out.headers;
  let pos = start;
  let sawCl = false;
  let sawTe = false;
  let connection = '';
  let upgradeValue = '';
  while (pos < end) {
    const eol = s.indexOf('\r\n', pos);
    if (eol < 0 || eol > end) return 'http1.codec_error';
    if (eol === pos) break; // blank line: end of head
    const first = s.charCodeAt(pos);
    if (first === 0x20 || first === 0x09) return 'http1.invalid_obs_fold';
    let i = pos;
    let lower = false;
    for (; i < eol; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x3a) break;
      const t = c < 128 ? TOKEN[c] : 0;
      if (t === 0) return 'http1.invalid_header_name';
      if (t === 2) lower = true;
    }
    if (i === pos || i === eol) return 'http1.invalid_header_name';
    const name = commonName(s, pos, i) ?? (lower ? s.slice(pos, i).toLowerCase() : s.slice(pos, i));
    let vs = i + 1;
    let ve = eol;
    while (vs < ve && (s.charCodeAt(vs) === 0x20 || s.charCodeAt(vs) === 0x09)) vs++;
    while (ve > vs && (s.charCodeAt(ve - 1) === 0x20 || s.charCodeAt(ve - 1) === 0x09)) ve--;
    for (let j = vs; j < ve; j++) {
      const c = s.charCodeAt(j);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) return 'http1.invalid_header_value';
    }
    const value = s.slice(vs, ve);
    if (headers.length >= maxHeaders * 2) return 'http1.too_many_headers';
    headers.push(name, value);
    switch (name) {
      case 'content-length': {
        if (sawCl) return 'http1.content_length_duplicate';
        sawCl = true;
        if (value.length === 0 || value.length > 15) return 'http1.content_length_invalid';
        let n = 0;
        for (let j = 0; j < value.length; j++) {
          const d = value.charCodeAt(j) - 0x30;
          if (d < 0 || d > 9) return 'http1.content_length_invalid';
          n = n * 10 + d;
        }
        out.contentLength = n;
        break;
      }
      case 'transfer-encoding':
        if (sawTe) return 'http1.transfer_encoding_duplicate';
        sawTe = true;
        if (value.toLowerCase() !== 'chunked') return 'http1.invalid_transfer_encoding';
        break;
      case 'connection':
        connection = connection === '' ? value.toLowerCase() : `${connection},${value.toLowerCase()}`;
        break;
      case 'upgrade':
        upgradeValue = value.toLowerCase();
        break;
      case 'expect':
        if (value.toLowerCase() === '100-continue') out.expectContinue = true;
        break;
    }
    pos = eol + 2;
  }
  if (sawCl && sawTe) return 'http1.content_length_and_chunked_not_allowed';
  if (sawTe) {
    if (out.versionMinor === 0) return 'http1.invalid_transfer_encoding';
    out.bodyMode = BodyMode.Chunked;
  } else if (sawCl) out.bodyMode = out.contentLength > 0 ? BodyMode.Length : BodyMode.None;
  if (connection !== '') {
    if (hasToken(connection, 'close')) out.close = true;
    else if (out.versionMinor === 0 && !hasToken(connection, 'keep-alive')) out.close = true;
    if (upgradeValue !== '' && hasToken(connection, 'upgrade')) out.upgrade = upgradeValue;
  } else if (out.versionMinor === 0) out.close = true;
  return '';
}

function hasToken(list: string, token: string): boolean {
  if (list === token) return true;
  for (const part of list.split(',')) if (part.trim() === token) return true;
  return false;
}

function resetHead(out: MessageHead): void {
  out.headers = [];
  out.bodyMode = BodyMode.None;
  out.contentLength = -1;
  out.close = false;
  out.upgrade = '';
  out.expectContinue = false;
  out.status = 0;
}

/** Parses a request head `buf[0..end)` into `out`; returns '' or the rejection reason. */
export function parseRequestHead(buf: Buffer, end: number, out: MessageHead, maxHeaders: number): string {
  const s = buf.toString('latin1', 0, end);
  resetHead(out);
  const eol = s.indexOf('\r\n');
  const sp1 = s.indexOf(' ');
  if (sp1 <= 0 || sp1 > eol) return 'http1.codec_error';
  for (let i = 0; i < sp1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] === 0) return 'http1.invalid_method';
  }
  const sp2 = s.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 > eol || sp2 === sp1 + 1) return 'http1.codec_error';
  for (let i = sp1 + 1; i < sp2; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return 'http1.invalid_url';
  }
  if (eol - sp2 !== 9 || !s.startsWith('HTTP/1.', sp2 + 1)) return 'http1.codec_error';
  const minor = s.charCodeAt(sp2 + 8);
  if (minor !== 0x30 && minor !== 0x31) return 'http1.codec_error';
  out.method = s.slice(0, sp1);
  out.target = s.slice(sp1 + 1, sp2);
  out.versionMinor = minor - 0x30;
  const r = parseHeaderLines(s, eol + 2, s.length, out, maxHeaders);
  if (r !== '') return r;
  // Requests without framing have no body (RFC 9112 §6.3), never read-until-close.
  return '';
}

/** Parses a response head; `requestMethod` decides whether a body can follow. Returns '' or a reason. */
export function parseResponseHead(buf: Buffer, end: number, out: MessageHead, requestMethod: string): string {
  const s = buf.toString('latin1', 0, end);
  resetHead(out);
  const eol = s.indexOf('\r\n');
  if (eol < 12 || !s.startsWith('HTTP/1.')) return 'protocol_error';
  const minor = s.charCodeAt(7);
  if ((minor !== 0x30 && minor !== 0x31) || s.charCodeAt(8) !== 0x20) return 'protocol_error';
  const status = Number(s.slice(9, 12));
  if (!(status >= 100 && status <= 599) || (eol > 12 && s.charCodeAt(12) !== 0x20)) return 'protocol_error';
  out.versionMinor = minor - 0x30;
  out.status = status;
  out.reason = eol > 13 ? s.slice(13, eol) : '';
  const r = parseHeaderLines(s, eol + 2, s.length, out, 1000);
  if (r !== '') return 'protocol_error';
  const hasFraming = out.bodyMode !== BodyMode.None || out.contentLength >= 0;
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) {
    out.bodyMode = BodyMode.None;
  } else if (!hasFraming) {
    out.bodyMode = BodyMode.UntilClose;
    out.close = true;
  }
  return '';
}

/** Value of the first header named `name` (lower-case) in a flat list, or undefined. */
export function getHeader(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}
