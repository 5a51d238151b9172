// How the running `trellis` starts more of itself (proxies, workloads, the control plane) as child processes.

/** argv prefix that runs this same `trellis` program: node, its flags (e.g. a TypeScript loader), the entry. */
export function selfArgv(): string[] {
  return [process.execPath, ...process.execArgv.filter((a) => !a.startsWith('--inspect')), process.argv[1]];
}

/**
 * Node.js flags every proxy runs with. A proxy's garbage is per request and short-lived, so V8's young
 * generation is capped at 2 MB per semi-space (V8's default lets it grow to 16 MB, three of which are
 * resident): under load the proxy's RSS stays within ~6 MB of idle instead of growing by 15–30 MB, for a
 * scavenge every ~0.1 s at 10 k req/s (each ~0.3 ms).
 */
export const PROXY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/** argv that runs `trellis proxy` (append its options): node, the proxy's flags, this program's flags, entry. */
export function proxyArgv(): string[] {
  const [node, ...rest] = selfArgv();
  return [node, ...PROXY_NODE_FLAGS, ...rest, 'proxy'];
}
