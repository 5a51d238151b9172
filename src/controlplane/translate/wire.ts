// Hand-assembled protobuf bytes for messages made of cached parts: a RouteConfiguration is its name plus
// its virtual hosts, so cached virtual-host bytes are concatenated instead of re-encoding each push.
import { create } from '@bufbuild/protobuf';
import { type Any, AnySchema } from '@bufbuild/protobuf/wkt';

function varint(n: number, out: number[]): void {
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** A length-delimited field: tag (field number, wire type 2), length, bytes. */
export function lengthDelimited(field: number, bytes: Uint8Array): Uint8Array[] {
  const head: number[] = [];
  varint((field << 3) | 2, head);
  varint(bytes.length, head);
  return [Uint8Array.from(head), bytes];
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const ROUTE_CONFIGURATION_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

/** RouteConfiguration{name = 1, virtual_hosts = 2} from already encoded virtual hosts, as an Any. */
export function routeConfigurationAny(name: string, virtualHosts: readonly Uint8Array[]): Any {
  const parts: Uint8Array[] = [...lengthDelimited(1, new TextEncoder().encode(name))];
  for (const vh of virtualHosts) parts.push(...lengthDelimited(2, vh));
  return create(AnySchema, { typeUrl: ROUTE_CONFIGURATION_TYPE, value: concat(parts) });
}
