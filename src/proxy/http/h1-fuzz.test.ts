// Fuzz tests (seeded, deterministic): mutated request heads and chunked bodies never make the parser or
// the scanner throw, and anything accepted has unambiguous framing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkedScanner, SCAN_ERROR } from './chunked.js';
import { BodyMode, findHeadEnd, newHead, parseRequestHead } from './h1-head.js';

/** Mulberry32: a tiny seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = [
  'GET /a?b=c HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
  'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
];
const INTERESTING = [
  '\r',
  '\n',
  '\r\n',
  ' ',
  '\t',
  ':',
  '\x00',
  '\x7f',
  '\xff',
  'chunked',
  'Content-Length: 1',
  ',',
  '0',
];

function mutate(s: string, r: () => number): string {
  let out = s;
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(r() * (out.length + 1));
    const k = r();
    if (k < 0.3) out = out.slice(0, pos) + out.slice(pos + 1);
    else if (k < 0.6)
      out = out.slice(0, pos) + INTERESTING[Math.floor(r() * INTERESTING.length)] + out.slice(pos);
    else if (k < 0.8)
      out = out.slice(0, pos) + String.fromCharCode(Math.floor(r() * 256)) + out.slice(pos + 1);
    else out = out.slice(0, pos) + out.slice(pos, pos + 8) + out.slice(pos);
  }
  return out;
}

describe('HTTP/1.1 codec fuzz', () => {
  it('parses 20 000 mutated heads without throwing; accepted ones have one framing', () => {
    const r = prng(12345);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = mutate(SEEDS[i % SEEDS.length], r);
      const buf = Buffer.from(text, 'latin1');
      const end = findHeadEnd(buf, 0);
      if (end < 0) continue;
      const h = newHead();
      const err = parseRequestHead(buf, end, h, 100);
      if (err !== '') continue;
      accepted++;
      const names = h.headers.filter((_, j) => j % 2 === 0);
      const cl = names.filter((n) => n === 'content-length').length;
      const te = names.filter((n) => n === 'transfer-encoding').length;
      assert.ok(cl + te <= 1, `ambiguous framing accepted: ${JSON.stringify(text)}`);
      if (h.bodyMode === BodyMode.Chunked) assert.equal(te, 1);
      for (const n of names) assert.match(n, /^[!#$%&'*+\-.^_`|~0-9a-z]+$/);
      for (let j = 1; j < h.headers.length; j += 2)
        assert.doesNotMatch(h.headers[j], /[\x00-\x08\x0a-\x1f\x7f]/);
    }
    assert.ok(
      accepted > 1000,
      `only ${accepted} mutations accepted; the fuzzer is not exercising the happy path`,
    );
  });

  it('scans random and mutated chunked bodies without throwing', () => {
    const r = prng(99);
    const valid = '4\r\nwiki\r\n5;x=y\r\npedia\r\n0\r\nT: v\r\n\r\n';
    for (let i = 0; i < 20_000; i++) {
      const text =
        i % 2 === 0
          ? mutate(valid, r)
          : Array.from({ length: 20 }, () => String.fromCharCode(Math.floor(r() * 256))).join('');
      const buf = Buffer.from(text, 'latin1');
      const s = new ChunkedScanner();
      let pos = 0;
      while (pos < buf.length) {
        const step = 1 + Math.floor(r() * 8);
        const res = s.scan(buf, pos, Math.min(buf.length, pos + step), null);
        if (res === SCAN_ERROR || res >= 0) break;
        pos += step;
      }
    }
  });
});
