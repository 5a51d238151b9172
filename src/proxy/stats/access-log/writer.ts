// Buffered access-log output to stdout, stderr or a file: lines are appended to memory and written in one
// call on a short timer, when the buffer grows large, and on close — never one write per request. Counts
// what it does under Envoy's `filesystem.*` stat names.
import { appendFileSync, createWriteStream, type WriteStream, writeSync } from 'node:fs';
import type { Counter, Gauge, StatsStore } from '../store.js';

export interface AccessLogWriterOptions {
  /** How long a line may wait in memory, ms (Envoy's file_flush_interval defaults to 10 s; we log sooner). */
  flushIntervalMs?: number;
  /** Buffered bytes (UTF-16 units, close enough) that trigger a write at once. */
  flushBytes?: number;
  /** Bytes already queued in the stream beyond which new lines are dropped instead of piling up in memory. */
  maxQueuedBytes?: number;
  stats?: StatsStore;
}

/** Where lines go: Envoy's `/dev/stdout` and `/dev/stderr` paths map to the process's streams. */
export type AccessLogTarget = { kind: 'stdout' } | { kind: 'stderr' } | { kind: 'file'; path: string };

export function targetForPath(path: string): AccessLogTarget {
  if (path === 'stdout' || path === '/dev/stdout') return { kind: 'stdout' };
  if (path === 'stderr' || path === '/dev/stderr') return { kind: 'stderr' };
  return { kind: 'file', path };
}

/** Writers not yet closed, flushed synchronously by one process 'exit' listener. */
const openWriters = new Set<AccessLogWriter>();
let exitListenerInstalled = false;

interface WriterStats {
  writeBuffered: Counter;
  writeCompleted: Counter;
  writeFailed: Counter;
  flushedByTimer: Counter;
  totalBuffered: Gauge;
}

export class AccessLogWriter {
  private chunks: string[] = [];
  private bufferedChars = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly stream: NodeJS.WritableStream;
  private readonly ownsStream: boolean;
  private readonly flushIntervalMs: number;
  private readonly flushBytes: number;
  private readonly maxQueuedBytes: number;
  private readonly stats: WriterStats | undefined;
  private closed = false;
  /** Settles when the latest write has been taken by the destination (stream callbacks run in order). */
  private lastWrite: Promise<void> = Promise.resolve();
  private lastError: Error | undefined;
  /** Lines dropped because the destination could not keep up. */
  dropped = 0;

  constructor(
    readonly target: AccessLogTarget,
    options: AccessLogWriterOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.flushBytes = options.flushBytes ?? 64 * 1024;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 16 * 1024 * 1024;
    if (target.kind === 'file') {
      const ws: WriteStream = createWriteStream(target.path, { flags: 'a' });
      ws.on('error', (err) => {
        this.lastError = err;
        this.stats?.writeFailed.inc();
      });
      this.stream = ws;
      this.ownsStream = true;
    } else {
      this.stream = target.kind === 'stdout' ? process.stdout : process.stderr;
      this.ownsStream = false;
    }
    openWriters.add(this);
    if (!exitListenerInstalled) {
      exitListenerInstalled = true;
      process.on('exit', () => {
        for (const w of openWriters) w.exitHook();
      });
    }
    const s = options.stats;
    this.stats = s && {
      writeBuffered: s.counter('filesystem.write_buffered'),
      writeCompleted: s.counter('filesystem.write_completed'),
      writeFailed: s.counter('filesystem.write_failed'),
      flushedByTimer: s.counter('filesystem.flushed_by_timer'),
      totalBuffered: s.gauge('filesystem.write_total_buffered'),
    };
  }

  /**
   * Best effort when the process exits without close(): the lines still in memory are written
   * synchronously (the only kind of write an exit handler may do). Not used on any request path.
   */
  private exitHook(): void {
    if (this.closed || this.chunks.length === 0) return;
    const data = this.chunks.join('');
    this.chunks = [];
    try {
      if (this.target.kind === 'stdout') writeSync(1, data);
      else if (this.target.kind === 'stderr') writeSync(2, data);
      else {
        const fd = (this.stream as unknown as { fd?: number | null }).fd;
        if (typeof fd === 'number') writeSync(fd, data);
        else appendFileSync(this.target.path, data);
      }
    } catch {
      // Exiting: nowhere left to report it.
    }
  }

  /** The last error the destination reported (a file that could not be opened or written), if any. */
  get error(): Error | undefined {
    return this.lastError;
  }

  /** Queues one finished line (with its newline). Cheap: an array push and, at most, arming a timer. */
  write(line: string): void {
    if (this.closed) return;
    const queued = (this.stream as Partial<WriteStream>).writableLength ?? 0;
    if (queued > this.maxQueuedBytes) {
      this.dropped++;
      return;
    }
    this.chunks.push(line);
    this.bufferedChars += line.length;
    if (this.stats) {
      this.stats.writeBuffered.inc();
      this.stats.totalBuffered.set(this.bufferedChars);
    }
    if (this.bufferedChars >= this.flushBytes) {
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.stats?.flushedByTimer.inc();
        void this.flush();
      }, this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes everything buffered in one call; resolves when the destination has taken it and all before it. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.chunks.length === 0) return this.lastWrite;
    const data = this.chunks.join('');
    this.chunks = [];
    this.bufferedChars = 0;
    this.stats?.totalBuffered.set(0);
    this.lastWrite = new Promise((resolve) => {
      this.stream.write(data, (err?: Error | null) => {
        if (err) {
          this.lastError = err;
          this.stats?.writeFailed.inc();
        } else {
          this.stats?.writeCompleted.inc();
        }
        resolve();
      });
    });
    return this.lastWrite;
  }

  /** Flushes, then closes a file (stdout and stderr stay open). Lines written after close are ignored. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    openWriters.delete(this);
    if (this.ownsStream) {
      await new Promise<void>((resolve) => (this.stream as WriteStream).end(() => resolve()));
    }
  }
}
