// The SDS generator: Kubernetes Secrets named by Gateway credentialNames, served to gateway proxies only and
// only from the gateway's own namespace (Istio's rule; `kubernetes-gateway://` names from the Gateway API
// conversion may cross namespaces, their ReferenceGrant already checked). `kubernetes://<name>` carries the
// certificate and key, `kubernetes://<name>-cacert` the CA (from a `<name>-cacert` Secret, else `<name>`'s
// own ca.crt/cacert). The translator asks credentialProblem() to leave out chains whose secret is missing.
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { type Resource, type SecretTls, secretTls } from '../../../api/index.js';
import { type DataSource, DataSourceSchema } from '../../../generated/envoy/config/core/v3/base_pb.js';
import {
  CertificateValidationContextSchema,
  TlsCertificateSchema,
} from '../../../generated/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import {
  type Secret,
  SecretSchema,
} from '../../../generated/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import type { MeshProxy } from '../../model/proxy.js';
import type { Snapshot } from '../../model/snapshot.js';
import { memo } from '../cache.js';
import type { TranslateContext } from '../context.js';
import type { NamedResource } from '../generators.js';
import {
  type CredentialRef,
  caResourceName,
  credentialResourceName,
  parseCredentialResource,
} from './credential-names.js';

export const SECRET_TYPE_URL = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';

/** Secrets of a snapshot by `namespace/name`. */
function secretIndex(snapshot: Snapshot): Map<string, Resource> {
  return memo(snapshot, 'sds-secret-index', () => {
    const out = new Map<string, Resource>();
    for (const r of snapshot.configs)
      if (r.kind === 'Secret' && r.apiVersion === 'v1')
        out.set(`${r.metadata.namespace}/${r.metadata.name}`, r);
    return out;
  });
}

export type CredentialLookup =
  | { ok: true; ref: CredentialRef; pem: string; key?: string }
  | { ok: false; reason: string };

/** What an SDS resource name resolves to for `proxy`: the PEM it serves, or why it cannot be served. */
export function lookupCredential(snapshot: Snapshot, proxy: MeshProxy, resource: string): CredentialLookup {
  const ref = parseCredentialResource(resource, proxy.namespace);
  if (!ref) return { ok: false, reason: `"${resource}" is not a Kubernetes secret resource name` };
  if (proxy.type !== 'router') return { ok: false, reason: 'Kubernetes secrets are served to gateways only' };
  if (ref.namespace !== proxy.namespace && !ref.crossNamespaceAllowed)
    return {
      ok: false,
      reason: `secret ${ref.namespace}/${ref.name} is outside the gateway's namespace ${proxy.namespace}`,
    };
  const index = secretIndex(snapshot);
  const tlsOf = (name: string): SecretTls | undefined => {
    const r = index.get(`${ref.namespace}/${name}`);
    return r ? secretTls(r) : undefined;
  };
  if (ref.ca) {
    const ca = tlsOf(`${ref.name}-cacert`)?.caCertificates ?? tlsOf(ref.name)?.caCertificates;
    if (ca === undefined)
      return {
        ok: false,
        reason: `no CA certificate for ${ref.namespace}/${ref.name}: neither secret ${ref.name}-cacert nor ${ref.name} has cacert or ca.crt`,
      };
    return { ok: true, ref, pem: ca };
  }
  const tls = tlsOf(ref.name);
  if (tls === undefined) return { ok: false, reason: `secret ${ref.namespace}/${ref.name} not found` };
  if (tls.certificateChain === undefined || tls.privateKey === undefined)
    return {
      ok: false,
      reason: `secret ${ref.namespace}/${ref.name} has neither cert/key nor tls.crt/tls.key`,
    };
  return { ok: true, ref, pem: tls.certificateChain, key: tls.privateKey };
}

const inline = (text: string): DataSource =>
  create(DataSourceSchema, { specifier: { case: 'inlineBytes', value: Buffer.from(text, 'utf8') } });

/** The Envoy Secret for a resolved credential. */
function secretMessage(name: string, found: Extract<CredentialLookup, { ok: true }>): Secret {
  if (found.ref.ca)
    return create(SecretSchema, {
      name,
      type: {
        case: 'validationContext',
        value: create(CertificateValidationContextSchema, { trustedCa: inline(found.pem) }),
      },
    });
  return create(SecretSchema, {
    name,
    type: {
      case: 'tlsCertificate',
      value: create(TlsCertificateSchema, {
        certificateChain: inline(found.pem),
        privateKey: inline(found.key ?? ''),
      }),
    },
  });
}

/** The SDS generator: the requested names this proxy may have (others are left out, as Istio does). */
export function secretsFor(ctx: TranslateContext, names: readonly string[] | undefined): NamedResource[] {
  return (names ?? []).flatMap((n) => {
    const found = lookupCredential(ctx.snapshot, ctx.proxy, n);
    if (!found.ok) return [];
    const resource = memo(ctx.snapshot, `sds|${ctx.proxy.namespace}|${n}`, () =>
      anyPack(SecretSchema, secretMessage(n, found)),
    );
    return [{ name: n, resource }];
  });
}

export type MissingCredentialLog = (line: string) => void;

let missingLog: MissingCredentialLog = (line) => process.stdout.write(`${line}\n`);
/** What is reported now, so a missing secret is logged once until it appears (or the reason changes). */
const reported = new Map<string, string>();

/** Where missing-credential lines go (the control plane's log; stdout by default). */
export function setMissingCredentialLog(log: MissingCredentialLog): void {
  missingLog = log;
}

/**
 * Why a server's credential cannot be served to this gateway (undefined when it can): the certificate, and
 * for MUTUAL without CA files the CA too. A problem is logged once while it lasts.
 */
export function credentialProblem(
  ctx: TranslateContext,
  credentialName: string,
  needCa: boolean,
  server: string,
): string | undefined {
  const names = [credentialResourceName(credentialName), ...(needCa ? [caResourceName(credentialName)] : [])];
  const key = `${ctx.proxy.namespace}|${server}|${credentialName}`;
  for (const n of names) {
    const found = lookupCredential(ctx.snapshot, ctx.proxy, n);
    if (found.ok) continue;
    const line = `gateway ${ctx.proxy.namespace}: server ${server} left out: credentialName "${credentialName}": ${found.reason}`;
    if (reported.get(key) !== line) {
      reported.set(key, line);
      missingLog(line);
    }
    return found.reason;
  }
  if (reported.delete(key))
    missingLog(
      `gateway ${ctx.proxy.namespace}: server ${server}: credentialName "${credentialName}" is served now`,
    );
  return undefined;
}
