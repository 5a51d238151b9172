// The admin endpoints as a table of handlers (path, help text, whether it mutates state, the handler), each
// a function from the parsed request to a response. server.ts does the HTTP plumbing and Envoy's POST rule.
import RE2 from 're2';
import { LOG_LEVELS, type LoggerRegistry, parseLogLevel } from '../../common/logger.js';
import { renderPrometheus } from '../stats/prometheus.js';
import { renderStatsJson, renderStatsText, type StatsQuery, type StatsTypeFilter } from '../stats/text.js';
import { renderClustersJson, renderClustersText } from './clusters.js';
import { buildConfigDump } from './config-dump.js';
import type { AdminContext } from './context.js';

export interface AdminResponse {
  status: number;
  body: string;
  contentType?: string;
  /** Runs after the response has been sent (used by /quitquitquit). */
  afterSend?: () => void;
}

export interface AdminHandler {
  path: string;
  help: string;
  /** Envoy's mutates_server_state: only POST may call it. */
  mutates: boolean;
  handle(query: URLSearchParams, method: string, ctx: AdminContext): AdminResponse;
}

export const TEXT = 'text/plain; charset=UTF-8';
export const JSON_TYPE = 'application/json';
export const HTML = 'text/html; charset=UTF-8';

function text(body: string, status = 200): AdminResponse {
  return { status, body, contentType: TEXT };
}
function json(body: string): AdminResponse {
  return { status: 200, body: body.endsWith('\n') ? body : body + '\n', contentType: JSON_TYPE };
}

