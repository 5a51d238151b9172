// `host:port` text as addresses are written in flags, authorities and xDS names: bracketed IPv6 hosts allowed.

/** Splits `host[:port]`; a name without a port gives port undefined; undefined when it is not one. */
export function splitHostPort(text: string): { host: string; port?: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d+))?$/.exec(text);
  if (!m) return undefined;
  const host = m[1] ?? m[2] ?? '';
  if (host === '') return undefined;
  if (m[3] === undefined) return { host };
  const port = Number(m[3]);
  return port > 0 && port < 65536 ? { host, port } : undefined;
}
