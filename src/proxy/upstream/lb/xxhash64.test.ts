// xxHash64 against the reference library's outputs and against a straightforward bigint implementation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from './test-support.js';
import { xxHash64 } from './xxhash64.js';

// Outputs of the reference C library (libxxhash 0.8.1, XXH64).
const VECTORS: [string, bigint, bigint][] = [
  ['', 0n, 0xef46db3751d8e999n],
  ['a', 0n, 0xd24ec4f1a98c6e5bn],
  ['abc', 0n, 0x44bc2cf5ad770999n],
  ['abc', 1n, 0xbea9ca8199328908n],
  ['10.0.0.1:80_0', 0n, 0x75041381e7371a08n],
  ['user-123', 0n, 0xdc9ac79afcf5aac9n],
  ['ünïcode', 0n, 0xaff510094968e696n],
  ['0123456789abcdef0123456789abcdef', 0n, 0x642a94958e71e6c5n],
  ['hello world, this is more than thirty-two bytes long!', 0n, 0x1ec850103d53c662n],
  ['x'.repeat(100), 7n, 0xae5ad321e4fe6127n],
];

test('matches the reference implementation on known vectors', () => {
  for (const [input, seed, expected] of VECTORS) {
    assert.equal(
      xxHash64(input, seed).toString(16),
      expected.toString(16),
      `${JSON.stringify(input)} seed ${seed}`,
    );
  }
});

const M = (1n << 64n) - 1n;
const Q1 = 0x9e3779b185ebca87n;
const Q2 = 0xc2b2ae3d27d4eb4fn;
const Q3 = 0x165667b19e3779f9n;
const Q4 = 0x85ebca77c2b2ae63n;
const Q5 = 0x27d4eb2f165667c5n;
const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
const rnd = (acc: bigint, input: bigint) => (rotl((acc + input * Q2) & M, 31n) * Q1) & M;

function reference(b: Uint8Array, seed: bigint): bigint {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u64 = (i: number) => view.getBigUint64(i, true);
  let i = 0;
  let h: bigint;
  if (b.length >= 32) {
    let v = [(seed + Q1 + Q2) & M, (seed + Q2) & M, seed, (seed - Q1) & M];
    for (; i + 32 <= b.length; i += 32) v = v.map((x, j) => rnd(x, u64(i + 8 * j)));
    h = (rotl(v[0], 1n) + rotl(v[1], 7n) + rotl(v[2], 12n) + rotl(v[3], 18n)) & M;
    for (const x of v) h = (((h ^ rnd(0n, x)) * Q1) & M) + Q4;
    h &= M;
  } else h = (seed + Q5) & M;
  h = (h + BigInt(b.length)) & M;
  for (; i + 8 <= b.length; i += 8) h = (rotl(h ^ rnd(0n, u64(i)), 27n) * Q1 + Q4) & M;
  if (i + 4 <= b.length) {
    h = (rotl(h ^ ((BigInt(view.getUint32(i, true)) * Q1) & M), 23n) * Q2 + Q3) & M;
    i += 4;
  }
  for (; i < b.length; i++) h = (rotl(h ^ ((BigInt(b[i]) * Q5) & M), 11n) * Q1) & M;
  h ^= h >> 33n;
  h = (h * Q2) & M;
  h ^= h >> 29n;
  h = (h * Q3) & M;
  return h ^ (h >> 32n);
}

test('agrees with a bigint implementation on random inputs of every length up to 100 bytes', () => {
  const random = seededRandom(42);
  for (let len = 0; len <= 100; len++) {
    for (let k = 0; k < 5; k++) {
      const bytes = Uint8Array.from({ length: len }, () => Math.floor(random() * 256));
      const seed = BigInt(Math.floor(random() * 2 ** 32)) << BigInt(k * 8);
      assert.equal(xxHash64(bytes, seed & M), reference(bytes, seed & M), `length ${len}`);
    }
  }
});