/** Compiles ?filter= with RE2 as a partial match, as Envoy's admin does; undefined when absent. */
function regexParam(query: URLSearchParams, name: string): ((s: string) => boolean) | undefined | Error {
  const source = query.get(name);
  if (source === null || source === '') return undefined;
  try {
    const re = new RE2(source);
    return (s) => re.test(s);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

function statsQuery(query: URLSearchParams): StatsQuery | AdminResponse {
  const filter = regexParam(query, 'filter');
  if (filter instanceof Error) return text(`Invalid re2 regex: ${filter.message}\n`, 400);
  const typeParam = query.get('type') ?? 'All';
  const types: StatsTypeFilter[] = ['All', 'Counters', 'Gauges', 'Histograms'];
  const type = types.find((t) => t.toLowerCase() === typeParam.toLowerCase());
  if (!type) return text(`invalid &type= param: ${typeParam}\n`, 400);
  const buckets = query.get('histogram_buckets');
  if (buckets !== null && buckets !== 'cumulative' && buckets !== 'disjoint' && buckets !== 'none') {
    return text('usage: /stats?histogram_buckets=(cumulative|disjoint|none)\n', 400);
  }
  const histogramBuckets = buckets === 'cumulative' || buckets === 'disjoint' ? buckets : undefined;
  return { filter, usedOnly: query.has('usedonly'), type, histogramBuckets };
}

function isResponse(x: StatsQuery | AdminResponse): x is AdminResponse {
  return 'status' in x;
}

function loggersText(registry: LoggerRegistry): string {
  let out = 'active loggers:\n';
  for (const l of registry.list()) out += `  ${l.name}: ${l.level}\n`;
  return out;
}

const LOGGING_USAGE =
  'usage: /logging?<name>=<level> (change single level)\n' +
  '/logging?paths=name1:level1,name2:level2,... (change multiple levels)\n' +
  '/logging?level=<level> (change all levels)\n' +
  `levels: ${LOG_LEVELS.join(' ')}\n`;

function handleLogging(query: URLSearchParams, ctx: AdminContext): AdminResponse {
  const registry = ctx.loggers;
  const changes: [string | undefined, string][] = [];
  for (const [key, value] of query) {
    if (key === 'level') changes.push([undefined, value]);
    else if (key === 'paths') {
      for (const pair of value.split(',')) {
        const [name, level] = pair.split(':');
        changes.push([name ?? '', level ?? '']);
      }
    } else changes.push([key, value]);
  }
  for (const [name, levelText] of changes) {
    const level = parseLogLevel(levelText);
    if (!level || (name !== undefined && !registry.has(name))) return text(LOGGING_USAGE, 404);
  }
  for (const [name, levelText] of changes) {
    const level = parseLogLevel(levelText)!;
    if (name === undefined) registry.setAll(level);
    else registry.set(name, level);
  }
  return text(loggersText(registry));
}

export const HANDLERS: AdminHandler[] = [
  {
    path: '/ready',
    help: 'print server state, return 200 if LIVE, otherwise return 503',
    mutates: false,
    handle: (_q, _m, ctx) => {
      const state = ctx.serverState();
      return text(`${state}\n`, state === 'LIVE' ? 200 : 503);
    },
  },
  {
    path: '/server_info',
    help: 'print server version/status information',
    mutates: false,
    handle: (_q, _m, ctx) => json(JSON.stringify(ctx.serverInfo(), null, 1)),
  },
  {
    path: '/stats',
    help: 'print server stats (?filter=<re2>, ?format=json|prometheus, ?usedonly, ?type=Counters|Gauges|Histograms, ?histogram_buckets=cumulative|disjoint)',
    mutates: false,
    handle: (q, _m, ctx) => {
      const sq = statsQuery(q);
      if (isResponse(sq)) return sq;
      ctx.refreshServerStats();
      const format = q.get('format');
      if (format === 'json') return json(renderStatsJson(ctx.stats, sq));
      if (format === 'prometheus')
        return text(renderPrometheus(ctx.stats, { ...sq, extraSources: ctx.prometheusSources }));
      if (format !== null && format !== 'text')
        return text(`usage: /stats?format=json|prometheus|text\n`, 400);
      return text(renderStatsText(ctx.stats, sq));
    },
  },
  {
    path: '/stats/prometheus',
    help: 'print server stats in prometheus format (?filter=<re2>, ?usedonly)',
    mutates: false,
    handle: (q, _m, ctx) => {
      const sq = statsQuery(q);
      if (isResponse(sq)) return sq;
      ctx.refreshServerStats();
      return text(renderPrometheus(ctx.stats, { ...sq, extraSources: ctx.prometheusSources }));
    },
  },
  {
    path: '/clusters',
    help: 'upstream cluster status (?format=json)',
    mutates: false,
    handle: (q, _m, ctx) => {
      const clusters = ctx.source.clusters();
      return q.get('format') === 'json'
        ? json(renderClustersJson(clusters))
        : text(renderClustersText(clusters));
    },
  },
  {
    path: '/config_dump',
    help: 'dump current Envoy configs (?resource=, ?mask=, ?name_regex=, ?include_eds)',
    mutates: false,
    handle: (q, _m, ctx) => {
      const nameMatches = regexParam(q, 'name_regex');
      if (nameMatches instanceof Error) return text(`Invalid re2 regex: ${nameMatches.message}\n`, 400);
      const mask = q.get('mask');
      const result = buildConfigDump(ctx.source.configDump(), {
        resource: q.get('resource') ?? undefined,
        mask: mask ? mask.split(',').filter((p) => p !== '') : undefined,
        nameMatches,
        includeEds: q.has('include_eds'),
      });
      if (!result.ok) return text(result.message + '\n', result.status);
      return json(JSON.stringify(result.body, null, 1));
    },
  },
  {
    path: '/listeners',
    help: 'print listener info (name::address)',
    mutates: false,
    handle: (_q, _m, ctx) => text(ctx.listenersText()),
  },
  {
    path: '/memory',
    help: 'print current allocation/heap usage, in bytes',
    mutates: false,
    handle: () => {
      const m = process.memoryUsage();
      return json(
        JSON.stringify(
          {
            allocated: String(m.heapUsed),
            heap_size: String(m.heapTotal),
            total_physical_bytes: String(m.rss),
            total_thread_cache: '0',
          },
          null,
          1,
        ),
      );
    },
  },
  {
    path: '/logging',
    help: 'query/change logging levels (POST ?level=<level>, ?<logger>=<level>, ?paths=a:l1,b:l2)',
    // Listing is harmless, so GET without parameters lists; changes need POST (checked below).
    mutates: false,
    handle: (q, method, ctx) => {
      if ([...q.keys()].length === 0) return text(loggersText(ctx.loggers));
      if (method !== 'POST') return text(`Method ${method} not allowed, POST required.`, 405);
      return handleLogging(q, ctx);
    },
  },
  {
    path: '/healthcheck/fail',
    help: 'cause the server to fail health checks',
    mutates: true,
    handle: (_q, _m, ctx) => {
      ctx.setHealthCheckFailed(true);
      return text('OK\n');
    },
  },
  {
    path: '/healthcheck/ok',
    help: 'cause the server to pass health checks',
    mutates: true,
    handle: (_q, _m, ctx) => {
      ctx.setHealthCheckFailed(false);
      return text('OK\n');
    },
  },
  {
    path: '/reset_counters',
    help: 'reset all counters to zero',
    mutates: true,
    handle: (_q, _m, ctx) => {
      for (const c of ctx.stats.counters.values()) c.value = 0;
      return text('OK\n');
    },
  },
  {
    path: '/quitquitquit',
    help: 'exit the server',
    mutates: true,
    handle: (_q, _m, ctx) => ({ ...text('OK\n'), afterSend: () => ctx.shutdown() }),
  },
];

/** Envoy's /help text: one `  /path: help` line per endpoint. */
export function helpText(): string {
  let out = 'admin commands are:\n';
  for (const h of [...HANDLERS].sort((a, b) => (a.path < b.path ? -1 : 1))) out += `  ${h.path}: ${h.help}\n`;
  return out;
}
