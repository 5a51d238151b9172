// Envoy's tls_inspector and http_inspector listener filters: look at the first bytes of a connection
// (without consuming them) to learn whether it is TLS, and if so its SNI and ALPN list from the
// ClientHello; for plain text, whether it is HTTP/2 prior knowledge (h2c) or HTTP/1.x.

export interface InspectResult {
  /** `tls` or `raw_buffer`. */
  transportProtocol: string;
  serverName: string;
  /** ALPN offered by a TLS client, or the detected plain-text protocol (`h2c`, `http/1.1`, `http/1.0`). */
  applicationProtocols: string[];
}

/** The bytes needed before a decision, or a result. */
export type Inspection = { done: false } | { done: true; result: InspectResult };

/** Largest ClientHello we wait for, bytes. */
export const MAX_CLIENT_HELLO = 16 * 1024;

const H2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

export function inspect(buf: Buffer, httpInspector: boolean): Inspection {
  if (buf.length === 0) return { done: false };
  if (buf[0] === 0x16) {
    const hello = parseClientHello(buf);
    if (hello === 'more' && buf.length < MAX_CLIENT_HELLO) return { done: false };
    if (hello === 'more' || hello === 'bad') {
      return { done: true, result: { transportProtocol: 'tls', serverName: '', applicationProtocols: [] } };
    }
    return { done: true, result: { transportProtocol: 'tls', ...hello } };
  }
  const result: InspectResult = { transportProtocol: 'raw_buffer', serverName: '', applicationProtocols: [] };
  if (!httpInspector) return { done: true, result };
  const n = Math.min(buf.length, H2_PREFACE.length);
  if (buf.toString('latin1', 0, n) === H2_PREFACE.slice(0, n)) {
    if (n < H2_PREFACE.length) return { done: false };
    result.applicationProtocols = ['h2c'];
    return { done: true, result };
  }
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return buf.length < 8192 ? { done: false } : { done: true, result };
  const line = buf.toString('latin1', 0, eol);
  const m = / HTTP\/1\.([01])$/.exec(line);
  if (m !== null) result.applicationProtocols = [m[1] === '1' ? 'http/1.1' : 'http/1.0'];
  return { done: true, result };
}

/** Parses SNI and ALPN out of a TLS ClientHello record; 'more' when truncated, 'bad' when malformed. */
export function parseClientHello(
  b: Buffer,
): { serverName: string; applicationProtocols: string[] } | 'more' | 'bad' {
  if (b.length < 5) return 'more';
  if (b[0] !== 0x16 || b[1] !== 0x03) return 'bad';
  const recLen = b.readUInt16BE(3);
  if (b.length < 5 + recLen) return 'more';
  let p = 5;
  const end = 5 + recLen;
  if (b[p] !== 0x01) return 'bad'; // handshake type client_hello
  const hsLen = (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
  if (hsLen + 4 > recLen) return 'more'; // ClientHello spanning records: treat as truncated
  p += 4;
  p += 2 + 32; // version, random
  if (p >= end) return 'bad';
  p += 1 + b[p]; // session id
  if (p + 2 > end) return 'bad';
  p += 2 + b.readUInt16BE(p); // cipher suites
  if (p >= end) return 'bad';
  p += 1 + b[p]; // compression methods
  const out = { serverName: '', applicationProtocols: [] as string[] };
  if (p + 2 > end) return out;
  const extEnd = Math.min(end, p + 2 + b.readUInt16BE(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    p += 4;
    if (p + len > extEnd) return 'bad';
    if (type === 0 && len >= 5) {
      // server_name list: skip list length, name type (0 = host_name), name length
      const nameLen = b.readUInt16BE(p + 3);
      if (b[p + 2] === 0 && p + 5 + nameLen <= p + len)
        out.serverName = b.toString('latin1', p + 5, p + 5 + nameLen).toLowerCase();
    } else if (type === 16 && len >= 2) {
      let q = p + 2;
      const qEnd = p + len;
      while (q < qEnd) {
        const l = b[q];
        if (q + 1 + l > qEnd) return 'bad';
        out.applicationProtocols.push(b.toString('latin1', q + 1, q + 1 + l));
        q += 1 + l;
      }
    }
    p += len;
  }
  return out;
}
