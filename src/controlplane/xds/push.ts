// Building one SotW response for a connection and type: generate, hash, skip when unchanged, send with a
// fresh nonce, and record what was sent.
import { createHash } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { DiscoveryResponseSchema } from '../../generated/envoy/service/discovery/v3/discovery_pb.js';
import type { TranslateContext } from '../translate/context.js';
import type { NamedResource } from '../translate/generators.js';
import type { AdsConnection } from './connection.js';
import { bytesDigest } from './digest.js';
import { newWatch } from './watch.js';

/**
 * Content hash of a response's resources (name and bytes of each, in order). Built from each resource's
 * cached digest, so resources shared across proxies cost a lookup, not a pass over their bytes.
 */
export function resourcesHash(typeUrl: string, resources: readonly NamedResource[]): string {
  // A generator may hand the same (memoized, never mutated) list to many proxies: hashed once.
  const cached = listHashes.get(resources);
  if (cached?.typeUrl === typeUrl) return cached.hash;
  const hash = computeHash(typeUrl, resources);
  listHashes.set(resources, { typeUrl, hash });
  return hash;
}

const listHashes = new WeakMap<readonly NamedResource[], { typeUrl: string; hash: string }>();

function computeHash(typeUrl: string, resources: readonly NamedResource[]): string {
  let text = typeUrl;
  for (const r of resources) text += `\0${r.name}\0${bytesDigest(r.resource.value)}`;
  return createHash('sha256').update(text).digest('hex');
}

let nonceCounter = 0;

export interface PushOutcome {
  sent: boolean;
  resources: number;
}

/**
 * Sends `typeUrl` to `conn` unless the generated resources hash to what was last sent (and `force` is off:
 * a new or changed subscription always gets an answer). The connection's generator table makes the
 * resources (Envoy's or proxyless gRPC's). Types without a generator get an empty response,
 * so clients waiting on them (e.g. SDS before the CA exists) are not left hanging.
 */
export function pushType(
  conn: AdsConnection,
  ctx: TranslateContext,
  typeUrl: string,
  force: boolean,
  now: number,
  changeStart?: number,
): PushOutcome {
  let w = conn.watches.get(typeUrl);
  if (!w) {
    w = newWatch(typeUrl, []);
    conn.watches.set(typeUrl, w);
  }
  const gen = conn.generators[typeUrl];
  const resources = gen ? gen(ctx, w.names.length > 0 ? w.names : undefined) : [];
  const hash = resourcesHash(typeUrl, resources);
  if (!force && hash === w.sentHash) return { sent: false, resources: resources.length };
  const nonce = String(++nonceCounter);
  const version = `${ctx.snapshot.version}-${hash.slice(0, 12)}`;
  conn.send(
    create(DiscoveryResponseSchema, {
      versionInfo: version,
      typeUrl,
      nonce,
      resources: resources.map((r) => r.resource),
    }),
  );
  w.sentVersion = version;
  w.sentNonce = nonce;
  w.sentHash = hash;
  w.sentAt = now;
  w.pushes++;
  if (changeStart !== undefined) w.lastPushDelayMs = now - changeStart;
  return { sent: true, resources: resources.length };
}
