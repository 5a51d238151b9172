// Which transport a cluster uses to one host (Envoy's transport_socket_matches against the host's
// `envoy.transport_socket_match` metadata, else the cluster's transport_socket), and the tls.connect options
// for it: built when a connection opens, cached until the SDS secrets they came from are replaced, so a
// rotated certificate applies to new connections while open ones keep theirs.
import tls from 'node:tls';
import type { StaticSecret } from '../../config/bootstrap.js';
import type { Cluster, TransportSocketMatch } from '../../config/cluster.js';
import type { UpstreamTlsContext } from '../../config/tls.js';
import type { Host } from '../lb/types.js';
import { buildUpstreamTls, type SecretLookup } from '../upstream-tls.js';

/** Endpoint metadata namespace transport socket matches read. */
export const TRANSPORT_SOCKET_MATCH_KEY = 'envoy.transport_socket_match';

interface CachedOptions {
  /** The secret objects the options were built from (the store replaces objects on rotation). */
  certificate: StaticSecret | undefined;
  validation: StaticSecret | undefined;
  options: tls.ConnectionOptions;
}

function matches(m: TransportSocketMatch, metadata: Record<string, unknown> | undefined): boolean {
  for (const key in m.match) if (metadata?.[key] !== m.match[key]) return false;
  return true;
}

export class TransportSockets {
  /** Per TLS context: [HTTP/1.1 options, HTTP/2 options]. */
  private readonly cache = new Map<UpstreamTlsContext, [CachedOptions?, CachedOptions?]>();

  constructor(
    private readonly cluster: Cluster,
    private readonly secrets: SecretLookup,
  ) {}

  /** The TLS context for `host`, undefined for plain text. */
  contextFor(host: Host): UpstreamTlsContext | undefined {
    const list = this.cluster.transportSocketMatches;
    if (list !== undefined) {
      const metadata = host.metadata[TRANSPORT_SOCKET_MATCH_KEY];
      for (const m of list) if (matches(m, metadata)) return m.tls;
    }
    return this.cluster.tls;
  }

  /**
   * tls.connect options for a new connection to `host` (undefined for plain text). Throws naming a missing
   * SDS secret; callers turn that into a connection failure.
   */
  optionsFor(host: Host, h2: boolean): tls.ConnectionOptions | undefined {
    const ctx = this.contextFor(host);
    if (ctx === undefined) return undefined;
    const cert = ctx.common.certificates[0];
    const v = ctx.common.validation;
    const certificate = cert?.kind === 'sds' ? this.secrets(cert.name) : undefined;
    const validation = v?.kind === 'sds' ? this.secrets(v.name) : undefined;
    let slots = this.cache.get(ctx);
    if (slots === undefined) {
      slots = [undefined, undefined];
      this.cache.set(ctx, slots);
    }
    const i = h2 ? 1 : 0;
    const hit = slots[i];
    if (hit !== undefined && hit.certificate === certificate && hit.validation === validation)
      return hit.options;
    const options = withSecureContext(buildUpstreamTls(ctx, this.secrets, h2 ? ['h2'] : []));
    slots[i] = { certificate, validation, options };
    return options;
  }
}

/**
 * Moves the certificate, key, roots and version bounds into one SecureContext: tls.connect would otherwise
 * parse the PEM and build a context on every connection.
 */
function withSecureContext(o: tls.ConnectionOptions): tls.ConnectionOptions {
  const { cert, key, ca, minVersion, maxVersion, ...rest } = o;
  rest.secureContext = tls.createSecureContext({ cert, key, ca, minVersion, maxVersion });
  return rest;
}
