// Push metrics for /debug/push_status and /metrics: push counts per xDS type, current NACKs (xDS errors) and
// the convergence-time histogram (Istio's pilot_proxy_convergence_time: from a config change to its push).
import type { ProxyStatus } from '../xds/status.js';

/** Istio's pilot_proxy_convergence_time bucket bounds, in seconds. */
export const CONVERGENCE_BUCKETS_S = [0.1, 0.5, 1, 3, 5, 10, 20, 30] as const;

export interface HistogramSnapshot {
  /** Cumulative counts per upper bound (seconds), then +Inf. */
  buckets: { le: number | '+Inf'; count: number }[];
  count: number;
  sumSeconds: number;
}

/** A cumulative histogram of convergence times. The xDS server observes one value per push sent. */
export class ConvergenceHistogram {
  private readonly counts = new Array<number>(CONVERGENCE_BUCKETS_S.length + 1).fill(0);
  private sum = 0;
  private total = 0;

  /** Records one push that reached a proxy `ms` milliseconds after the change that caused it. */
  observe(ms: number): void {
    const s = Math.max(0, ms) / 1000;
    let i = CONVERGENCE_BUCKETS_S.findIndex((le) => s <= le);
    if (i < 0) i = CONVERGENCE_BUCKETS_S.length;
    this.counts[i]++;
    this.sum += s;
    this.total++;
  }

  snapshot(): HistogramSnapshot {
    let running = 0;
    const buckets: HistogramSnapshot['buckets'] = [];
    CONVERGENCE_BUCKETS_S.forEach((le, i) => {
      running += this.counts[i];
      buckets.push({ le, count: running });
    });
    buckets.push({ le: '+Inf', count: this.total });
    return { buckets, count: this.total, sumSeconds: this.sum };
  }
}

/** The short type name (CDS, LDS, …) of a type URL, as ProxyStatus keys them. */
function shortType(typeUrl: string): string {
  const short: Record<string, string> = {
    'envoy.config.cluster.v3.Cluster': 'CDS',
    'envoy.config.listener.v3.Listener': 'LDS',
    'envoy.config.endpoint.v3.ClusterLoadAssignment': 'EDS',
    'envoy.config.route.v3.RouteConfiguration': 'RDS',
    'envoy.extensions.transport_sockets.tls.v3.Secret': 'SDS',
  };
  return short[typeUrl.slice(typeUrl.lastIndexOf('/') + 1)] ?? typeUrl;
}

/**
 * Counts every response the xDS server sends (per type, since start) and records convergence times: pass
 * `onPush` as AdsServerOptions.onPush. The server reports one event per type of a push to a proxy, all in
 * the same tick with the same delay, so convergence is observed once per proxy per tick, as Istio observes
 * it once per proxy push.
 */
export class PushRecorder {
  readonly convergence = new ConvergenceHistogram();
  readonly pushesByType: Record<string, number> = {};
  private readonly seenThisTick = new Set<string>();

  readonly onPush = (push: { proxyId: string; typeUrl: string; delayMs?: number }): void => {
    const type = shortType(push.typeUrl);
    this.pushesByType[type] = (this.pushesByType[type] ?? 0) + 1;
    if (push.delayMs === undefined || this.seenThisTick.has(push.proxyId)) return;
    if (this.seenThisTick.size === 0) queueMicrotask(() => this.seenThisTick.clear());
    this.seenThisTick.add(push.proxyId);
    this.convergence.observe(push.delayMs);
  };
}

export interface XdsError {
  proxyId: string;
  type: string;
  message: string;
  /** The version the proxy refused. */
  version: string;
  /** Epoch ms of the NACK. */
  at: number;
  /** True while the refused version is still the last one sent (the proxy runs older config). */
  current: boolean;
}

export interface PushStatus {
  controlPlane: string;
  connectedProxies: number;
  pushes: {
    /** Responses sent since start (the xDS server's counter) when known, else the sum over connected proxies. */
    total: number;
    /** Pushes skipped because the generated config had not changed (when the xDS server reports it). */
    skipped?: number;
    /** Per type: since start with a PushRecorder, else over the proxies connected now. */
    byType: Record<string, number>;
  };
  xdsErrors: { current: number; byType: Record<string, number>; nacks: XdsError[] };
  convergence: HistogramSnapshot & {
    /** `recorded`: every push since start; `last-push-per-proxy`: only each connected proxy's last push. */
    source: 'recorded' | 'last-push-per-proxy';
  };
  proxies: {
    proxyId: string;
    types: Record<
      string,
      { state: string; pushes: number; lastPushDelayMs?: number; lastAckLatencyMs?: number }
    >;
  }[];
}

