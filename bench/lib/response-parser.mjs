// A minimal HTTP/1.1 response reader for the open-loop generator: finds each response's end (Content-Length,
// chunked, or no body for 1xx/204/304) so a keep-alive connection can be reused. Not a validating parser.
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

export class ResponseParser {
  constructor() {
    this.buffer = Buffer.alloc(0);
    this.head = null; // { status, close, length, chunked } while a body is being read
    this.remaining = 0; // Content-Length bytes still expected
  }

  /** Feeds bytes; returns the responses completed by them (normally zero or one). Throws on garbage. */
  push(chunk) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const done = [];
    for (;;) {
      if (this.head === null) {
        const end = this.buffer.indexOf(HEAD_END);
        if (end < 0) {
          if (this.buffer.length > 65536) throw new Error('response head too large');
          return done;
        }
        this.head = parseHead(this.buffer.subarray(0, end).toString('latin1'));
        this.buffer = this.buffer.subarray(end + 4);
        this.remaining = this.head.length;
      }
      const complete = this.head.chunked ? this.consumeChunked() : this.consumeLength();
      if (!complete) return done;
      done.push(this.head);
      this.head = null;
    }
  }

  consumeLength() {
    const take = Math.min(this.remaining, this.buffer.length);
    this.remaining -= take;
    this.buffer = this.buffer.subarray(take);
    return this.remaining === 0;
  }

  /** Skips whole chunks; true once the last chunk and the (empty) trailer section are in. */
  consumeChunked() {
    for (;;) {
      const lineEnd = this.buffer.indexOf(CRLF);
      if (lineEnd < 0) return false;
      const size = Number.parseInt(this.buffer.subarray(0, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size');
      if (size === 0) {
        // Trailer section: header lines, then an empty line.
        const trailerEnd = this.buffer.indexOf(CRLF, lineEnd + 2);
        if (trailerEnd < 0) return false;
        if (trailerEnd === lineEnd + 2) {
          this.buffer = this.buffer.subarray(trailerEnd + 2);
          return true;
        }
        const fullEnd = this.buffer.indexOf(HEAD_END, lineEnd);
        if (fullEnd < 0) return false;
        this.buffer = this.buffer.subarray(fullEnd + 4);
        return true;
      }
      const chunkEnd = lineEnd + 2 + size + 2;
      if (this.buffer.length < chunkEnd) return false;
      this.buffer = this.buffer.subarray(chunkEnd);
    }
  }
}

function parseHead(text) {
  const lines = text.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!match) throw new Error(`bad status line: ${lines[0].slice(0, 80)}`);
  const status = Number(match[1]);
  let length = 0;
  let chunked = false;
  let close = lines[0].startsWith('HTTP/1.0');
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    const name = lines[i].slice(0, colon).trim().toLowerCase();
    const value = lines[i]
      .slice(colon + 1)
      .trim()
      .toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.includes('chunked');
    else if (name === 'connection') close = value.includes('close');
  }
  const noBody = status < 200 || status === 204 || status === 304;
  return { status, close, length: noBody ? 0 : length, chunked: noBody ? false : chunked };
}
