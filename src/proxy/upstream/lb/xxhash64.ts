// xxHash64 (the hash Envoy uses for ring hash, maglev and request hash policies), computed on pairs of
// 32-bit words so that building a large ring stays fast; returns an unsigned 64-bit bigint.

// Primes as [high, low] 32-bit words.
const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;

/** High word of the last 64-bit result; every helper returns the low word and leaves the high one here. */
let hiOut = 0;

function add(ah: number, al: number, bh: number, bl: number): number {
  const lo = al + bl;
  hiOut = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
  return lo >>> 0;
}

/** Low 64 bits of a 64 × 64 product. */
function mul(ah: number, al: number, bh: number, bl: number): number {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2^33, exact in a double
  const low = a0 * b0 + (mid % 0x10000) * 0x10000; // < 2^33
  hiOut =
    (a1 * b1 +
      Math.floor(mid / 0x10000) +
      Math.floor(low / 0x100000000) +
      Math.imul(ah, bl) +
      Math.imul(al, bh)) >>>
    0;
  return low >>> 0;
}

/** Rotate left by 0 < r < 32. */
function rotl(h: number, l: number, r: number): number {
  hiOut = ((h << r) | (l >>> (32 - r))) >>> 0;
  return ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** acc = rotl(acc + input × P2, 31) × P1 */
function round(ah: number, al: number, ih: number, il: number): number {
  let l = mul(ih, il, P2H, P2L);
  let h = hiOut;
  l = add(ah, al, h, l);
  h = hiOut;
  l = rotl(h, l, 31);
  h = hiOut;
  return mul(h, l, P1H, P1L);
}

let scratch = new Uint8Array(256);
const encoder = new TextEncoder();

/** Encodes into the shared scratch buffer and returns the byte length (ASCII copied directly: faster). */
function utf8(value: string): number {
  if (scratch.length < value.length * 3) scratch = new Uint8Array(value.length * 3);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) return encoder.encodeInto(value, scratch).written;
    scratch[i] = c;
  }
  return value.length;
}

function u32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

/** xxHash64 of the UTF-8 bytes of `value` (or raw bytes) with a 64-bit seed. */
export function xxHash64(value: string | Uint8Array, seed = 0n): bigint {
  const lo = xxHash64Words(value, Number((seed >> 32n) & 0xffffffffn), Number(seed & 0xffffffffn));
  return (BigInt(hiOut) << 32n) | BigInt(lo);
}

/**
 * The same hash without bigints, for bulk use (building rings): returns the low 32 bits and stores the
 * high 32 bits in `out[0]` when `out` is given. Seed as high and low words.
 */
export function xxHash64Low(value: string, out?: Uint32Array, seedHigh = 0, seedLow = 0): number {
  const lo = xxHash64Words(value, seedHigh, seedLow);
  if (out) out[0] = hiOut;
  return lo;
}

function xxHash64Words(value: string | Uint8Array, sh: number, sl: number): number {
  let b: Uint8Array;
  let len: number;
  if (typeof value === 'string') {
    len = utf8(value);
    b = scratch;
  } else {
    b = value;
    len = value.length;
  }
  let i = 0;
  let hh: number;
  let hl: number;
  if (len >= 32) {
    let v1l = add(sh, sl, P1H, P1L);
    let v1h = hiOut;
    v1l = add(v1h, v1l, P2H, P2L);
    v1h = hiOut;
    let v2l = add(sh, sl, P2H, P2L);
    let v2h = hiOut;
    let v3l = sl;
    let v3h = sh;
    // seed − P1 = seed + (2^64 − P1)
    let v4l = add(sh, sl, ~P1H >>> 0, ((~P1L >>> 0) + 1) >>> 0);
    let v4h = hiOut;
    for (; i + 32 <= len; i += 32) {
      v1l = round(v1h, v1l, u32(b, i + 4), u32(b, i));
      v1h = hiOut;
      v2l = round(v2h, v2l, u32(b, i + 12), u32(b, i + 8));
      v2h = hiOut;
      v3l = round(v3h, v3l, u32(b, i + 20), u32(b, i + 16));
      v3h = hiOut;
      v4l = round(v4h, v4l, u32(b, i + 28), u32(b, i + 24));
      v4h = hiOut;
    }
    hl = rotl(v1h, v1l, 1);
    hh = hiOut;
    let tl = rotl(v2h, v2l, 7);
    hl = add(hh, hl, hiOut, tl);
    hh = hiOut;
    tl = rotl(v3h, v3l, 12);
    hl = add(hh, hl, hiOut, tl);
    hh = hiOut;
    tl = rotl(v4h, v4l, 18);
    hl = add(hh, hl, hiOut, tl);
    hh = hiOut;
    for (const [vh, vl] of [
      [v1h, v1l],
      [v2h, v2l],
      [v3h, v3l],
      [v4h, v4l],
    ]) {
      // h = (h ^ round(0, v)) × P1 + P4
      tl = round(0, 0, vh, vl);
      hh = (hh ^ hiOut) >>> 0;
      hl = (hl ^ tl) >>> 0;
      hl = mul(hh, hl, P1H, P1L);
      hl = add(hiOut, hl, P4H, P4L);
      hh = hiOut;
    }
  } else {
    hl = add(sh, sl, P5H, P5L);
    hh = hiOut;
  }
  hl = add(hh, hl, Math.floor(len / 0x100000000), len >>> 0);
  hh = hiOut;
  for (; i + 8 <= len; i += 8) {
    const kl = round(0, 0, u32(b, i + 4), u32(b, i));
    hh = (hh ^ hiOut) >>> 0;
    hl = (hl ^ kl) >>> 0;
    hl = rotl(hh, hl, 27);
    hl = mul(hiOut, hl, P1H, P1L);
    hl = add(hiOut, hl, P4H, P4L);
    hh = hiOut;
  }
  if (i + 4 <= len) {
    const kl = mul(0, u32(b, i), P1H, P1L);
    hh = (hh ^ hiOut) >>> 0;
    hl = (hl ^ kl) >>> 0;
    hl = rotl(hh, hl, 23);
    hl = mul(hiOut, hl, P2H, P2L);
    hl = add(hiOut, hl, P3H, P3L);
    hh = hiOut;
    i += 4;
  }
  for (; i < len; i++) {
    const kl = mul(0, b[i], P5H, P5L);
    hh = (hh ^ hiOut) >>> 0;
    hl = (hl ^ kl) >>> 0;
    hl = rotl(hh, hl, 11);
    hl = mul(hiOut, hl, P1H, P1L);
    hh = hiOut;
  }
  // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
  hl = (hl ^ (hh >>> 1)) >>> 0;
  hl = mul(hh, hl, P2H, P2L);
  hh = hiOut;
  hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0;
  hh = (hh ^ (hh >>> 29)) >>> 0;
  hl = mul(hh, hl, P3H, P3L);
  // h ^= h >> 32 leaves the high word (still in hiOut) unchanged.
  return (hl ^ hiOut) >>> 0;
}
