// The mechanics the scripted ADS test servers share (SotW and delta): a real grpc-js server on 127.0.0.1 with
// one bidi streaming method that records every request with its stream, waits for requests, writes on the
// newest stream and drops it as a control plane restart would.
import * as grpc from '@grpc/grpc-js';

export interface RecordedStreamRequest<Req> {
  /** Index of the stream (0 for the first one the client opened). */
  stream: number;
  request: Req;
}

export class ScriptedStreamServer<Req, Res> {
  readonly requests: RecordedStreamRequest<Req>[] = [];
  private readonly server = new grpc.Server();
  private readonly streams: grpc.ServerDuplexStream<Req, Res>[] = [];
  private waiters: (() => void)[] = [];
  private read = 0;
  port = 0;

  /** `method` is the handler name of `definition`'s one bidi streaming method. */
  constructor(
    private readonly definition: grpc.ServiceDefinition,
    private readonly method: string,
  ) {}

  async start(): Promise<void> {
    this.server.addService(this.definition, {
      [this.method]: (call: grpc.ServerDuplexStream<Req, Res>) => {
        const stream = this.streams.push(call) - 1;
        call.on('data', (request: Req) => {
          this.requests.push({ stream, request });
          for (const w of this.waiters.splice(0)) w();
        });
        call.on('error', () => {});
        call.on('end', () => call.end());
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  get streamCount(): number {
    return this.streams.length;
  }

  /** The next request not yet returned by this method (waits up to `timeoutMs`). */
  async next(timeoutMs = 3000): Promise<RecordedStreamRequest<Req>> {
    const deadline = Date.now() + timeoutMs;
    while (this.read >= this.requests.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no request within ${timeoutMs} ms (got ${this.requests.length})`);
      await this.arrival(left);
    }
    return this.requests[this.read++];
  }

  /** The first request (any stream, read or not) that `matches`, waiting up to `timeoutMs` for it. */
  async find(what: string, matches: (r: Req) => boolean, timeoutMs = 5000): Promise<Req> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.find((r) => matches(r.request));
      if (found) return found.request;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms (got ${this.requests.length})`);
      await this.arrival(left);
    }
  }

  /** Writes `response` on the newest stream. */
  protected send(response: Res): void {
    this.streams[this.streams.length - 1].write(response);
  }

  /** Ends the newest stream with an error status, as a control plane restart would. */
  dropStream(): void {
    // grpc-js turns an 'error' on a server stream into the call's final status.
    this.streams[this.streams.length - 1].emit(
      'error',
      Object.assign(new Error('control plane restarting'), { code: grpc.status.UNAVAILABLE }),
    );
  }

  stop(): void {
    this.server.forceShutdown();
  }

  /** Resolves when a request arrives, or after `ms` milliseconds, whichever comes first. */
  private arrival(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
