// Hand encoding of google.protobuf.Struct-valued Envoy Metadata: protobuf-es converts JSON to Struct messages
// before writing them, which costs more than the rest of a cluster; these few lines write the same bytes.
import { concat, lengthDelimited } from './wire.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const utf8 = new TextEncoder();

function fixed64(n: number): Uint8Array {
  const b = new Uint8Array(9);
  b[0] = (2 << 3) | 1; // Value.number_value = 2, wire type 1 (64-bit)
  new DataView(b.buffer).setFloat64(1, n, true);
  return b;
}

/** google.protobuf.Value: null_value = 1, number_value = 2, string_value = 3, bool_value = 4, struct_value = 5, list_value = 6. */
export function encodeValue(v: Json): Uint8Array {
  if (v === null) return Uint8Array.of(1 << 3, 0);
  if (typeof v === 'number') return fixed64(v);
  if (typeof v === 'string') return concat(lengthDelimited(3, utf8.encode(v)));
  if (typeof v === 'boolean') return Uint8Array.of(4 << 3, v ? 1 : 0);
  if (Array.isArray(v)) {
    // ListValue { repeated Value values = 1 }
    return concat(lengthDelimited(6, concat(v.flatMap((x) => lengthDelimited(1, encodeValue(x))))));
  }
  return concat(lengthDelimited(5, encodeStruct(v)));
}

/** google.protobuf.Struct { map<string, Value> fields = 1 }: each entry a {key = 1, value = 2} message. */
export function encodeStruct(obj: { [k: string]: Json }): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const entry = concat([...lengthDelimited(1, utf8.encode(k)), ...lengthDelimited(2, encodeValue(v))]);
    parts.push(...lengthDelimited(1, entry));
  }
  return concat(parts);
}

/** Encodings by their JSON text: clusters of a service repeat the same few metadata values every push. */
const encoded = new Map<string, Uint8Array>();
const MAX_CACHED = 20_000;

/** envoy.config.core.v3.Metadata { map<string, Struct> filter_metadata = 1 }. */
export function encodeMetadata(filterMetadata: { [ns: string]: { [k: string]: Json } }): Uint8Array {
  const key = JSON.stringify(filterMetadata);
  const hit = encoded.get(key);
  if (hit) return hit;
  const bytes = encodeMetadataUncached(filterMetadata);
  if (encoded.size >= MAX_CACHED) encoded.clear();
  encoded.set(key, bytes);
  return bytes;
}

function encodeMetadataUncached(filterMetadata: { [ns: string]: { [k: string]: Json } }): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [ns, struct] of Object.entries(filterMetadata)) {
    const entry = concat([
      ...lengthDelimited(1, utf8.encode(ns)),
      ...lengthDelimited(2, encodeStruct(struct)),
    ]);
    parts.push(...lengthDelimited(1, entry));
  }
  return concat(parts);
}
