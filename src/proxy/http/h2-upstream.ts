// One request sent upstream as an HTTP/2 stream on a pooled session: converts the flat header list to an
// HTTP/2 header block, relays data and trailers both ways, and maps stream failures to Envoy reset reasons.
import http2 from 'node:http2';
import type { H2Pool } from '../upstream/pool/h2-pool.js';
import type { UpstreamResponseSink } from '../upstream/pool/types.js';
import { BodyMode, type MessageHead, newHead } from './h1-head.js';

/** Connection-specific headers that HTTP/2 forbids (RFC 9113 §8.2.2). */
const H2_FORBIDDEN = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/** A flat header list as an HTTP/2 header object (repeated names become arrays). */
export function toH2Headers(
  h: readonly string[],
  into: http2.OutgoingHttpHeaders,
): http2.OutgoingHttpHeaders {
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i];
    if (name === '' || H2_FORBIDDEN.has(name)) continue;
    if (name === 'te' && h[i + 1] !== 'trailers') continue;
    const prev = into[name];
    if (prev === undefined) into[name] = h[i + 1];
    else if (Array.isArray(prev)) prev.push(h[i + 1]);
    else into[name] = [String(prev), h[i + 1]];
  }
  return into;
}

/** An HTTP/2 header object (incoming) as a flat list, pseudo-headers left out. */
export function fromH2Headers(headers: http2.IncomingHttpHeaders, out: string[]): string[] {
  for (const name in headers) {
    if (name.charCodeAt(0) === 0x3a) continue;
    const v = headers[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) out.push(name, x);
    else out.push(name, v);
  }
  return out;
}

export class H2UpstreamRequest {
  private stream: http2.ClientHttp2Stream | null = null;
  private gotHead = false;
  private done = false;

  constructor(
    private readonly sink: UpstreamResponseSink,
    readonly session: http2.ClientHttp2Session,
    private readonly pool: H2Pool,
  ) {}

  start(
    method: string,
    scheme: string,
    authority: string,
    path: string,
    headers: readonly string[],
    endStream: boolean,
  ): void {
    const h2h = toH2Headers(headers, {
      ':method': method,
      ':scheme': scheme,
      ':authority': authority,
      ':path': path,
    });
    let stream: http2.ClientHttp2Stream;
    try {
      stream = this.session.request(h2h, { endStream });
    } catch {
      this.fail();
      return;
    }
    this.stream = stream;
    stream.on('response', (rh, flags) => this.onResponse(rh, flags));
    stream.on('data', (d: Buffer) => {
      if (!this.done) this.sink.onUpstreamBody(d, 0, d.length);
    });
    stream.on('trailers', (t) => {
      this.trailers = fromH2Headers(t, []);
    });
    stream.on('end', () => this.onEnd());
    stream.on('error', () => this.fail());
    stream.on('close', () => {
      if (!this.done) this.fail();
    });
  }

  private trailers: string[] | null = null;

  private onResponse(rh: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader, flags: number): void {
    const status = Number(rh[':status']);
    if (status < 200) return; // informational responses are not forwarded
    const head: MessageHead = newHead();
    head.status = status;
    head.headers = fromH2Headers(rh, []);
    const endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
    const cl = rh['content-length'];
    if (endStream) head.bodyMode = BodyMode.None;
    else if (cl !== undefined && /^\d+$/.test(cl)) {
      head.bodyMode = BodyMode.Length;
      head.contentLength = Number(cl);
    } else head.bodyMode = BodyMode.Chunked;
    this.gotHead = true;
    this.sink.onUpstreamHead(head);
    if (endStream) this.onEnd();
  }

  private onEnd(): void {
    if (this.done || !this.gotHead) return;
    this.done = true;
    this.sink.onUpstreamEnd(this.trailers);
  }

  private fail(): void {
    if (this.done) return;
    this.done = true;
    const connected = this.pool.isConnected(this.session) && this.pool.failure === undefined;
    const refused = !this.gotHead && this.stream?.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM;
    const reason = connected
      ? refused
        ? 'remote refused stream reset'
        : 'remote reset'
      : (this.pool.failure ?? 'connection failure');
    this.sink.onUpstreamReset(reason, '');
  }

  write(buf: Buffer): boolean {
    return this.stream === null ? true : this.stream.write(buf);
  }

  end(trailers: string[] | null): void {
    const s = this.stream;
    if (s === null) return;
    if (trailers !== null && trailers.length > 0) {
      s.once('wantTrailers', () => {
        try {
          s.sendTrailers(toH2Headers(trailers, {}));
        } catch {
          s.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        }
      });
    }
    s.end();
  }

  abort(): void {
    this.done = true;
    this.stream?.close(http2.constants.NGHTTP2_CANCEL);
  }
}
