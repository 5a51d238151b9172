// Protocol selection as Istio does it: explicit protocol, Kubernetes appProtocol, or the port name's prefix.
import type { Protocol } from './model.js';

/** Istio's protocol.Parse: a protocol name, case-insensitive; anything else is UNSUPPORTED. */
export function parseProtocol(name: string | undefined): Protocol {
  switch ((name ?? '').toLowerCase()) {
    case 'tcp':
      return 'TCP';
    case 'udp':
      return 'UDP';
    case 'grpc':
      return 'GRPC';
    case 'grpc-web':
      return 'GRPC_WEB';
    case 'http':
      return 'HTTP';
    case 'http_proxy':
      return 'HTTP_PROXY';
    case 'http2':
      return 'HTTP2';
    case 'https':
      return 'HTTPS';
    case 'tls':
      return 'TLS';
    case 'mongo':
      return 'MONGO';
    case 'redis':
      return 'REDIS';
    case 'mysql':
      return 'MYSQL';
    default:
      return 'UNSUPPORTED';
  }
}

/** Ports that are TCP, never HTTP, when nothing else says what they carry: SMTP, DNS, MySQL, MongoDB. */
const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 465, 587, 3306, 27017]);

/**
 * The protocol of a Kubernetes-style service port, the way Istio decides it: UDP stays UDP; `appProtocol`
 * wins over the name (with Kubernetes' `kubernetes.io/h2c`, `/ws`, `/wss`); otherwise the name up to its
 * first `-` (`http-api` → HTTP, `grpc-web-x` → GRPC_WEB, `tcp` → TCP); unknown names on well-known TCP ports
 * are TCP; the rest is UNSUPPORTED (sniffed at runtime).
 */
export function protocolOfPort(port: {
  port: number;
  name?: string;
  protocol?: string;
  appProtocol?: string;
}): Protocol {
  if ((port.protocol ?? '').toUpperCase() === 'UDP') return 'UDP';
  let name = port.name ?? '';
  if (port.appProtocol !== undefined && port.appProtocol !== '') {
    name = port.appProtocol;
    if (name === 'kubernetes.io/h2c') return 'HTTP2';
    if (name === 'kubernetes.io/ws') return 'HTTP';
    if (name === 'kubernetes.io/wss') return 'HTTPS';
  }
  if (name.toLowerCase().startsWith('grpc-web')) return 'GRPC_WEB';
  const dash = name.indexOf('-');
  const parsed = parseProtocol(dash >= 0 ? name.slice(0, dash) : name);
  if (parsed === 'UNSUPPORTED' && WELL_KNOWN_TCP_PORTS.has(port.port)) return 'TCP';
  return parsed;
}

/** Protocols the HTTP connection manager serves (routes, retries, L7 policy). */
export function isHttpProtocol(p: Protocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC_WEB' || p === 'HTTP_PROXY';
}

/** Protocols that need HTTP/2 to the upstream. */
export function isHttp2Protocol(p: Protocol): boolean {
  return p === 'HTTP2' || p === 'GRPC';
}

/** Protocols carried as TLS end to end (routed by SNI, not terminated by the sidecar). */
export function isTlsProtocol(p: Protocol): boolean {
  return p === 'HTTPS' || p === 'TLS';
}

/** Protocols proxied as opaque TCP streams (TLS ones included), once any sniffing has been ruled out. */
export function isTcpProtocol(p: Protocol): boolean {
  return p === 'TCP' || p === 'MONGO' || p === 'REDIS' || p === 'MYSQL' || isTlsProtocol(p);
}
