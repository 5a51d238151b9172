// Incremental scanner for chunked transfer coding: finds where a chunked body ends without copying or
// re-encoding it (bytes are forwarded as received), optionally handing out the payload slices when the other
// side needs a de-chunked stream (HTTP/2). Malformed sizes or framing are reported, never guessed at.

/** Receives payload slices when de-chunking. */
export interface ChunkDataSink {
  chunkData(buf: Buffer, start: number, end: number): void;
}

enum S {
  Size = 0,
  SizeDigits = 1,
  Ext = 2,
  SizeLf = 3,
  Data = 4,
  DataCr = 5,
  DataLf = 6,
  TrailerStart = 7,
  TrailerLine = 8,
  TrailerLf = 9,
  FinalLf = 10,
  Done = 11,
}

/** Result of a scan: bytes consumed within the message, and whether it ended or failed. */
export const SCAN_MORE = -1;
export const SCAN_ERROR = -2;

const HEXVAL = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEXVAL[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEXVAL[0x41 + i] = 10 + i;
  HEXVAL[0x61 + i] = 10 + i;
}

/** Largest chunk size accepted: 2^40 bytes (10 hex digits) keeps arithmetic exact. */
const MAX_SIZE_DIGITS = 10;

export class ChunkedScanner {
  private state = S.Size;
  private remaining = 0;
  private digits = 0;
  /** Payload bytes seen so far (the message body length, excluding framing). */
  payloadBytes = 0;

  reset(): void {
    this.state = S.Size;
    this.remaining = 0;
    this.digits = 0;
    this.payloadBytes = 0;
  }

  /**
   * Scans `buf[start..end)`. Returns the index just past the body's last byte when the body ends inside
   * this range, SCAN_MORE when all bytes belong to the body and more are needed, SCAN_ERROR on bad framing.
   */
  scan(buf: Buffer, start: number, end: number, sink: ChunkDataSink | null): number {
    let i = start;
    let state = this.state;
    while (i < end) {
      if (state === S.Data) {
        const n = Math.min(this.remaining, end - i);
        if (sink !== null) sink.chunkData(buf, i, i + n);
        this.remaining -= n;
        this.payloadBytes += n;
        i += n;
        if (this.remaining === 0) state = S.DataCr;
        continue;
      }
      const c = buf[i++];
      switch (state) {
        case S.Size:
        case S.SizeDigits: {
          const v = HEXVAL[c];
          if (v >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) return this.fail();
            this.remaining = this.remaining * 16 + v;
            state = S.SizeDigits;
          } else if (state === S.SizeDigits && c === 0x3b) state = S.Ext;
          else if (state === S.SizeDigits && c === 0x0d) state = S.SizeLf;
          else return this.fail();
          break;
        }
        case S.Ext:
          if (c === 0x0d) state = S.SizeLf;
          else if ((c < 0x20 && c !== 0x09) || c === 0x7f || c === 0x0a) return this.fail();
          break;
        case S.SizeLf:
          if (c !== 0x0a) return this.fail();
          this.digits = 0;
          state = this.remaining === 0 ? S.TrailerStart : S.Data;
          break;
        case S.DataCr:
          if (c !== 0x0d) return this.fail();
          state = S.DataLf;
          break;
        case S.DataLf:
          if (c !== 0x0a) return this.fail();
          state = S.Size;
          break;
        case S.TrailerStart:
          if (c === 0x0d) state = S.FinalLf;
          else if (c === 0x0a) return this.fail();
          else state = S.TrailerLine;
          break;
        case S.TrailerLine:
          if (c === 0x0d) state = S.TrailerLf;
          else if (c === 0x0a || (c < 0x20 && c !== 0x09) || c === 0x7f) return this.fail();
          break;
        case S.TrailerLf:
          if (c !== 0x0a) return this.fail();
          state = S.TrailerStart;
          break;
        case S.FinalLf:
          if (c !== 0x0a) return this.fail();
          this.state = S.Done;
          return i;
        default:
          return this.fail();
      }
    }
    this.state = state;
    return SCAN_MORE;
  }

  private fail(): number {
    this.state = S.Done;
    return SCAN_ERROR;
  }
}

/** Encodes one payload buffer as a chunk (for bodies whose length is unknown when forwarding to HTTP/1.1). */
export function chunkHeader(length: number): string {
  return length.toString(16) + '\r\n';
}
