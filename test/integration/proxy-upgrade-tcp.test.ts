// Integration: WebSocket upgrades tunnelled through the HTTP connection manager, upgrades refused when not
// configured, and the TCP proxy splicing raw bytes to a cluster (and failing cleanly when refused).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AccessLogEntry } from '../../src/proxy/http/access-log-entry.js';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import {
  chain,
  closedPort,
  closeServer,
  forward,
  hcm,
  listener,
  rawExchange,
  resources,
  route,
  routeConfig,
  staticCluster,
  tcpProxy,
  vhost,
} from './proxy-support.js';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Opens a WebSocket through `port`; resolves with the socket and the handshake response head. */
function wsConnect(port: number, path: string): Promise<{ socket: net.Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.removeListener('data', onData);
      if (end + 4 < buf.length) socket.unshift(Buffer.from(buf.slice(end + 4), 'latin1'));
      resolve({ socket, head: buf.slice(0, end) });
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.write(
      `GET ${path} HTTP/1.1\r\nhost: ws.local\r\nconnection: Upgrade\r\nupgrade: websocket\r\n` +
        'sec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
  });
}

describe('proxy upgrades and TCP', () => {
  let wsUp: http.Server;
  let tcpUp: net.Server;
  let proxy: ProxyServer;
  const logs: AccessLogEntry[] = [];

  before(async () => {
    wsUp = http.createServer((_req, res) => res.end('plain'));
    wsUp.on('upgrade', (req, socket) => {
      const accept = createHash('sha1')
        .update(`${req.headers['sec-websocket-key']}${WS_GUID}`)
        .digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.on('data', (d) => socket.write(d));
      socket.on('end', () => socket.end());
    });
    await new Promise<void>((r) => wsUp.listen(0, '127.0.0.1', r));
    tcpUp = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => tcpUp.listen(0, '127.0.0.1', r));
    const wsPort = (wsUp.address() as net.AddressInfo).port;
    const tcpPort = (tcpUp.address() as net.AddressInfo).port;
    const dead = await closedPort();
    proxy = new ProxyServer({ stats: new StatsStore(), accessLog: { log: (e) => logs.push(e) } });
    const rc = routeConfig('r', [
      vhost(
        'all',
        ['*'],
        [
          route('ws', forward('ws', { upgrades: ['websocket'], timeoutMs: 150 }), {
            path: { kind: 'prefix', value: '/ws' },
          }),
          route('plain', forward('ws')),
        ],
      ),
    ]);
    proxy.apply(
      resources(
        [
          listener('http', [chain(hcm(rc))]),
          listener('tcp', [chain(tcpProxy('echo'))]),
          listener('tcp-dead', [chain(tcpProxy('dead'))]),
        ],
        [staticCluster('ws', [wsPort]), staticCluster('echo', [tcpPort]), staticCluster('dead', [dead])],
      ),
    );
    await proxy.ready();
  });

  after(async () => {
    await proxy.close();
    await closeServer(wsUp);
    await closeServer(tcpUp);
  });

  it('tunnels a WebSocket upgrade both ways', async () => {
    const { socket, head } = await wsConnect(proxy.listenerPort('http')!, '/ws/chat');
    assert.match(head, /^HTTP\/1\.1 101 /);
    assert.match(head, /sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i);
    // Outlive the route timeout: it covers the handshake, not the tunnel.
    await new Promise((r) => setTimeout(r, 300));
    const echoed = await new Promise<string>((resolve) => {
      let got = '';
      socket.on('data', (d) => {
        got += d;
        if (got.length >= 10) resolve(got);
      });
      socket.write('hello');
      socket.write('world');
    });
    assert.equal(echoed, 'helloworld');
    socket.destroy();
  });

  it('refuses upgrades the route does not allow', async () => {
    const out = await rawExchange(
      proxy.listenerPort('http')!,
      'GET /other HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n',
    );
    assert.match(out, /^HTTP\/1\.1 403 /);
  });

  it('proxies raw TCP to a cluster', async () => {
    const out = await new Promise<string>((resolve) => {
      const s = net.connect(proxy.listenerPort('tcp')!, '127.0.0.1');
      let got = '';
      s.on('data', (d) => {
        got += d;
        if (got.length >= 11) s.end();
      });
      s.on('close', () => resolve(got));
      s.write('hello ');
      setTimeout(() => s.write('world'), 20);
    });
    assert.equal(out, 'hello world');
  });

  it('closes the downstream connection when the TCP upstream refuses, flag UF', async () => {
    const out = await rawExchange(proxy.listenerPort('tcp-dead')!, 'data');
    assert.equal(out, '');
    await new Promise((r) => setTimeout(r, 20));
    const entry = logs.find((l) => l.upstreamCluster === 'dead');
    assert.equal(entry?.responseFlags, 'UF');
  });
});
