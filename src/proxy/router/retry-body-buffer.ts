// The copy of a request body kept so a retry can replay it: chunks are held until the buffer limit, then
// dropped for good (Envoy's retry_or_shadow_abandoned) and the request is no longer retried.

/** Envoy's default buffer limit per request when none is configured (the connection's), bytes. */
export const DEFAULT_RETRY_BUFFER_LIMIT_BYTES = 1024 * 1024;

export class RetryBodyBuffer {
  readonly #chunks: Buffer[] = [];
  #bytes = 0;
  #abandoned = false;
  /** The downstream body has ended (a replay can send it whole, with its end). */
  complete = false;

  constructor(
    readonly limitBytes: number = DEFAULT_RETRY_BUFFER_LIMIT_BYTES,
    /** Called once, when the body first outgrows the limit (count retry_or_shadow_abandoned there). */
    private readonly onAbandon?: () => void,
  ) {}

  /** Keeps a copy of a body chunk (the caller may reuse `buf` afterwards). Returns false once abandoned. */
  append(buf: Buffer, start = 0, end = buf.length): boolean {
    if (this.#abandoned) return false;
    const n = end - start;
    if (this.#bytes + n > this.limitBytes) {
      this.#abandoned = true;
      this.#chunks.length = 0;
      this.#bytes = 0;
      this.onAbandon?.();
      return false;
    }
    this.#chunks.push(Buffer.from(buf.subarray(start, end)));
    this.#bytes += n;
    return true;
  }

  end(): void {
    this.complete = true;
  }

  /** Whether every body byte seen so far is still held (the request may be replayed). */
  get buffered(): boolean {
    return !this.#abandoned;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The chunks to replay, in order. */
  chunks(): readonly Buffer[] {
    return this.#chunks;
  }
}
