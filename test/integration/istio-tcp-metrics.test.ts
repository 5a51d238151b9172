// Istio's TCP metrics through two real proxies: a client proxy (outbound) carries plain TCP over mutual TLS
// with SPIFFE certificates to a server proxy (inbound) in front of an echo app, both with the istio.stats
// network filter before tcp_proxy. Bytes each way, connections opened and closed, the principals of both
// ends, mutual_tls on the server side, and UF for a server whose identity is refused.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CertificateAuthority } from '../../src/controlplane/ca/authority.js';
import { issueWorkload } from '../../src/controlplane/ca/ca-fixtures.test-util.js';
import type { TcpProxy } from '../../src/proxy/config/listener.js';
import { istioMetricsOf } from '../../src/proxy/filters/http/istio-stats/registry.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { type ParsedSample, parseExposition } from '../../src/proxy/stats/exposition-check.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import { chain, listener, resources, staticCluster, tcpProxy } from './proxy-support.js';
import { clientMtls, echoOnEndApp, serverMtls } from './tcp-mtls-support.js';

const SERVER_ID = 'spiffe://cluster.local/ns/shop/sa/reviews';
const CLIENT_ID = 'spiffe://cluster.local/ns/default/sa/productpage';

function withStats(tp: TcpProxy): TcpProxy {
  return {
    ...tp,
    networkFilters: [
      {
        name: 'istio.stats',
        typeName: 'stats.PluginConfig',
        config: { '@type': 'type.googleapis.com/stats.PluginConfig' },
      },
    ],
  };
}

/** Sends `data`, half-closes, and resolves with everything read until the other side closes. */
function exchange(port: number, data: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(data));
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      got += d;
    });
    s.on('error', () => {});
    s.on('close', () => resolve(got));
    s.setTimeout(5000, () => s.destroy());
  });
}

function tcpSamples(store: StatsStore): ParsedSample[] {
  return parseExposition(istioMetricsOf(store).render()).samples;
}

describe('Istio TCP metrics over mutual TLS', () => {
  let app: net.Server;
  let server: ProxyServer;
  let client: ProxyServer;
  const serverStats = new StatsStore();
  const clientStats = new StatsStore();

  before(async () => {
    app = await echoOnEndApp();
    const ca = await CertificateAuthority.selfSigned();
    const roots = ca.trustBundlePem().join('');
    const serverCert = await issueWorkload(ca, 'shop', 'reviews');
    const clientCert = await issueWorkload(ca, 'default', 'productpage');
    const downstream = serverMtls(serverCert, roots);
    server = new ProxyServer({
      stats: serverStats,
      localNode: {
        id: 'sidecar~127.0.0.1~reviews-1.shop~shop.svc.cluster.local',
        metadata: {
          NAMESPACE: 'shop',
          WORKLOAD_NAME: 'reviews-v1',
          LABELS: { app: 'reviews', version: 'v1' },
        },
      },
    });
    server.apply(
      resources(
        [
          listener(
            'in',
            [
              chain(withStats({ ...tcpProxy('inbound|9080||'), statPrefix: 'inbound|9080||' }), {
                tls: downstream,
              }),
            ],
            {
              trafficDirection: 'INBOUND',
            },
          ),
        ],
        [staticCluster('inbound|9080||', [(app.address() as net.AddressInfo).port])],
      ),
    );
    await server.ready();
    const serverPort = server.listenerPort('in')!;
    const upstream = (expected: string) => clientMtls(clientCert, roots, expected);
    client = new ProxyServer({
      stats: clientStats,
      localNode: {
        id: 'sidecar~127.0.0.1~productpage-1.default~default.svc.cluster.local',
        metadata: { NAMESPACE: 'default', WORKLOAD_NAME: 'productpage-v1', LABELS: { app: 'productpage' } },
      },
    });
    const reviews = 'outbound|9080||reviews.shop.svc.cluster.local';
    client.apply(
      resources(
        [
          listener('out', [chain(withStats(tcpProxy(reviews)))]),
          listener('out-wrong-id', [
            chain(withStats(tcpProxy('outbound|9080||impostor.shop.svc.cluster.local'))),
          ]),
        ],
        [
          staticCluster(reviews, [serverPort], { tls: upstream(SERVER_ID) }),
          staticCluster('outbound|9080||impostor.shop.svc.cluster.local', [serverPort], {
            tls: upstream('spiffe://cluster.local/ns/shop/sa/other'),
          }),
        ],
      ),
    );
    await client.ready();
  });

  after(async () => {
    await client.close();
    await server.close();
    await new Promise<void>((r) => app.close(() => r()));
  });

  it('counts bytes and connections on both sides with both identities', async () => {
    assert.equal(await exchange(client.listenerPort('out')!, 'hello'), 'echo:hello');
    let c: ParsedSample[] = [];
    let s: ParsedSample[] = [];
    for (let i = 0; i < 50; i++) {
      c = tcpSamples(clientStats);
      s = tcpSamples(serverStats);
      if (
        c.some((x) => x.name === 'istio_tcp_connections_closed_total') &&
        s.some((x) => x.name === 'istio_tcp_connections_closed_total')
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const value = (all: ParsedSample[], name: string) => all.find((x) => x.name === name);
    const sent = value(c, 'istio_tcp_sent_bytes_total');
    assert.equal(sent?.value, 10, 'echo:hello back to the client');
    assert.equal(value(c, 'istio_tcp_received_bytes_total')?.value, 5);
    assert.equal(value(c, 'istio_tcp_connections_opened_total')?.value, 1);
    assert.equal(value(c, 'istio_tcp_connections_closed_total')?.value, 1);
    assert.deepEqual(
      [sent?.labels.reporter, sent?.labels.source_principal, sent?.labels.destination_principal],
      ['source', CLIENT_ID, SERVER_ID],
    );
    assert.equal(sent?.labels.destination_service, 'reviews.shop.svc.cluster.local');
    assert.equal(sent?.labels.destination_workload_namespace, 'shop', 'from the server certificate');
    assert.equal(sent?.labels.source_workload, 'productpage-v1');
    assert.equal(sent?.labels.request_protocol, 'tcp');
    assert.equal(sent?.labels.response_flags, '-');
    const inbound = value(s, 'istio_tcp_received_bytes_total');
    assert.equal(inbound?.value, 5);
    assert.deepEqual(
      [inbound?.labels.reporter, inbound?.labels.source_principal, inbound?.labels.destination_principal],
      ['destination', CLIENT_ID, SERVER_ID],
    );
    assert.equal(inbound?.labels.connection_security_policy, 'mutual_tls');
    assert.equal(inbound?.labels.source_workload_namespace, 'default');
    assert.equal(inbound?.labels.destination_workload, 'reviews-v1');
  });

  it('a refused server identity: the connection is opened and closed with UF', async () => {
    assert.equal(await exchange(client.listenerPort('out-wrong-id')!, 'secret'), '');
    let uf: ParsedSample | undefined;
    for (let i = 0; i < 50 && uf === undefined; i++) {
      uf = tcpSamples(clientStats).find(
        (x) => x.name === 'istio_tcp_connections_closed_total' && x.labels.response_flags === 'UF',
      );
      if (uf === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(uf?.value, 1);
    assert.equal(uf?.labels.destination_service, 'impostor.shop.svc.cluster.local');
  });
});
