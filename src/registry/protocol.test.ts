// Protocol selection from port names, appProtocol and explicit protocols, as Istio decides it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHttpProtocol, isTcpProtocol, parseProtocol, protocolOfPort } from './protocol.js';

describe('protocol of a Kubernetes-style port', () => {
  const cases: [string, string | undefined, number, string][] = [
    ['http', undefined, 9080, 'HTTP'],
    ['http-web', undefined, 9080, 'HTTP'],
    ['HTTP-Web', undefined, 9080, 'HTTP'],
    ['http2', undefined, 80, 'HTTP2'],
    ['http2-api', undefined, 80, 'HTTP2'],
    ['grpc', undefined, 50051, 'GRPC'],
    ['grpc-api', undefined, 50051, 'GRPC'],
    ['grpc-web', undefined, 8080, 'GRPC_WEB'],
    ['grpc-web-ui', undefined, 8080, 'GRPC_WEB'],
    ['tcp', undefined, 9000, 'TCP'],
    ['tcp-db', undefined, 9000, 'TCP'],
    ['tls-passthrough', undefined, 443, 'TLS'],
    ['https', undefined, 443, 'HTTPS'],
    ['mongo', undefined, 27017, 'MONGO'],
    ['redis-cache', undefined, 6379, 'REDIS'],
    ['mysql', undefined, 3306, 'MYSQL'],
    ['web', undefined, 8080, 'UNSUPPORTED'],
    ['httpx', undefined, 8080, 'UNSUPPORTED'],
    ['', undefined, 8080, 'UNSUPPORTED'],
    ['db', undefined, 3306, 'TCP'],
    ['mail', undefined, 25, 'TCP'],
    ['web', 'http', 8080, 'HTTP'],
    ['http-web', 'grpc', 8080, 'GRPC'],
    ['web', 'kubernetes.io/h2c', 8080, 'HTTP2'],
    ['web', 'kubernetes.io/ws', 8080, 'HTTP'],
    ['web', 'kubernetes.io/wss', 8080, 'HTTPS'],
    ['web', 'custom.example/proto', 8080, 'UNSUPPORTED'],
  ];
  for (const [name, appProtocol, port, expected] of cases) {
    it(`${name || '(no name)'}${appProtocol ? ` appProtocol=${appProtocol}` : ''} on ${port} → ${expected}`, () => {
      assert.equal(protocolOfPort({ name, port, ...(appProtocol ? { appProtocol } : {}) }), expected);
    });
  }

  it('a UDP port is UDP whatever its name', () => {
    assert.equal(protocolOfPort({ name: 'http-dns', port: 53, protocol: 'UDP' }), 'UDP');
  });

  it('parses explicit protocols case-insensitively; unknown or absent is UNSUPPORTED', () => {
    assert.equal(parseProtocol('HTTP'), 'HTTP');
    assert.equal(parseProtocol('grpc-web'), 'GRPC_WEB');
    assert.equal(parseProtocol('Mongo'), 'MONGO');
    assert.equal(parseProtocol('SCTP'), 'UNSUPPORTED');
    assert.equal(parseProtocol(undefined), 'UNSUPPORTED');
  });

  it('classifies HTTP-family and TCP-family protocols', () => {
    assert.ok(isHttpProtocol('GRPC') && isHttpProtocol('HTTP2') && !isHttpProtocol('HTTPS'));
    assert.ok(
      isTcpProtocol('HTTPS') &&
        isTcpProtocol('MYSQL') &&
        !isTcpProtocol('HTTP') &&
        !isTcpProtocol('UNSUPPORTED'),
    );
  });
});
