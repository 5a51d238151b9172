// Preloaded into Node apps by `trellis run` (NODE_OPTIONS=--import): makes `fetch`, `http.request` and
// `http.get` send plain-HTTP calls through the sidecar named by HTTP_PROXY, so apps need no mesh code.
// HTTPS and NO_PROXY destinations are left alone.
import http from 'node:http';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { Dispatcher } from 'undici';

// A Node app started by `trellis run`/`up` stops (SIGTERM, so its own handlers run) if its supervisor dies.
if (process.env.TRELLIS_EXIT_WITH_PARENT === '1') {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
  }, 1000).unref();
}

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
  // fetch: absolute-form requests to the proxy (no CONNECT tunnel for http:// targets). undici costs ~16–22 MB
  // of RSS, so it loads on the first fetch; Node's built-in fetch reads its dispatcher from these global symbols
  // (the same ones undici's setGlobalDispatcher writes).
  const require = createRequire(import.meta.url);
  let undici: typeof import('undici') | undefined;
  let viaProxy: Dispatcher | undefined;
  let direct: Dispatcher | undefined;
  /** The sidecar for plain-HTTP service calls; a direct agent for HTTPS and NO_PROXY hosts. */
  const pick = (origin: unknown): Dispatcher => {
    undici ??= require('undici') as typeof import('undici');
    const url = new URL(String(origin));
    if (url.protocol !== 'http:' || bypass(url.hostname)) {
      direct ??= new undici.Agent();
      return direct;
    }
    viaProxy ??= new undici.ProxyAgent({ uri: proxy.href, proxyTunnel: false });
    return viaProxy;
  };
  const all = () => [viaProxy, direct].filter((d): d is Dispatcher => d !== undefined);
  const lazy = {
    dispatch: (...args: Parameters<Dispatcher['dispatch']>) => pick(args[0].origin).dispatch(...args),
    close: () => Promise.all(all().map((d) => d.close())),
    destroy: () => Promise.all(all().map((d) => d.destroy())),
  };
  for (const version of [1, 2]) {
    Object.defineProperty(globalThis, Symbol.for(`undici.globalDispatcher.${version}`), {
      value: lazy,
      writable: true,
      enumerable: false,
      configurable: false,
    });
  }

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
  // ESM named imports (`import { get } from 'node:http'`) are bindings of their own: point them at the patch.
  syncBuiltinESMExports();
}
