import http from 'node:http';
import net from 'node:net';
import type { ProxyResources } from '../../src/proxy/config/bootstrap.js';
import type { Cluster } from '../../src/proxy/config/cluster.js';
import type {
  FilterChain,
  HttpConnectionManager,
  Listener,
  TcpProxy,
} from '../../src/proxy/config/listener.js';
import type {
  ForwardAction,
  Route,
  RouteConfiguration,
  RouteMatch,
  VirtualHost,
} from '../../src/proxy/config/route.js';
import { emptyHeaderOps } from '../../src/proxy/config/route.js';
import type { DownstreamTlsContext } from '../../src/proxy/config/tls.js';

export function hcm(
  routes: RouteConfiguration | string,
  over: Partial<HttpConnectionManager> = {},
): HttpConnectionManager {
  return {
    kind: 'http',
    statPrefix: 'ingress',
    codec: 'AUTO',
    routes: typeof routes === 'string' ? { kind: 'rds', name: routes } : { kind: 'inline', config: routes },
    httpFilters: [],
    accessLogs: [],
    useRemoteAddress: false,
    xffNumTrustedHops: 0,
    generateRequestId: true,
    preserveExternalRequestId: false,
    streamIdleTimeoutMs: 300_000,
    requestTimeoutMs: 0,
    requestHeadersTimeoutMs: 10_000,
    idleTimeoutMs: 3_600_000,
    maxConnectionDurationMs: 0,
    maxStreamDurationMs: 0,
    maxRequestHeadersKb: 60,
    headersWithUnderscores: 'ALLOW',
    serverName: 'envoy',
    serverHeaderTransformation: 'OVERWRITE',
    upgrades: [],
    normalizePath: false,
    mergeSlashes: false,
    forwardClientCertDetails: 'SANITIZE_SET',
    stripAnyHostPort: false,
    http2: {
      maxConcurrentStreams: 2147483647,
      initialStreamWindowSize: 268435456,
      initialConnectionWindowSize: 268435456,
    },
    ...over,
  };
}

export function tcpProxy(cluster: string): TcpProxy {
  return {
    kind: 'tcp',
    statPrefix: 'tcp',
    target: { kind: 'cluster', name: cluster },
    idleTimeoutMs: 3_600_000,
    accessLogs: [],
  };
}

export function chain(
  filter: HttpConnectionManager | TcpProxy,
  over: Partial<FilterChain> = {},
): FilterChain {
  return {
    name: 'chain',
    match: { prefixRanges: [], sourcePrefixRanges: [], serverNames: [], applicationProtocols: [] },
    filter,
    ...over,
  };
}

export function listener(name: string, chains: FilterChain[], over: Partial<Listener> = {}): Listener {
  return {
    name,
    address: { host: '127.0.0.1', port: 0 },
    filterChains: chains,
    listenerFilters: [],
    useOriginalDst: false,
    bindToPort: true,
    drainTimeMs: 1000,
    trafficDirection: 'OUTBOUND',
    ...over,
  };
}

export function match(over: Partial<RouteMatch> = {}): RouteMatch {
  return {
    path: { kind: 'prefix', value: '/' },
    caseSensitive: true,
    headers: [],
    queryParameters: [],
    grpc: false,
    ...over,
  };
}

export function forward(cluster: string, over: Partial<ForwardAction> = {}): ForwardAction {
  return {
    kind: 'forward',
    target: { kind: 'cluster', name: cluster },
    autoHostRewrite: false,
    timeoutMs: 15_000,
    mirrors: [],
    hashPolicies: [],
    upgrades: [],
    ...over,
  };
}

export function route(
  name: string,
  action: Route['action'],
  m: Partial<RouteMatch> = {},
  over: Partial<Route> = {},
): Route {
  return { name, match: match(m), action, headers: emptyHeaderOps(), perFilterConfig: {}, ...over };
}

export function vhost(
  name: string,
  domains: string[],
  routes: Route[],
  over: Partial<VirtualHost> = {},
): VirtualHost {
  return { name, domains, routes, headers: emptyHeaderOps(), perFilterConfig: {}, ...over };
}

export function routeConfig(name: string, vhosts: VirtualHost[]): RouteConfiguration {
  return { name, virtualHosts: vhosts, headers: emptyHeaderOps() };
}

export function staticCluster(name: string, ports: number[], over: Partial<Cluster> = {}): Cluster {
  return {
    name,
    type: 'STATIC',
    connectTimeoutMs: 1000,
    lbPolicy: 'ROUND_ROBIN',
    lbConfig: { healthyPanicThreshold: 50, localityWeighted: false },
    loadAssignment: {
      clusterName: name,
      overprovisioningFactor: 140,
      localities: [
        {
          locality: { region: '', zone: '', subZone: '' },
          priority: 0,
          endpoints: ports.map((port) => ({
            address: { host: '127.0.0.1', port },
            healthStatus: 'HEALTHY' as const,
            weight: 1,
            metadata: {},
          })),
        },
      ],
    },
    circuitBreakers: [],
    upstreamProtocol: 'http1',
    idleTimeoutMs: 3_600_000,
    dnsRefreshRateMs: 5000,
    dnsLookupFamily: 'V4_ONLY',
    metadata: {},
    ...over,
  };
}

export function resources(
  listeners: Listener[],
  clusters: Cluster[],
  routes: RouteConfiguration[] = [],
): ProxyResources {
  return {
    listeners: new Map(listeners.map((l) => [l.name, l])),
    clusters: new Map(clusters.map((c) => [c.name, c])),
    routes: new Map(routes.map((r) => [r.name, r])),
    endpoints: new Map(),
  };
}

/** An HTTP/1.1 upstream that echoes what it received as JSON (method, url, headers, body). */
export async function echoUpstream(name = 'up'): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({
        name,
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-upstream', name);
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** A port with nothing listening on it (bound then closed). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP/1.1 request through node:http (a fresh connection unless an agent is given). */
export function request(
  port: number,
  opts: {
    path?: string;
    method?: string;
    headers?: http.OutgoingHttpHeaders;
    body?: string;
    agent?: http.Agent;
  } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: opts.path ?? '/',
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: opts.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Sends raw bytes and collects everything until the server closes (or `untilMs` passes). */
export function rawExchange(port: number, data: string | Buffer, untilMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const t = setTimeout(() => s.destroy(), untilMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    s.on('error', () => {});
    s.write(data);
  });
}

export function closeServer(s: net.Server): Promise<void> {
  return new Promise((r) => {
    s.close(() => r());
    (s as http.Server).closeAllConnections?.();
  });
}

/** A DownstreamTlsContext with an inline certificate. */
export function inlineTls(c: { cert: string; key: string }, alpn: string[] = []): DownstreamTlsContext {
  return {
    common: {
      certificates: [{ kind: 'inline', certificateChain: c.cert, privateKey: c.key }],
      alpnProtocols: alpn,
    },
    requireClientCertificate: false,
  };
}
