// V8 heap flags that `trellis proxy` sets on its own process at start, before its modules load, to keep a
// sidecar's resident memory small; TRELLIS_PROXY_V8_FLAGS replaces them ("" sets none).
import { setFlagsFromString } from 'node:v8';

/**
 * The young generation starts at 1 MB per semi-space and by default doubles (up to 16 MB, so 32 MB of
 * new space plus the copy reserve) whenever a scavenge finds many survivors. Loading the Envoy descriptors
 * does exactly that once at start-up, and V8 never gives the pages back: ~30 MB of RSS for the process's
 * life. Growth factor 1 keeps the semi-space at its initial size. Measured (2 vCPU, Node 20): idle RSS
 * −30 MB; a proxy's per-request garbage dies young, so the extra scavenges cost no measurable req/s
 * (bench CPU s per 1000 req within its noise).
 */
export const DEFAULT_PROXY_V8_FLAGS = ['--semi-space-growth-factor=1'];

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

/** Flags for once the proxy serves (none by default: the start-up ones stay); TRELLIS_PROXY_V8_FLAGS_SERVING. */
export function applyServingHeapFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  return setFlags(env.TRELLIS_PROXY_V8_FLAGS_SERVING, []);
}
