// The ports a sidecar serves inbound: one entry per service port of its own instances, with the address
// and port the application itself listens on.
import { isHttpProtocol, type Protocol } from '../model/service.js';
import type { TranslateContext } from './context.js';

export interface InboundPort {
  /** The service port (names the cluster `inbound|<port>||` and the route). */
  servicePort: number;
  protocol: Protocol;
  http: boolean;
  appAddress: string;
  appPort: number;
  /** Hostnames of the services using this port (for route names and metadata). */
  hosts: string[];
  /** The same services as Istio's cluster metadata names them (`istio.services`: the metrics' destination_service). */
  services: { host: string; name: string; namespace: string }[];
}

export function inboundPorts(ctx: TranslateContext): InboundPort[] {
  const byPort = new Map<number, InboundPort>();
  for (const inst of ctx.proxyInstances()) {
    const service = ctx.snapshot.service(inst.serviceHostname);
    const sp = service?.ports.find((p) => p.port === inst.servicePort);
    const protocol = sp?.protocol ?? 'UNKNOWN';
    const existing = byPort.get(inst.servicePort);
    const named = {
      host: inst.serviceHostname,
      name: service?.name ?? inst.serviceHostname.split('.')[0],
      namespace: service?.namespace ?? ctx.proxy.namespace,
    };
    if (existing) {
      if (!existing.hosts.includes(inst.serviceHostname)) {
        existing.hosts.push(inst.serviceHostname);
        existing.services.push(named);
      }
      continue;
    }
    byPort.set(inst.servicePort, {
      servicePort: inst.servicePort,
      protocol,
      http: isHttpProtocol(protocol),
      appAddress: ctx.proxy.appAddress,
      appPort: ctx.proxy.appPorts[inst.servicePort] ?? inst.appPort ?? sp?.targetPort ?? inst.servicePort,
      hosts: [inst.serviceHostname],
      services: [named],
    });
  }
  return [...byPort.values()].sort((a, b) => a.servicePort - b.servicePort);
}
