// One upstream HTTP/1.1 connection: writes a request head the downstream side serialised, streams the body
// through, parses the response head strictly and forwards the body (raw or de-chunked) to the sink. All
// per-request state lives in fields; socket listeners are bound once per connection.
import net from 'node:net';
import tls from 'node:tls';
import { type ChunkDataSink, ChunkedScanner, SCAN_ERROR, SCAN_MORE } from '../../http/chunked.js';
import { BodyMode, findHeadEnd, type MessageHead, newHead, parseResponseHead } from '../../http/h1-head.js';
import type { H1Pool } from './h1-pool.js';
import type { ResetReason, UpstreamResponseSink } from './types.js';

enum St {
  Connecting = 0,
  Idle = 1,
  Head = 2,
  Body = 3,
  Done = 4,
  Closed = 5,
}

function uncork(s: net.Socket): void {
  s.uncork();
}

/** Largest upstream response head accepted, bytes. */
const MAX_RESPONSE_HEAD = 96 * 1024;

export class H1UpstreamConnection implements ChunkDataSink {
  readonly socket: net.Socket;
  private state = St.Connecting;
  private sink: UpstreamResponseSink | null = null;
  private method = 'GET';
  private readonly head: MessageHead = newHead();
  private pending: Buffer | null = null;
  private remaining = 0;
  private readonly scanner = new ChunkedScanner();
  private requestComplete = false;
  private connectTimer: NodeJS.Timeout | null = null;
  /** When this connection last went idle (ms, pool clock), for the idle sweep. */
  idleSince = 0;
  requestsServed = 0;
  connected = false;

  constructor(
    readonly pool: H1Pool,
    /** tls.connect options for this connection; undefined = plain text. */
    t: tls.ConnectionOptions | undefined,
  ) {
    const a = pool.host.address;
    this.socket =
      t === undefined
        ? net.connect({ host: a.host, port: a.port, noDelay: true })
        : tls.connect({ ...t, host: a.host, port: a.port });
    this.socket.setNoDelay(true);
    this.socket.on(t === undefined ? 'connect' : 'secureConnect', this.onConnect);
    this.socket.on('data', this.onData);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
    this.socket.on('drain', this.onDrain);
    if (pool.connectTimeoutMs > 0)
      this.connectTimer = setTimeout(this.onConnectTimeout, pool.connectTimeoutMs);
  }

  get busy(): boolean {
    return this.sink !== null;
  }

  /** Starts a request on this connection; the caller then writes the head and body. */
  attach(sink: UpstreamResponseSink, method: string): void {
    this.sink = sink;
    this.method = method;
    this.requestComplete = false;
    if (this.state !== St.Connecting) this.state = St.Head;
    this.requestsServed++;
  }

  /** Writes a request head; body bytes written in the same tick join it in one syscall. */
  writeHead(head: string): void {
    const s = this.socket;
    s.cork();
    process.nextTick(uncork, s);
    s.write(head, 'latin1');
  }

  write(data: Buffer | string): boolean {
    return typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
  }

  /** The downstream request body is fully written. */
  endRequest(): void {
    this.requestComplete = true;
    if (this.state === St.Done && this.sink === null) this.finish();
  }

  /** The downstream side gave up (reset, timeout): the connection cannot be reused. */
  abort(): void {
    this.sink = null;
    this.close();
  }

  /** Downstream backpressure hooks: pause/resume reading the response. */
  pause(): void {
    this.socket.pause();
  }
  resume(): void {
    this.socket.resume();
  }

  /** Closes the socket and leaves the pool (idempotent). */
  close(reason?: ResetReason): void {
    if (this.state === St.Closed) return;
    this.state = St.Closed;
    if (this.connectTimer !== null) {
      clearTimeout(this.connectTimer);
      this.connectTimer = null;
    }
    this.socket.destroy();
    this.pool.onClosed(this, reason);
  }

  chunkData(buf: Buffer, start: number, end: number): void {
    this.sink?.onUpstreamBody(buf, start, end);
  }

  private readonly onConnect = (): void => {
    if (this.connectTimer !== null) {
      clearTimeout(this.connectTimer);
      this.connectTimer = null;
    }
    this.connected = true;
    this.pool.onConnected(this);
    if (this.state === St.Connecting) this.state = this.sink === null ? St.Idle : St.Head;
  };

  private readonly onConnectTimeout = (): void => {
    this.connectTimer = null;
    this.pool.stats.upstreamCxConnectTimeout.inc();
    this.fail('connection timeout');
  };

