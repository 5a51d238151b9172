// A small leveled logger with named loggers (Envoy's components: admin, router, upstream, …) and a
// registry whose levels the admin API's /logging endpoint lists and changes at run time.

/** Envoy's log levels, most verbose first; `off` silences a logger. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const LEVEL_RANK: Record<LogLevel, number> = {
  trace: 0,
  debug: 1,
  info: 2,
  warning: 3,
  error: 4,
  critical: 5,
  off: 6,
};

/** Parses a level name as Envoy's admin accepts it (`warn` is spdlog's spelling of `warning`). */
export function parseLogLevel(text: string): LogLevel | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'warn') return 'warning';
  return (LOG_LEVELS as readonly string[]).includes(t) ? (t as LogLevel) : undefined;
}

/** Receives one finished line (without the trailing newline). */
export type LogSink = (line: string, level: LogLevel) => void;

const stderrSink: LogSink = (line) => {
  process.stderr.write(line + '\n');
};

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Envoy's default log line prefix: `[2026-11-25 14:17:29.123][pid][level][name] message` (UTC). */
function formatLine(nowMs: number, level: LogLevel, name: string, msg: string): string {
  const d = new Date(nowMs);
  const ts =
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
  return `[${ts}][${process.pid}][${level}][${name}] ${msg}`;
}

export class Logger {
  /** Numeric rank of the current level; compared on every call, so a disabled level costs one comparison. */
  private rank: number;

  constructor(
    readonly name: string,
    private levelName: LogLevel,
    private readonly registry: LoggerRegistry,
  ) {
    this.rank = LEVEL_RANK[levelName];
  }

  get level(): LogLevel {
    return this.levelName;
  }

  setLevel(level: LogLevel): void {
    this.levelName = level;
    this.rank = LEVEL_RANK[level];
  }

  /** True when a message at `level` would be written: guard expensive message building with it. */
  enabled(level: LogLevel): boolean {
    return level !== 'off' && LEVEL_RANK[level] >= this.rank;
  }

  log(level: LogLevel, msg: string): void {
    if (level === 'off' || LEVEL_RANK[level] < this.rank) return;
    this.registry.write(level, this.name, msg);
  }

  trace(msg: string): void {
    if (this.rank <= 0) this.registry.write('trace', this.name, msg);
  }
  debug(msg: string): void {
    if (this.rank <= 1) this.registry.write('debug', this.name, msg);
  }
  info(msg: string): void {
    if (this.rank <= 2) this.registry.write('info', this.name, msg);
  }
  warning(msg: string): void {
    if (this.rank <= 3) this.registry.write('warning', this.name, msg);
  }
  error(msg: string): void {
    if (this.rank <= 4) this.registry.write('error', this.name, msg);
  }
  critical(msg: string): void {
    if (this.rank <= 5) this.registry.write('critical', this.name, msg);
  }
}

export interface LoggerRegistryOptions {
  /** Level given to loggers created later and to the predeclared ones; Envoy's default is info. */
  defaultLevel?: LogLevel;
  sink?: LogSink;
  /** Milliseconds since the epoch; injected by tests. */
  now?: () => number;
  /** Logger names that exist from the start, so /logging lists them before first use. */
  names?: readonly string[];
}

/** The components Trellis's proxy logs under (a subset of Envoy's logger ids, same spelling). */
export const PROXY_LOGGER_NAMES: readonly string[] = [
  'admin',
  'config',
  'connection',
  'conn_handler',
  'filter',
  'health_checker',
  'http',
  'http2',
  'main',
  'misc',
  'pool',
  'rbac',
  'router',
  'runtime',
  'secret',
  'upstream',
  'jwt',
];

export class LoggerRegistry {
  private readonly loggers = new Map<string, Logger>();
  private defaultLevel: LogLevel;
  private sink: LogSink;
  private readonly now: () => number;

  constructor(options: LoggerRegistryOptions = {}) {
    this.defaultLevel = options.defaultLevel ?? 'info';
    this.sink = options.sink ?? stderrSink;
    this.now = options.now ?? Date.now;
    for (const n of options.names ?? []) this.get(n);
  }

  /** The logger with this name, created at the registry's default level on first use. */
  get(name: string): Logger {
    let l = this.loggers.get(name);
    if (!l) {
      l = new Logger(name, this.defaultLevel, this);
      this.loggers.set(name, l);
    }
    return l;
  }

  has(name: string): boolean {
    return this.loggers.has(name);
  }

  /** Every logger with its level, sorted by name (the order /logging prints). */
  list(): { name: string; level: LogLevel }[] {
    return [...this.loggers.values()]
      .map((l) => ({ name: l.name, level: l.level }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Sets every logger, and the default for loggers created later. */
  setAll(level: LogLevel): void {
    this.defaultLevel = level;
    for (const l of this.loggers.values()) l.setLevel(level);
  }

  /** Sets one existing logger; false when no logger has that name. */
  set(name: string, level: LogLevel): boolean {
    const l = this.loggers.get(name);
    if (!l) return false;
    l.setLevel(level);
    return true;
  }

  setSink(sink: LogSink): void {
    this.sink = sink;
  }

  /** Formats and emits one line; called by loggers after their level check. */
  write(level: LogLevel, name: string, msg: string): void {
    this.sink(formatLine(this.now(), level, name, msg), level);
  }
}

/** The process-wide registry the proxy's components take their loggers from. */
export const loggers = new LoggerRegistry({ names: PROXY_LOGGER_NAMES });
