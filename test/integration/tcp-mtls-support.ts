// Shared pieces of the TCP-over-mTLS proxy tests: an app that echoes what it got once the client half-closes,
// and inline Istio-style TLS contexts for a workload certificate (the server requires a client certificate
// from the same roots; the client checks the server's SPIFFE ID and offers Istio's ALPN).
import net from 'node:net';
import type { DownstreamTlsContext, UpstreamTlsContext } from '../../src/proxy/config/tls.js';

/** A workload certificate as the CA test fixtures issue it. */
export interface WorkloadPem {
  certChainPem: string[];
  privateKeyPem: string;
}

/** Listens on 127.0.0.1:0 and answers `echo:<everything received>` when the client ends its side. */
export async function echoOnEndApp(): Promise<net.Server> {
  const app = net.createServer((s) => {
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      got += d;
    });
    s.on('end', () => s.end(`echo:${got}`));
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  return app;
}

const inlineCert = (c: WorkloadPem) => ({
  kind: 'inline' as const,
  certificateChain: c.certChainPem.join(''),
  privateKey: c.privateKeyPem,
});

/** Terminates mTLS with `cert`, requiring a client certificate signed by `roots`. */
export function serverMtls(cert: WorkloadPem, roots: string): DownstreamTlsContext {
  return {
    common: {
      certificates: [inlineCert(cert)],
      validation: { kind: 'inline', trustedCa: roots, matchSubjectAltNames: [] },
      alpnProtocols: [],
    },
    requireClientCertificate: true,
  };
}

/** Originates Istio mTLS with `cert`, accepting only a server whose URI SAN is `expected`. */
export function clientMtls(cert: WorkloadPem, roots: string, expected: string): UpstreamTlsContext {
  return {
    common: {
      certificates: [inlineCert(cert)],
      validation: {
        kind: 'inline',
        trustedCa: roots,
        matchSubjectAltNames: [{ sanType: 'URI', kind: 'exact', value: expected }],
      },
      alpnProtocols: ['istio-peer-exchange', 'istio'],
    },
  };
}
