// The SotW DiscoveryResponse encoder for the wire: each resource's Any is encoded once and reused by every
// response that carries it (a route configuration shared by 200 proxies is copied, not re-encoded, per send).
import { toBinary } from '@bufbuild/protobuf';
import { type Any, AnySchema } from '@bufbuild/protobuf/wkt';
import {
  type DiscoveryResponse,
  DiscoveryResponseSchema,
} from '../../generated/envoy/service/discovery/v3/discovery_pb.js';

/** DiscoveryResponse.resources' field number. */
const RESOURCES_FIELD = 2;

const encodedAnys = new WeakMap<Any, Uint8Array>();

/** An Any's encoding, made once per Any object (packed resources are not changed after they are made). */
function anyBytes(a: Any): Uint8Array {
  let bytes = encodedAnys.get(a);
  if (!bytes) {
    bytes = toBinary(AnySchema, a);
    encodedAnys.set(a, bytes);
  }
  return bytes;
}

function varintLength(n: number): number {
  let len = 1;
  for (let v = n; v > 0x7f; v = Math.floor(v / 128)) len++;
  return len;
}

function writeVarint(out: Buffer, at: number, n: number): number {
  let v = n;
  let i = at;
  while (v > 0x7f) {
    out[i++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[i++] = v;
  return i;
}

/**
 * The response's protobuf bytes: every field but `resources` through the generated encoder, then one
 * `resources` field per Any from the cache (protobuf readers accept fields in any order).
 */
export function encodeDiscoveryResponse(m: DiscoveryResponse): Buffer {
  const head = toBinary(DiscoveryResponseSchema, { ...m, resources: [] });
  const tag = (RESOURCES_FIELD << 3) | 2;
  const parts = m.resources.map(anyBytes);
  let size = head.length;
  for (const p of parts) size += varintLength(tag) + varintLength(p.length) + p.length;
  const out = Buffer.allocUnsafe(size);
  out.set(head, 0);
  let at = head.length;
  for (const p of parts) {
    at = writeVarint(out, at, tag);
    at = writeVarint(out, at, p.length);
    out.set(p, at);
    at += p.length;
  }
  return out;
}
