// Preloaded into Node apps by `trellis run` (NODE_OPTIONS=--import): makes `fetch`, `http.request` and
// `http.get` send plain-HTTP calls through the sidecar named by HTTP_PROXY, so apps need no mesh code.
// HTTPS and NO_PROXY destinations are left alone.
import http from 'node:http';
import { ProxyAgent, setGlobalDispatcher } from 'undici';

const proxyUrl = process.env.HTTP_PROXY ?? process.env.http_proxy;
const noProxy = (process.env.NO_PROXY ?? process.env.no_proxy ?? '')
  .split(',')
  .map((s) => s.trim().toLowerCase())
  .filter(Boolean);

function bypass(host: string): boolean {
  const h = host.toLowerCase();
  return noProxy.some(
    (n) => n === '*' || h === n || (n.startsWith('.') ? h.endsWith(n) : h.endsWith(`.${n}`)),
  );
}

if (proxyUrl) {
  const proxy = new URL(proxyUrl);
  // fetch: absolute-form requests to the proxy (no CONNECT tunnel for http:// targets).
  setGlobalDispatcher(new ProxyAgent({ uri: proxy.href, proxyTunnel: false }));

  type RequestFn = typeof http.request;
  const original: RequestFn = http.request;
  const proxied = ((...args: unknown[]) => {
    let url: URL | undefined;
    let options: http.RequestOptions = {};
    let rest = args;
    if (typeof args[0] === 'string' || args[0] instanceof URL) {
      url = new URL(String(args[0]));
      rest = args.slice(1);
    }
    if (rest[0] && typeof rest[0] === 'object') {
      options = { ...(rest[0] as http.RequestOptions) };
      rest = rest.slice(1);
    }
    const host = url?.hostname ?? options.hostname ?? options.host?.split(':')[0] ?? 'localhost';
    const port = Number(url?.port || options.port || 80);
    const path = url ? `${url.pathname}${url.search}` : (options.path ?? '/');
    const protocol = url?.protocol ?? options.protocol ?? 'http:';
    if (protocol !== 'http:' || bypass(host) || options.socketPath) {
      return (original as (...a: unknown[]) => http.ClientRequest)(...args);
    }
    const authority = port === 80 ? host : `${host}:${port}`;
    const headers = { ...(options.headers as Record<string, string> | undefined), host: authority };
    const viaProxy: http.RequestOptions = {
      ...options,
      protocol: 'http:',
      hostname: proxy.hostname,
      host: proxy.hostname,
      port: Number(proxy.port || 80),
      path: `http://${authority}${path}`,
      headers,
    };
    return (original as (...a: unknown[]) => http.ClientRequest)(viaProxy, ...rest);
  }) as RequestFn;
  http.request = proxied;
  http.get = ((...args: Parameters<RequestFn>) => {
    const req = proxied(...args);
    req.end();
    return req;
  }) as typeof http.get;
}
