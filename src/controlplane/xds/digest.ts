// Content digests of encoded resources, cached on the bytes themselves: translated pieces shared across
// proxies (a service's clusters, an endpoint set, a route configuration) are hashed once, not once per push.
import { createHash } from 'node:crypto';

const digests = new WeakMap<Uint8Array, string>();

/**
 * sha256 (hex) of `bytes`, remembered for the array's lifetime. Encoded resources are never written after
 * they are made, so the array's identity stands for its content.
 */
export function bytesDigest(bytes: Uint8Array): string {
  let d = digests.get(bytes);
  if (d === undefined) {
    d = createHash('sha256').update(bytes).digest('hex');
    digests.set(bytes, d);
  }
  return d;
}
