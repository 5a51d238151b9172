// The secret store as the admin API's `secrets` config-dump section (Envoy's SecretsConfigDump): bootstrap
// secrets as static_secrets, locally provisioned and ADS secrets as dynamic_active_secrets, each with its
// version and update time. Private keys are redacted later by the admin dump; chains and roots stay
// readable so `trellis proxy-config secret` can show serial, validity and SPIFFE identity.
import type {
  ConfigDumpSection,
  DynamicResourceDump,
  JsonObject,
  StaticResourceDump,
} from '../admin/source.js';
import type { StaticSecret } from '../config/bootstrap.js';
import type { SecretStore } from './secret-store.js';

const SECRET_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

/** A secret as Envoy's Secret proto3 JSON (snake_case): a certificate chain and key, or a trust bundle. */
export function secretJson(s: StaticSecret): JsonObject {
  const out: JsonObject = { '@type': SECRET_TYPE, name: s.name };
  if (s.certificateChain !== undefined || s.privateKey !== undefined) {
    const tls: JsonObject = {};
    if (s.certificateChain !== undefined) tls.certificate_chain = { inline_string: s.certificateChain };
    if (s.privateKey !== undefined) tls.private_key = { inline_string: s.privateKey };
    out.tls_certificate = tls;
  } else if (s.trustedCa !== undefined) {
    out.validation_context = { trusted_ca: { inline_string: s.trustedCa } };
  }
  return out;
}

/** The `secrets` section of /config_dump for everything the store resolves. */
export function secretsConfigDump(store: SecretStore): ConfigDumpSection {
  const statics: StaticResourceDump[] = [];
  const dynamic: DynamicResourceDump[] = [];
  for (const [name, e] of store.entries()) {
    const resource = secretJson(e.secret);
    if (e.origin === 'static' && e.version === 1) statics.push({ name, resource, lastUpdated: e.updatedMs });
    else
      dynamic.push({
        name,
        versionInfo: String(e.version),
        resource,
        lastUpdated: e.updatedMs,
        state: 'active',
      });
  }
  return { kind: 'secrets', static: statics, dynamic };
}
