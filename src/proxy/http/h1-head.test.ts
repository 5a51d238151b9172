// Unit tests for the strict HTTP/1.x head parser: framing decisions and every rejection that guards against
// request smuggling.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyMode, findHeadEnd, newHead, parseRequestHead, parseResponseHead } from './h1-head.js';

function req(text: string) {
  const buf = Buffer.from(text, 'latin1');
  const end = findHeadEnd(buf, 0);
  const h = newHead();
  const err = end < 0 ? `end:${end}` : parseRequestHead(buf, end, h, 100);
  return { err, h, end };
}

describe('parseRequestHead', () => {
  it('parses method, target, version and lower-cased headers', () => {
    const { err, h } = req('GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Thing:  v  \r\n\r\n');
    assert.equal(err, '');
    assert.equal(h.method, 'GET');
    assert.equal(h.target, '/a?b=1');
    assert.equal(h.versionMinor, 1);
    assert.deepEqual(h.headers, ['host', 'x', 'x-thing', 'v']);
    assert.equal(h.bodyMode, BodyMode.None);
    assert.equal(h.close, false);
  });

  it('lower-cases common names in any case and leaves near-misses to the general path', () => {
    const { err, h } = req(
      'GET / HTTP/1.1\r\nHOST: a\r\nuSeR-aGeNt: b\r\nContent_Length: c\r\nX-Request-Ie: d\r\n' +
        'x-forwarded-for: e\r\nCONTENT-LENGTH: 0\r\n\r\n',
    );
    assert.equal(err, '');
    assert.deepEqual(h.headers, [
      'host',
      'a',
      'user-agent',
      'b',
      'content_length',
      'c',
      'x-request-ie',
      'd',
      'x-forwarded-for',
      'e',
      'content-length',
      '0',
    ]);
    assert.equal(h.contentLength, 0, 'an upper-case Content-Length still frames the body');
  });

  it('decides body framing', () => {
    assert.equal(req('POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n').h.bodyMode, BodyMode.Length);
    assert.equal(req('POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n').h.bodyMode, BodyMode.Chunked);
    assert.equal(req('POST / HTTP/1.1\r\ncontent-length: 0\r\n\r\n').h.bodyMode, BodyMode.None);
  });

  it('tracks connection close, keep-alive on 1.0, upgrades and expect', () => {
    assert.equal(req('GET / HTTP/1.0\r\n\r\n').h.close, true);
    assert.equal(req('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n').h.close, false);
    assert.equal(req('GET / HTTP/1.1\r\nConnection: close\r\n\r\n').h.close, true);
    assert.equal(
      req('GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n\r\n').h.upgrade,
      'websocket',
    );
    assert.equal(req('GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n').h.upgrade, '');
    assert.equal(req('POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n').h.expectContinue, true);
  });

  it('rejects ambiguous or malformed heads', () => {
    const cases: [string, string][] = [
      ['GET / HTTP/1.1\r\nBad Name: x\r\n\r\n', 'http1.invalid_header_name'],
      ['GET / HTTP/1.1\r\n: x\r\n\r\n', 'http1.invalid_header_name'],
      ['GET / HTTP/1.1\r\nX : x\r\n\r\n', 'http1.invalid_header_name'],
      ['GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n', 'http1.invalid_header_value'],
      ['GET / HTTP/1.1\r\nX: a\x7fb\r\n\r\n', 'http1.invalid_header_value'],
      ['GET / HTTP/1.1\r\nX: a\nY: b\r\n\r\n', 'http1.invalid_header_value'],
      ['GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n', 'http1.invalid_obs_fold'],
      ['POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n', 'http1.content_length_duplicate'],
      ['POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 'http1.content_length_invalid'],
      [
        'POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
        'http1.content_length_and_chunked_not_allowed',
      ],
      ['POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 'http1.invalid_transfer_encoding'],
      ['POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 'http1.invalid_transfer_encoding'],
      ['G(T / HTTP/1.1\r\n\r\n', 'http1.invalid_method'],
      ['GET /a b HTTP/1.1\r\n\r\n', 'http1.codec_error'],
      ['GET / HTTP/2.0\r\n\r\n', 'http1.codec_error'],
      ['GET /\x01 HTTP/1.1\r\n\r\n', 'http1.invalid_url'],
    ];
    for (const [text, want] of cases) assert.equal(req(text).err, want, JSON.stringify(text));
  });

  it('finds the end of a head across calls and flags bare-LF blank lines', () => {
    const buf = Buffer.from('GET / HTTP/1.1\r\nA: b\r\n\r\nrest');
    assert.equal(findHeadEnd(buf, 20), 24);
    assert.equal(findHeadEnd(Buffer.from('GET / HTTP/1.1\r\nA: b\r\n'), 0), -1);
    assert.equal(findHeadEnd(Buffer.from('GET / HTTP/1.1\n\n'), 0), -2);
  });

  it('limits the header count', () => {
    const many = `GET / HTTP/1.1\r\n${'a: b\r\n'.repeat(101)}\r\n`;
    assert.equal(req(many).err, 'http1.too_many_headers');
  });
});

describe('parseResponseHead', () => {
  function res(text: string, method = 'GET') {
    const buf = Buffer.from(text, 'latin1');
    const h = newHead();
    const err = parseResponseHead(buf, findHeadEnd(buf, 0), h, method);
    return { err, h };
  }
  it('parses status and framing, with no body for HEAD, 204 and 304', () => {
    assert.equal(res('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n').h.bodyMode, BodyMode.Length);
    assert.equal(res('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n', 'HEAD').h.bodyMode, BodyMode.None);
    assert.equal(res('HTTP/1.1 204 No Content\r\n\r\n').h.bodyMode, BodyMode.None);
    const r = res('HTTP/1.1 200 OK\r\n\r\n');
    assert.equal(r.h.bodyMode, BodyMode.UntilClose);
    assert.equal(r.h.close, true);
    assert.equal(res('HTTP/1.1 404\r\n\r\n').h.status, 404);
    assert.equal(res('HTTP/1.1 99 X\r\n\r\n').err, 'protocol_error');
    assert.equal(res('HTTP/1.1 200 OK\r\nA: 1\r\nA B: 2\r\n\r\n').err, 'protocol_error');
  });
});