  private readonly onDrain = (): void => {
    this.sink?.onUpstreamDrain();
  };

  private readonly onError = (): void => {
    // 'close' follows; the reason is decided there from the state.
  };

  private readonly onClose = (): void => {
    if (this.state === St.Body && this.head.bodyMode === BodyMode.UntilClose && this.sink !== null) {
      const sink = this.sink;
      this.sink = null;
      this.close();
      sink.onUpstreamEnd(null);
      return;
    }
    this.fail(this.connected ? 'connection termination' : 'connection failure');
  };

  private fail(reason: ResetReason): void {
    const sink = this.sink;
    this.sink = null;
    const wasDone = this.state === St.Done;
    this.close(reason);
    if (sink !== null && !wasDone) sink.onUpstreamReset(reason, '');
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.sink === null || (this.state !== St.Head && this.state !== St.Body)) {
      if (this.state === St.Closed) return;
      // Bytes on an idle connection: the server broke framing; never reuse it.
      this.fail('protocol error');
      return;
    }
    let buf = chunk;
    let pos = 0;
    while (pos < buf.length && this.sink !== null) {
      if (this.state === St.Head) {
        let from = 0;
        if (this.pending !== null) {
          from = this.pending.length;
          buf = Buffer.concat([this.pending, pos === 0 ? buf : buf.subarray(pos)]);
          this.pending = null;
          pos = 0;
        } else if (pos > 0) {
          buf = buf.subarray(pos);
          pos = 0;
        }
        const end = findHeadEnd(buf, from);
        if (end < 0) {
          if (end === -2 || buf.length > MAX_RESPONSE_HEAD) {
            this.fail('protocol error');
            return;
          }
          this.pending = buf;
          return;
        }
        const h = this.head;
        if (parseResponseHead(buf, end, h, this.method) !== '') {
          this.fail('protocol error');
          return;
        }
        pos = end;
        if (h.status === 101) {
          const sink = this.sink;
          this.sink = null;
          this.state = St.Closed;
          this.detachSocket();
          this.pool.onClosed(this, undefined);
          sink.onUpstreamUpgrade(h, this.socket, pos < buf.length ? buf.subarray(pos) : null);
          return;
        }
        if (h.status < 200) continue; // 100 Continue and other 1xx: not forwarded
        this.state = St.Body;
        if (h.bodyMode === BodyMode.Length) this.remaining = h.contentLength;
        else if (h.bodyMode === BodyMode.Chunked) this.scanner.reset();
        this.sink.onUpstreamHead(h);
        if (this.sink === null) return; // dropped for a retry
        if (h.bodyMode === BodyMode.None) {
          this.complete(pos < buf.length);
          return;
        }
        continue;
      }
      // Body
      const sink = this.sink;
      switch (this.head.bodyMode) {
        case BodyMode.Length: {
          const n = Math.min(this.remaining, buf.length - pos);
          this.remaining -= n;
          sink.onUpstreamBody(buf, pos, pos + n);
          pos += n;
          if (this.remaining === 0) {
            this.complete(pos < buf.length);
            return;
          }
          break;
        }
        case BodyMode.Chunked: {
          const r = this.scanner.scan(buf, pos, buf.length, sink.rawBody ? null : this);
          if (r === SCAN_ERROR) {
            this.fail('protocol error');
            return;
          }
          const end = r === SCAN_MORE ? buf.length : r;
          if (sink.rawBody) sink.onUpstreamBody(buf, pos, end);
          pos = end;
          if (r !== SCAN_MORE) {
            this.complete(pos < buf.length);
            return;
          }
          break;
        }
        default:
          sink.onUpstreamBody(buf, pos, buf.length);
          pos = buf.length;
      }
    }
  };

  private detachSocket(): void {
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('close', this.onClose);
    this.socket.removeListener('error', this.onError);
    this.socket.removeListener('drain', this.onDrain);
    this.socket.removeListener('connect', this.onConnect);
    this.socket.removeListener('secureConnect', this.onConnect);
  }

  private complete(extraBytes: boolean): void {
    this.state = St.Done;
    const sink = this.sink!;
    if (this.head.close || extraBytes) {
      this.sink = null;
      this.close();
    } else if (this.requestComplete) this.finish();
    else this.sink = null; // reusable once the request body has been written (endRequest)
    sink.onUpstreamEnd(null);
  }

  /** Both directions done on a reusable connection: back to the pool. */
  private finish(): void {
    this.sink = null;
    this.state = St.Idle;
    this.pool.release(this);
  }
}
