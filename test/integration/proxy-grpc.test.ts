// Integration: gRPC through the proxy with a real @grpc/grpc-js client and server — unary, server and
// bidirectional streaming, status and trailers relayed, deadlines carried as grpc-timeout, and local
// replies turned into gRPC statuses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { ProxyServer } from '../../src/proxy/server.js';
import { StatsStore } from '../../src/proxy/stats/store.js';
import {
  chain,
  forward,
  hcm,
  listener,
  resources,
  route,
  routeConfig,
  staticCluster,
  vhost,
} from './proxy-support.js';

const ser = (s: string) => Buffer.from(s);
const de = (b: Buffer) => b.toString();
const def = (path: string, requestStream: boolean, responseStream: boolean) => ({
  path,
  requestStream,
  responseStream,
  requestSerialize: ser,
  requestDeserialize: de,
  responseSerialize: ser,
  responseDeserialize: de,
});
const service = {
  unary: def('/test.Echo/Unary', false, false),
  fail: def('/test.Echo/Fail', false, false),
  slow: def('/test.Echo/Slow', false, false),
  serverStream: def('/test.Echo/ServerStream', false, true),
  bidi: def('/test.Echo/Bidi', true, true),
};

describe('proxy gRPC', () => {
  let server: grpc.Server;
  let proxy: ProxyServer;
  let client: grpc.Client;
  const seenTimeouts: string[] = [];

  before(async () => {
    server = new grpc.Server();
    server.addService(service as unknown as grpc.ServiceDefinition, {
      unary: (call: grpc.ServerUnaryCall<string, string>, cb: grpc.sendUnaryData<string>) => {
        const md = new grpc.Metadata();
        md.set('x-trailer', 'present');
        cb(null, `echo:${call.request}`, md);
      },
      fail: (_call: grpc.ServerUnaryCall<string, string>, cb: grpc.sendUnaryData<string>) => {
        cb({ code: grpc.status.NOT_FOUND, details: 'no such thing' });
      },
      slow: (call: grpc.ServerUnaryCall<string, string>, cb: grpc.sendUnaryData<string>) => {
        const d = call.getDeadline();
        seenTimeouts.push(Number.isFinite(Number(d)) ? 'finite' : String(d));
        setTimeout(() => cb(null, 'late'), 1500).unref();
      },
      serverStream: (call: grpc.ServerWritableStream<string, string>) => {
        for (let i = 0; i < 5; i++) call.write(`${call.request}-${i}`);
        call.end();
      },
      bidi: (call: grpc.ServerDuplexStream<string, string>) => {
        call.on('data', (m: string) => call.write(m.toUpperCase()));
        call.on('end', () => call.end());
      },
    });
    const upPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    proxy = new ProxyServer({ stats: new StatsStore() });
    const rc = routeConfig('r', [
      vhost(
        'all',
        ['*'],
        [
          route('nohost', forward('empty'), { path: { kind: 'prefix', value: '/test.Missing/' } }),
          route('grpc', forward('grpc-up', { timeoutMs: 0, grpcTimeoutHeaderMaxMs: 0 }), { grpc: true }),
        ],
      ),
    ]);
    proxy.apply(
      resources(
        [listener('l', [chain(hcm(rc))])],
        [staticCluster('grpc-up', [upPort], { upstreamProtocol: 'http2' }), staticCluster('empty', [])],
      ),
    );
    await proxy.ready();
    client = new grpc.Client(`127.0.0.1:${proxy.listenerPort('l')}`, grpc.credentials.createInsecure());
  });

  after(async () => {
    client.close();
    await proxy.close();
    server.forceShutdown();
  });

  it('relays a unary call with its trailers', async () => {
    let trailer = '';
    const res = await new Promise<string>((resolve, reject) => {
      const call = client.makeUnaryRequest(service.unary.path, ser, de, 'hi', (err, v) =>
        err ? reject(err) : resolve(v!),
      );
      call.on('status', (s) => {
        trailer = String(s.metadata.get('x-trailer')[0] ?? '');
      });
    });
    assert.equal(res, 'echo:hi');
    assert.equal(trailer, 'present');
  });

  it('relays error statuses and messages', async () => {
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      client.makeUnaryRequest(service.fail.path, ser, de, 'x', (e) => resolve(e!)),
    );
    assert.equal(err.code, grpc.status.NOT_FOUND);
    assert.equal(err.details, 'no such thing');
  });

  it('streams server responses and bidirectional messages', async () => {
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = client.makeServerStreamRequest(service.serverStream.path, ser, de, 'n');
      s.on('data', (m: string) => got.push(m));
      s.on('error', reject);
      s.on('end', () => resolve());
    });
    assert.deepEqual(got, ['n-0', 'n-1', 'n-2', 'n-3', 'n-4']);
    const echoed: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = client.makeBidiStreamRequest(service.bidi.path, ser, de);
      s.on('data', (m: string) => {
        echoed.push(m);
        if (echoed.length < 3) s.write(`msg${echoed.length}`);
        else s.end();
      });
      s.on('error', reject);
      s.on('end', () => resolve());
      s.write('msg0');
    });
    assert.deepEqual(echoed, ['MSG0', 'MSG1', 'MSG2']);
  });

  it('enforces the client deadline through grpc-timeout', async () => {
    const t0 = Date.now();
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      client.makeUnaryRequest(service.slow.path, ser, de, 'x', { deadline: Date.now() + 300 }, (e) =>
        resolve(e!),
      ),
    );
    assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - t0 < 1200);
    assert.equal(seenTimeouts[0], 'finite', 'the upstream saw the deadline (grpc-timeout forwarded)');
  });

  it('turns local replies into gRPC statuses', async () => {
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      client.makeUnaryRequest('/test.Missing/Call', ser, de, 'x', (e) => resolve(e!)),
    );
    assert.equal(err.code, grpc.status.UNAVAILABLE);
    assert.equal(err.details, 'no healthy upstream');
  });
});
