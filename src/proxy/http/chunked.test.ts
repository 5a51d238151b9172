// Unit tests for the chunked-body scanner: message boundaries across arbitrary splits, payload extraction,
// trailers, and rejection of malformed sizes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkedScanner, SCAN_ERROR, SCAN_MORE } from './chunked.js';

function scanAll(parts: string[]): { end: number; payload: string; consumed: number } {
  const s = new ChunkedScanner();
  let payload = '';
  let consumed = 0;
  const sink = {
    chunkData(b: Buffer, a: number, e: number) {
      payload += b.toString('latin1', a, e);
    },
  };
  for (const p of parts) {
    const buf = Buffer.from(p, 'latin1');
    const r = s.scan(buf, 0, buf.length, sink);
    if (r === SCAN_MORE) {
      consumed += buf.length;
      continue;
    }
    if (r === SCAN_ERROR) return { end: r, payload, consumed };
    return { end: r, payload, consumed: consumed + r };
  }
  return { end: SCAN_MORE, payload, consumed };
}

describe('ChunkedScanner', () => {
  const body = '5\r\nhello\r\nA;ext=1\r\n0123456789\r\n0\r\nX-Trailer: v\r\n\r\n';

  it('finds the end of a chunked body and its payload', () => {
    const r = scanAll([`${body}NEXT`]);
    assert.equal(r.end, body.length);
    assert.equal(r.payload, 'hello0123456789');
  });

  it('gives the same answer however the bytes are split', () => {
    for (let i = 1; i < body.length; i++) {
      const r = scanAll([body.slice(0, i), `${body.slice(i)}GET`]);
      assert.equal(r.consumed, body.length, `split at ${i}`);
      assert.equal(r.payload, 'hello0123456789');
    }
  });

  it('rejects malformed framing', () => {
    for (const bad of [
      'zz\r\n',
      '5\nhello',
      '5\r\nhelloX\r\n',
      '-1\r\n',
      '12345678901\r\n',
      '5 \r\nhello\r\n',
      '\r\n',
    ]) {
      assert.equal(scanAll([bad]).end, SCAN_ERROR, JSON.stringify(bad));
    }
  });
});
