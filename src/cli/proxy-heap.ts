// V8 heap flags that `trellis proxy` sets on its own process at start, before its modules load, to keep a
// sidecar's resident memory small; TRELLIS_PROXY_V8_FLAGS replaces them ("" sets none).
import { setFlagsFromString } from 'node:v8';

/**
 * The young generation starts at 1 MB per semi-space and by default doubles (up to 16 MB, so 32 MB of
 * new space) whenever a scavenge finds many survivors. Loading the Envoy descriptors does exactly that
 * once at start-up, and V8 never gives the pages back: ~28 MB of RSS for the process's life. Growth
 * factor 1 keeps the semi-spaces at their initial size while the proxy starts.
 */
export const DEFAULT_PROXY_V8_FLAGS = ['--semi-space-growth-factor=1'];

/**
 * V8's default growth again once the proxy is live. Kept at 1 under load, the 1 MB semi-spaces cost ~12x
 * the scavenges (~330 vs ~60 ms of GC per 5 s at ~5 k req/s) and ~20 % of req/s; with the default back,
 * the young generation grows only as far as the traffic needs (loaded RSS ~80 MB instead of ~107 MB, req/s
 * and CPU per request unchanged within the noise).
 */
export const DEFAULT_SERVING_V8_FLAGS = ['--semi-space-growth-factor=2'];

function setFlags(value: string | undefined, defaults: string[]): string[] {
  const flags = value !== undefined ? value.split(/\s+/).filter(Boolean) : defaults;
  for (const f of flags) setFlagsFromString(f);
  return flags;
}

/**
 * Sets the flags. Only flags that V8 reads afresh at each GC may be set this late: the growth factor is one;
 * flags fixed when the isolate starts are not (e.g. --single-threaded-gc at run time aborts V8 in its next
 * major GC; --max-semi-space-size is silently ignored) — pass those with node's own command line instead.
 */
export function applyProxyHeapFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  return setFlags(env.TRELLIS_PROXY_V8_FLAGS, DEFAULT_PROXY_V8_FLAGS);
}

/** Flags for once the proxy is live (its first config applied); TRELLIS_PROXY_V8_FLAGS_SERVING replaces them. */
export function applyServingHeapFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  return setFlags(env.TRELLIS_PROXY_V8_FLAGS_SERVING, DEFAULT_SERVING_V8_FLAGS);
}
