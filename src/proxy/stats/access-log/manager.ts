// Builds access loggers from listener config (src/proxy/config/listener.ts AccessLog): the format compiled
// once, the output shared per path so every logger writing to one file goes through one buffered writer.
import { fail, ok, type Result } from '../../../common/result.js';
import type { AccessLog } from '../../config/listener.js';
import type { AccessLogEntry, AccessLogSink } from '../../http/access-log-entry.js';
import type { StatsStore } from '../store.js';
import {
  type AccessLogFormatter,
  compileJsonFormat,
  compileTextFormat,
  ENVOY_DEFAULT_FORMAT,
} from './format.js';
import type { AccessLogRecord } from './record.js';
import { AccessLogWriter, type AccessLogWriterOptions, targetForPath } from './writer.js';

/** Compiles an AccessLog's format: Envoy's default text format when it names none. */
export function compileAccessLogFormat(format: AccessLog['format']): Result<AccessLogFormatter> {
  switch (format.kind) {
    case 'default':
      return compileTextFormat(ENVOY_DEFAULT_FORMAT);
    case 'text':
      return compileTextFormat(format.template);
    case 'json':
      return compileJsonFormat(format.fields);
  }
}

/** A configured access logger: formats each record and hands the line to its (shared) writer. */
export class FormattedAccessLog implements AccessLogSink {
  constructor(
    private readonly format: AccessLogFormatter,
    private readonly writer: AccessLogWriter,
  ) {}

  log(entry: AccessLogEntry | AccessLogRecord): void {
    this.writer.write(this.format(entry));
  }
}

export class AccessLogManager {
  private readonly writers = new Map<string, AccessLogWriter>();

  constructor(
    private readonly options: Omit<AccessLogWriterOptions, 'stats'> & { stats?: StatsStore } = {},
  ) {}

  /** A logger for one AccessLog config entry; fails with the operator's name when the format is invalid. */
  create(config: AccessLog): Result<FormattedAccessLog> {
    const format = compileAccessLogFormat(config.format);
    if (!format.ok) return fail(format.errors);
    return ok(new FormattedAccessLog(format.value, this.writerFor(config.path)));
  }

  /** The shared writer for a path (`/dev/stdout`, `/dev/stderr` or a file), opened on first use. */
  writerFor(path: string): AccessLogWriter {
    const target = targetForPath(path);
    const key = target.kind === 'file' ? `file:${target.path}` : target.kind;
    let w = this.writers.get(key);
    if (!w) {
      w = new AccessLogWriter(target, this.options);
      this.writers.set(key, w);
    }
    return w;
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.flush()));
  }

  /** Flushes and closes every writer (on shutdown). */
  async closeAll(): Promise<void> {
    const all = [...this.writers.values()];
    this.writers.clear();
    await Promise.all(all.map((w) => w.close()));
  }
}
