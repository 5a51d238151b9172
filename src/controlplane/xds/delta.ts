// Delta (incremental) ADS: per-resource versions, so a push carries only the resources that changed and
// the names that went away; subscriptions change by subscribe/unsubscribe lists instead of full name sets.
import { create } from '@bufbuild/protobuf';
import {
  type DeltaDiscoveryRequest,
  DeltaDiscoveryResponseSchema,
  type Resource,
  ResourceSchema,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import type { TranslateContext } from '../translate/context.js';
import { TYPE_URLS } from '../translate/generators.js';
import type { AdsConnection } from './connection.js';
import { bytesDigest } from './digest.js';
import type { PushOutcome } from './push.js';
import { type DeltaState, newWatch } from './watch.js';

/** Types whose initial request without names means "everything" (Envoy's wildcard LDS/CDS). */
const WILDCARD_TYPES = new Set<string>([TYPE_URLS.listener, TYPE_URLS.cluster]);

function versionOf(bytes: Uint8Array): string {
  return bytesDigest(bytes).slice(0, 16);
}

let nonceCounter = 0;

/** Applies a request's subscription changes; returns whether anything changed. */
export function applyDeltaSubscription(conn: AdsConnection, req: DeltaDiscoveryRequest): boolean {
  let w = conn.watches.get(req.typeUrl);
  let changed = false;
  if (!w?.delta) {
    const subscribe = req.resourceNamesSubscribe;
    const wildcard = subscribe.includes('*') || (WILDCARD_TYPES.has(req.typeUrl) && subscribe.length === 0);
    w = { ...(w ?? newWatch(req.typeUrl, [])) };
    w.delta = {
      wildcard,
      subscribed: new Set(subscribe.filter((n) => n !== '*')),
      known: new Map(Object.entries(req.initialResourceVersions)),
    };
    conn.watches.set(req.typeUrl, w);
    changed = true;
  } else {
    const d = w.delta;
    for (const n of req.resourceNamesSubscribe) {
      if (n === '*') changed ||= !d.wildcard;
      if (n === '*') d.wildcard = true;
      else if (!d.subscribed.has(n)) {
        d.subscribed.add(n);
        changed = true;
      }
    }
    for (const n of req.resourceNamesUnsubscribe) {
      if (n === '*') d.wildcard = false;
      else d.subscribed.delete(n);
      // The proxy dropped it: forget its version so a later subscribe sends it again.
      d.known.delete(n);
    }
  }
  w.names = w.delta.wildcard ? [] : [...w.delta.subscribed].sort();
  return changed;
}

/**
 * Sends the resources of `typeUrl` whose version differs from what the proxy holds, and the names it holds
 * that no longer exist. Nothing is sent when nothing differs, unless `force` (an initial request must be
 * answered even when empty).
 */
export function pushDeltaType(
  conn: AdsConnection,
  ctx: TranslateContext,
  typeUrl: string,
  force: boolean,
  now: number,
  changeStart?: number,
): PushOutcome {
  const w = conn.watches.get(typeUrl);
  const d: DeltaState | undefined = w?.delta;
  if (!w || !d) return { sent: false, resources: 0 };
  const gen = conn.generators[typeUrl];
  const generated = gen ? gen(ctx, d.wildcard ? undefined : [...d.subscribed]) : [];
  const present = new Map<string, string>();
  const changed: Resource[] = [];
  for (const r of generated) {
    const version = versionOf(r.resource.value);
    present.set(r.name, version);
    if (d.known.get(r.name) !== version)
      changed.push(create(ResourceSchema, { name: r.name, version, resource: r.resource }));
  }
  const removed = [...d.known.keys()].filter((n) => !present.has(n));
  if (!force && changed.length === 0 && removed.length === 0)
    return { sent: false, resources: generated.length };
  const nonce = `d${++nonceCounter}`;
  conn.sendDelta(
    create(DeltaDiscoveryResponseSchema, {
      systemVersionInfo: ctx.snapshot.version,
      typeUrl,
      resources: changed,
      removedResources: removed,
      nonce,
    }),
  );
  for (const r of changed) d.known.set(r.name, r.version);
  for (const n of removed) d.known.delete(n);
  w.sentVersion = ctx.snapshot.version;
  w.sentNonce = nonce;
  w.sentAt = now;
  w.pushes++;
  if (changeStart !== undefined) w.lastPushDelayMs = now - changeStart;
  return { sent: true, resources: changed.length };
}
