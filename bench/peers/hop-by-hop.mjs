// Header filtering shared by the Node.js peer proxies: drop the hop-by-hop headers (RFC 9110 §7.6.1) that a
// proxy must not forward, so each hop manages its own keep-alive.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
]);

/** A copy of a node:http / undici header object without hop-by-hop headers. */
export function endToEndHeaders(headers) {
  const out = {};
  for (const name of Object.keys(headers)) {
    if (!hopByHop.has(name)) out[name] = headers[name];
  }
  return out;
}

/** `--listen PORT --upstream HOST:PORT` from argv, shared by the peers. */
export function peerArgs(argv) {
  const get = (flag) => {
    const i = argv.indexOf(flag);
    if (i < 0 || i + 1 >= argv.length) throw new Error(`missing ${flag}`);
    return argv[i + 1];
  };
  const [host, port] = get('--upstream').split(':');
  return { listenPort: Number(get('--listen')), upstreamHost: host, upstreamPort: Number(port) };
}
