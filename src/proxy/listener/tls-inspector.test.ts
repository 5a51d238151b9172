// Unit tests for the listener inspectors, fed with a real ClientHello captured from node:tls and with
// plain-text HTTP/1.1 and HTTP/2 prefaces.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import tls from 'node:tls';
import { inspect, parseClientHello } from './tls-inspector.js';

async function captureClientHello(servername: string, alpn: string[]): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const got = new Promise<Buffer>((resolve) => {
    server.once('connection', (s) => {
      let buf = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (parseClientHello(buf) !== 'more') {
          resolve(buf);
          s.destroy();
        }
      });
    });
  });
  const c = tls.connect({
    port,
    host: '127.0.0.1',
    servername,
    ALPNProtocols: alpn,
    rejectUnauthorized: false,
  });
  c.on('error', () => {});
  const hello = await got;
  c.destroy();
  server.close();
  return hello;
}

describe('inspect', () => {
  it('reads SNI and ALPN from a real ClientHello', async () => {
    const hello = await captureClientHello('Api.Example.com', ['h2', 'http/1.1']);
    const r = inspect(hello, false);
    assert.ok(r.done);
    assert.deepEqual(r.result, {
      transportProtocol: 'tls',
      serverName: 'api.example.com',
      applicationProtocols: ['h2', 'http/1.1'],
    });
    assert.equal(inspect(hello.subarray(0, 20), false).done, false, 'waits for the rest of the record');
  });
  it('detects plain-text HTTP versions when the http inspector is on', () => {
    const h2 = inspect(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), true);
    assert.ok(h2.done && h2.result.applicationProtocols[0] === 'h2c');
    const h1 = inspect(Buffer.from('GET / HTTP/1.1\r\nhost: x\r\n\r\n'), true);
    assert.ok(h1.done && h1.result.applicationProtocols[0] === 'http/1.1');
    assert.equal(inspect(Buffer.from('PRI * HT'), true).done, false);
    const raw = inspect(Buffer.from('hello\r\n'), true);
    assert.ok(
      raw.done &&
        raw.result.transportProtocol === 'raw_buffer' &&
        raw.result.applicationProtocols.length === 0,
    );
  });
});
