// The TCP side of Istio's metrics on a virtual clock: opened when the upstream connects, byte deltas every
// reporting period and at close, closed at close; a connection that never connected is opened and closed
// at once with its flags; identities come from TLS sockets (plain sockets report unknown).
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { VirtualClock } from '../../../../common/clock.js';
import type { Cluster } from '../../../config/cluster.js';
import { parseExposition } from '../../../stats/exposition-check.js';
import { StatsStore } from '../../../stats/store.js';
import { localPeerOf } from '../peer-metadata/peer-metadata.js';
import { istioMetricsOf } from './registry.js';
import { IstioTcpStats, socketUriSans } from './tcp-stats.js';

const LOCAL = localPeerOf({
  id: 'sidecar~127.0.0.1~db-1.data~data.svc.cluster.local',
  metadata: { NAMESPACE: 'data', WORKLOAD_NAME: 'db', LABELS: { app: 'db' } },
});
const STATS = [
  {
    name: 'istio.stats',
    config: { '@type': 'type.googleapis.com/stats.PluginConfig', tcp_reporting_duration: '10s' },
  },
];
const plainSocket = {} as Socket;

function values(store: StatsStore): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of parseExposition(istioMetricsOf(store).render()).samples)
    out[s.name] = (out[s.name] ?? 0) + s.value;
  return out;
}

test('opened at connect, bytes every period and at close, closed at close', () => {
  const store = new StatsStore();
  const clock = new VirtualClock(0);
  const stats = IstioTcpStats.fromConfig(STATS, 'source', LOCAL, store)!;
  const upstream = { name: 'outbound|5432||db.data.svc.cluster.local', metadata: {} } as Cluster;
  const conn = stats.connection(plainSocket, upstream, clock);
  let sent = 0;
  let received = 0;
  conn.connected(plainSocket, () => ({ sent, received }));
  assert.equal(values(store).istio_tcp_connections_opened_total, 1);
  sent = 100;
  received = 40;
  clock.advance(9_999);
  assert.equal(values(store).istio_tcp_sent_bytes_total, undefined, 'not reported before the period');
  clock.advance(1);
  assert.equal(values(store).istio_tcp_sent_bytes_total, 100);
  assert.equal(values(store).istio_tcp_received_bytes_total, 40);
  sent = 150;
  conn.close('', sent, received);
  conn.close('', sent, received);
  clock.advance(60_000);
  const v = values(store);
  assert.equal(v.istio_tcp_sent_bytes_total, 150, 'deltas, never counted twice');
  assert.equal(v.istio_tcp_connections_closed_total, 1);
  const [sample] = parseExposition(istioMetricsOf(store).render()).samples;
  assert.equal(sample.labels.reporter, 'source');
  assert.equal(sample.labels.request_protocol, 'tcp');
  assert.equal(sample.labels.destination_service, 'db.data.svc.cluster.local');
  assert.equal(sample.labels.source_workload, 'db');
  assert.equal(sample.labels.destination_principal, 'unknown');
  assert.equal(sample.labels.connection_security_policy, 'unknown');
  assert.equal(sample.labels.response_code, undefined, 'TCP metrics have no response code');
});

test('a connection that never reached its upstream: opened and closed with its flags', () => {
  const store = new StatsStore();
  const stats = IstioTcpStats.fromConfig(STATS, 'destination', LOCAL, store)!;
  stats.connection(plainSocket, undefined, new VirtualClock()).close('UF', 0, 12);
  const samples = parseExposition(istioMetricsOf(store).render()).samples;
  const opened = samples.find((s) => s.name === 'istio_tcp_connections_opened_total');
  assert.equal(opened?.value, 1);
  assert.equal(opened?.labels.response_flags, 'UF');
  assert.equal(opened?.labels.reporter, 'destination');
  assert.equal(opened?.labels.connection_security_policy, 'none');
  assert.equal(opened?.labels.destination_workload, 'db');
  assert.equal(samples.find((s) => s.name === 'istio_tcp_received_bytes_total')?.value, 12);
});

test('no filter, no metrics; plain sockets have no identities', () => {
  assert.equal(IstioTcpStats.fromConfig([], 'source', LOCAL, new StatsStore()), undefined);
  assert.equal(IstioTcpStats.fromConfig(undefined, 'source', LOCAL, new StatsStore()), undefined);
  assert.deepEqual(socketUriSans(plainSocket), ['', '']);
});