export function pushStatus(
  statuses: readonly ProxyStatus[],
  opts: {
    controlPlane: string;
    serverStats?: { pushes: number; skipped: number };
    recorder?: PushRecorder;
  },
): PushStatus {
  const byType: Record<string, number> = {};
  const errorsByType: Record<string, number> = {};
  const nacks: XdsError[] = [];
  const derived = new ConvergenceHistogram();
  let sum = 0;
  const proxies: PushStatus['proxies'] = [];
  for (const p of statuses) {
    const types: PushStatus['proxies'][number]['types'] = {};
    for (const [type, t] of Object.entries(p.types)) {
      byType[type] = (byType[type] ?? 0) + t.pushes;
      sum += t.pushes;
      if (t.lastPushDelayMs !== undefined) derived.observe(t.lastPushDelayMs);
      types[type] = {
        state: t.state,
        pushes: t.pushes,
        ...(t.lastPushDelayMs !== undefined ? { lastPushDelayMs: t.lastPushDelayMs } : {}),
        ...(t.lastAckLatencyMs !== undefined ? { lastAckLatencyMs: t.lastAckLatencyMs } : {}),
      };
      if (t.nack) {
        const current = t.nack.version === t.sentVersion && t.state !== 'SYNCED';
        if (current) errorsByType[type] = (errorsByType[type] ?? 0) + 1;
        nacks.push({ proxyId: p.proxyId, type, ...t.nack, current });
      }
    }
    proxies.push({ proxyId: p.proxyId, types });
  }
  const convergence = opts.recorder
    ? { ...opts.recorder.convergence.snapshot(), source: 'recorded' as const }
    : { ...derived.snapshot(), source: 'last-push-per-proxy' as const };
  return {
    controlPlane: opts.controlPlane,
    connectedProxies: statuses.length,
    pushes: {
      total: opts.serverStats?.pushes ?? sum,
      ...(opts.serverStats ? { skipped: opts.serverStats.skipped } : {}),
      byType: opts.recorder ? { ...opts.recorder.pushesByType } : byType,
    },
    xdsErrors: {
      current: Object.values(errorsByType).reduce((a, b) => a + b, 0),
      byType: errorsByType,
      nacks: nacks.sort((a, b) => b.at - a.at),
    },
    convergence,
    proxies,
  };
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A minimal Prometheus exposition of the push status with Istio's pilot_* names where they exist. */
export function renderPushMetrics(s: PushStatus): string {
  const out: string[] = [];
  out.push('# HELP pilot_xds Number of endpoints connected to this control plane using xDS.');
  out.push('# TYPE pilot_xds gauge');
  out.push(`pilot_xds{version="trellis"} ${s.connectedProxies}`);
  out.push('# HELP pilot_xds_pushes Pushes sent per xDS type.');
  out.push('# TYPE pilot_xds_pushes counter');
  for (const [type, n] of Object.entries(s.pushes.byType).sort()) {
    out.push(`pilot_xds_pushes{type="${escapeLabel(type.toLowerCase())}"} ${n}`);
  }
  out.push('# HELP trellis_xds_rejected_current Proxies whose last config of a type was NACKed.');
  out.push('# TYPE trellis_xds_rejected_current gauge');
  for (const [type, n] of Object.entries(s.xdsErrors.byType).sort()) {
    out.push(`trellis_xds_rejected_current{type="${escapeLabel(type.toLowerCase())}"} ${n}`);
  }
  out.push(
    '# HELP pilot_proxy_convergence_time Delay in seconds between config change and a proxy receiving all required configuration.',
  );
  out.push('# TYPE pilot_proxy_convergence_time histogram');
  for (const b of s.convergence.buckets) {
    out.push(`pilot_proxy_convergence_time_bucket{le="${b.le}"} ${b.count}`);
  }
  out.push(`pilot_proxy_convergence_time_sum ${s.convergence.sumSeconds}`);
  out.push(`pilot_proxy_convergence_time_count ${s.convergence.count}`);
  return `${out.join('\n')}\n`;
}
