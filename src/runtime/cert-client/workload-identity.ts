// The workload certificate agent (what Istio's pilot-agent does, in-process): gets the workload
// certificate from the CA with the bootstrap token, renews it at half-life, and hands `default` and `ROOTCA`
// on: to a sidecar's secret store, or to the files a proxyless gRPC app's certificate provider watches.
import type { StaticSecret } from '../../proxy/config/bootstrap.js';
import { createWorkloadCertificateAgent, fileTokenSource, type WorkloadCertificate } from './index.js';

/** The secret names Istio's sidecars use for the workload certificate and the mesh roots. */
export const WORKLOAD_SECRET_NAME = 'default';
export const ROOT_SECRET_NAME = 'ROOTCA';

export interface WorkloadIdentityOptions {
  /** host:port of the CA's gRPC service (the control plane's xDS port in local mode). */
  caAddress: string;
  /** The bootstrap token, re-read on every request (the supervisor may replace it). */
  tokenFile: string;
  /** Called with both secrets on the first certificate and on every renewal. */
  onSecrets: (secrets: StaticSecret[], cert: WorkloadCertificate) => void;
  log: (line: string) => void;
}

export interface WorkloadIdentity {
  current(): WorkloadCertificate | undefined;
  close(): void;
}

/** The two secrets a sidecar's TLS contexts name, from one certificate. */
export function secretsOf(cert: WorkloadCertificate): StaticSecret[] {
  return [
    { name: WORKLOAD_SECRET_NAME, certificateChain: cert.certChainPem, privateKey: cert.privateKeyPem },
    { name: ROOT_SECRET_NAME, trustedCa: cert.rootsPem },
  ];
}

/** First attempt's retry delay (ms), doubled per failure up to the cap, until the CA answers. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

export function startWorkloadIdentity(o: WorkloadIdentityOptions): WorkloadIdentity {
  const agent = createWorkloadCertificateAgent({
    address: o.caAddress,
    token: fileTokenSource(o.tokenFile),
    onError: (err) =>
      o.log(`certificate renewal failed: ${err instanceof Error ? err.message : String(err)}`),
  });
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  agent.rotator.onCertificate((cert) => {
    o.log(
      `workload certificate ${cert.spiffeId} serial ${cert.serial}, valid until ${cert.notAfter.toISOString()}`,
    );
    o.onSecrets(secretsOf(cert), cert);
  });
  // The first certificate: the CA may not be up yet (a proxy started before its control plane), so retry.
  let delay = FIRST_RETRY_MS;
  const first = () => {
    agent.rotator.start().catch((err: unknown) => {
      if (closed) return;
      o.log(
        `no workload certificate yet (${err instanceof Error ? err.message : String(err)}); retrying in ${delay} ms`,
      );
      timer = setTimeout(first, delay);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    });
  };
  first();
  return {
    current: () => agent.rotator.current,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      agent.close();
    },
  };
}
