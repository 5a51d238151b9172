// How the running `trellis` starts more of itself (proxies, workloads, the control plane) as child processes.

/** argv prefix that runs this same `trellis` program: node, its flags (e.g. a TypeScript loader), the entry. */
export function selfArgv(): string[] {
  return [process.execPath, ...process.execArgv.filter((a) => !a.startsWith('--inspect')), process.argv[1]];
}
