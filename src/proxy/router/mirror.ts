// Request mirroring (Envoy's request_mirror_policies): for each policy whose runtime fraction samples in,
// a fire-and-forget copy of the request goes to the mirror cluster with the authority's host suffixed
// `-shadow`. The copies never delay or fail the original: no host, a full breaker or a slow mirror only
// drops the copy. The mirror cluster's usual upstream_rq_* stats count them.
import type { MirrorPolicy } from '../config/route.js';
import type { ClusterEntry } from '../upstream/cluster-manager.js';
import type { LbContext } from '../upstream/lb/types.js';
import { DEFAULT_RETRY_BUFFER_LIMIT_BYTES } from './retry-body-buffer.js';
import { ShadowRequest, type ShadowSource } from './shadow-request.js';

/** Body bytes a shadow may hold unsent before it is dropped (Envoy's per-request buffer limit), bytes. */
export const SHADOW_BUFFER_LIMIT_BYTES = DEFAULT_RETRY_BUFFER_LIMIT_BYTES;

/** `reviews:9080` → `reviews-shadow:9080`, `[::1]:80` → `[::1]-shadow:80`, `reviews` → `reviews-shadow`. */
export function shadowAuthority(authority: string): string {
  const colon = authority.lastIndexOf(':');
  const hasPort = colon > 0 && authority.indexOf(']', colon) < 0 && /^\d+$/.test(authority.slice(colon + 1));
  return hasPort ? `${authority.slice(0, colon)}-shadow${authority.slice(colon)}` : `${authority}-shadow`;
}

export interface MirrorDeps {
  clusters: { get(name: string): ClusterEntry | undefined };
  /** A float in [0, 1) for the fraction draw (the proxy's injected random). */
  random: () => number;
  now: () => number;
  /** The original's cluster: Envoy counts retry_or_shadow_abandoned there when a copy is dropped. */
  primary: ClusterEntry;
  /** The original's hash context, so hash-balanced mirror clusters pick consistently. */
  lbContext: LbContext;
  limitBytes?: number;
}

/** The shadows of one request; the exchange feeds them body copies and tells them when it ends. */
export class RequestMirrors {
  private constructor(private readonly shadows: ShadowRequest[]) {}

  /** Starts the sampled shadows of `source` (authority not yet suffixed); undefined when there are none. */
  static start(
    policies: readonly MirrorPolicy[],
    source: Omit<ShadowSource, 'authority'> & { authority: string },
    deps: MirrorDeps,
  ): RequestMirrors | undefined {
    const shadows: ShadowRequest[] = [];
    let copy: ShadowSource | undefined;
    for (const p of policies) {
      if (p.fraction < 1 && !(deps.random() < p.fraction)) continue;
      const cluster = deps.clusters.get(p.cluster);
      if (cluster === undefined) continue;
      const host = cluster.choose(deps.lbContext);
      if (host === undefined) {
        cluster.stats.upstreamCxNoneHealthy.inc();
        continue;
      }
      if (!cluster.resilience.breakers.default.requests.canCreate()) {
        cluster.resilience.breakers.pendingOverflow?.inc();
        continue;
      }
      copy ??= { ...source, authority: shadowAuthority(source.authority), headers: source.headers.slice() };
      const counter = deps.primary.stats.set.counter.retry_or_shadow_abandoned;
      const shadow = new ShadowRequest(
        copy,
        cluster,
        host,
        deps.limitBytes ?? SHADOW_BUFFER_LIMIT_BYTES,
        deps.now,
        () => counter.inc(),
      );
      shadows.push(shadow);
    }
    return shadows.length === 0 ? undefined : new RequestMirrors(shadows);
  }

  write(buf: Buffer, start: number, end: number): void {
    for (const s of this.shadows) s.write(buf, start, end);
  }

  end(trailers: string[] | null): void {
    for (const s of this.shadows) s.end(trailers);
  }

  /** The original exchange is over; shadows still waiting for body bytes are dropped. */
  originalDone(): void {
    for (const s of this.shadows) s.cancel();
  }
}

/** The parts of an exchange the mirrors copy, read just before the original goes upstream. */
export interface MirroredExchange {
  readonly method: string;
  readonly path: string;
  readonly authority: string;
  readonly scheme: string;
  readonly headers: readonly string[];
  readonly isGrpc: boolean;
  readonly requestHasBody: boolean;
  readonly upgrade: string;
}

/**
 * The shadows for an exchange about to go to `primary`, or undefined. Upgrade requests are not mirrored.
 * `downstreamIsH1`: body bytes then keep their HTTP/1.1 framing when the original goes upstream over
 * HTTP/1.1 too (the exchange's rawBody rule).
 */
export function startMirrors(
  policies: readonly MirrorPolicy[],
  x: MirroredExchange,
  downstreamIsH1: boolean,
  timeoutMs: number,
  deps: MirrorDeps,
): RequestMirrors | undefined {
  if (policies.length === 0 || x.upgrade !== '') return undefined;
  const rawBody = downstreamIsH1 && !deps.primary.http2 && !x.isGrpc;
  return RequestMirrors.start(
    policies,
    {
      method: x.method,
      path: x.path,
      authority: x.authority,
      scheme: x.scheme,
      headers: x.headers,
      isGrpc: x.isGrpc,
      requestHasBody: x.requestHasBody,
      rawBody,
      timeoutMs,
    },
    deps,
  );
}
