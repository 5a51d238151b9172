// Kubernetes core Secret (v1): `data` (base64) and `stringData` (plain) validated, TLS layouts checked (a
// certificate that parses, a key that matches it, CA certificates), held out of sight: the resource's spec is
// a summary (type, key sizes, a content digest) that get, configz and dumps may print; the bytes are reached
// only through secretData() / secretTls(), which the control plane's SDS generator uses.
import { createHash, createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { defineKind } from '../kind.js';
import { joinPath } from '../path.js';
import { attachHidden, hiddenOf, type Resource } from '../resource.js';
import { bool, type Ctx, map, obj, Schema, str } from '../schema.js';

/** What a Secret shows of itself: no value, only key sizes (as `kubectl describe secret`) and a digest. */
export interface SecretSpec {
  type: string;
  /** Key → `<n> bytes`. */
  data: Record<string, string>;
  /** First 16 hex digits of the SHA-256 of every key and value: changes whenever the content does. */
  sha256: string;
  immutable?: boolean;
}

export type SecretResource = Resource<SecretSpec>;

/** Istio's key names for a TLS credential: kubernetes.io/tls's, or the generic (Opaque) layout. */
export const TLS_KEYS = {
  tls: { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' },
  generic: { cert: 'cert', key: 'key', ca: 'cacert' },
} as const;

/** A TLS credential read from a Secret (PEM text). */
export interface SecretTls {
  certificateChain?: string;
  privateKey?: string;
  caCertificates?: string;
}

const KEY_NAME = /^[-._a-zA-Z0-9]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

const raw = obj({
  type: str(),
  data: map(str()),
  stringData: map(str()),
  immutable: bool(),
});

/** The bytes behind a summary object (attached out of the spec, so no dump can reach them). */
const materialOf = (spec: unknown) => hiddenOf(spec) as ReadonlyMap<string, Buffer> | undefined;

/** The certificates of a PEM text; throws with the reason when there is none or one does not parse. */
export function parseCertificates(pem: string): X509Certificate[] {
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate (-----BEGIN CERTIFICATE-----) found');
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (err) {
      throw new Error(`certificate ${i + 1} does not parse: ${(err as Error).message}`);
    }
  });
}

function checkTls(values: Map<string, Buffer>, pathOf: (k: string) => string, type: string, ctx: Ctx): void {
  if (type === 'kubernetes.io/tls')
    for (const k of [TLS_KEYS.tls.cert, TLS_KEYS.tls.key])
      if (!values.has(k))
        ctx.error(joinPath('data', k), `a kubernetes.io/tls Secret needs "${k}"`, 'required');
  for (const layout of [TLS_KEYS.tls, TLS_KEYS.generic]) {
    let leaf: X509Certificate | undefined;
    let key: KeyObject | undefined;
    const cert = values.get(layout.cert);
    if (cert !== undefined) {
      try {
        leaf = parseCertificates(cert.toString('utf8'))[0];
      } catch (err) {
        ctx.error(pathOf(layout.cert), (err as Error).message, 'certificate');
      }
    }
    const keyBytes = values.get(layout.key);
    if (keyBytes !== undefined) {
      try {
        key = createPrivateKey(keyBytes);
      } catch (err) {
        ctx.error(pathOf(layout.key), `not a PEM private key: ${(err as Error).message}`, 'private-key');
      }
    }
    if (leaf && key && !leaf.checkPrivateKey(key))
      ctx.error(
        pathOf(layout.key),
        `the private key does not match the certificate in "${layout.cert}" (subject ${leaf.subject.replace(/\n/g, ', ')})`,
        'key-mismatch',
      );
    if ((cert === undefined) !== (keyBytes === undefined) && type !== 'kubernetes.io/tls')
      ctx.error(
        pathOf(cert === undefined ? layout.key : layout.cert),
        `"${layout.cert}" and "${layout.key}" go together: set both or neither`,
        'required',
      );
    const ca = values.get(layout.ca);
    if (ca !== undefined) {
      try {
        parseCertificates(ca.toString('utf8'));
      } catch (err) {
        ctx.error(pathOf(layout.ca), `CA certificates: ${(err as Error).message}`, 'certificate');
      }
    }
  }
}

const secretSpec = new Schema<SecretSpec>('a Secret', (input, ctx, path) => {
  const before = ctx.errorCount;
  const r = raw.parse(input, ctx, path);
  if (r === undefined) return undefined;
  const values = new Map<string, Buffer>();
  const from = new Map<string, string>();
  for (const [k, v] of Object.entries(r.data ?? {})) {
    const p = joinPath(joinPath(path, 'data'), k);
    if (!KEY_NAME.test(k))
      ctx.error(p, 'a Secret key may hold only letters, digits, "-", "_" and "."', 'key');
    const text = v.replace(/\s+/g, '');
    if (!BASE64.test(text) || text.length % 4 !== 0) {
      ctx.error(p, 'not valid base64 (data values are base64; use stringData for plain text)', 'base64');
      continue;
    }
    values.set(k, Buffer.from(text, 'base64'));
    from.set(k, p);
  }
  // stringData wins over data for the same key, as the Kubernetes API server merges them.
  for (const [k, v] of Object.entries(r.stringData ?? {})) {
    const p = joinPath(joinPath(path, 'stringData'), k);
    if (!KEY_NAME.test(k))
      ctx.error(p, 'a Secret key may hold only letters, digits, "-", "_" and "."', 'key');
    values.set(k, Buffer.from(v, 'utf8'));
    from.set(k, p);
  }
  const type = r.type ?? 'Opaque';
  checkTls(values, (k) => from.get(k) ?? joinPath('data', k), type, ctx);
  if (ctx.errorCount > before) return undefined;
  const keys = [...values.keys()].sort();
  const hash = createHash('sha256');
  for (const k of keys) hash.update(`${k}\0${values.get(k)?.length}\0`).update(values.get(k) as Buffer);
  const spec: SecretSpec = {
    type,
    data: Object.fromEntries(keys.map((k) => [k, `${values.get(k)?.length} bytes`])),
    sha256: hash.digest('hex').slice(0, 16),
    ...(r.immutable !== undefined ? { immutable: r.immutable } : {}),
  };
  attachHidden(spec, new Map(keys.map((k) => [k, values.get(k) as Buffer])));
  return spec;
});

export const secretKind = defineKind<SecretSpec>({
  kind: 'Secret',
  group: '',
  versions: ['v1'],
  namespaced: true,
  spec: secretSpec,
  topLevelFields: ['type', 'data', 'stringData', 'immutable'],
  // Written back as the API server stores it: stringData folded into base64 data.
  documentOf: (spec) => {
    const values = materialOf(spec);
    if (!values) return undefined;
    return {
      type: spec.type,
      data: Object.fromEntries([...values].map(([k, v]) => [k, v.toString('base64')])),
      ...(spec.immutable !== undefined ? { immutable: spec.immutable } : {}),
    };
  },
  description: 'Kubernetes Secret: certificates and keys that Gateway credentialName names',
});

/** A Secret's decoded values by key (undefined for a resource that did not come through validation). */
export function secretData(r: Pick<Resource, 'spec'>): ReadonlyMap<string, Buffer> | undefined {
  return materialOf(r.spec);
}

/**
 * The TLS credential of a Secret as Istio reads it: `cert`/`key` (generic) or else `tls.crt`/`tls.key`, and
 * the CA from `cacert` or else `ca.crt`.
 */
export function secretTls(r: Pick<Resource, 'spec'>): SecretTls {
  const data = secretData(r);
  if (!data) return {};
  const text = (k: string) => data.get(k)?.toString('utf8');
  const out: SecretTls = {};
  const generic = data.has(TLS_KEYS.generic.cert) && data.has(TLS_KEYS.generic.key);
  const layout = generic ? TLS_KEYS.generic : TLS_KEYS.tls;
  const cert = text(layout.cert);
  const key = text(layout.key);
  if (cert !== undefined && key !== undefined) {
    out.certificateChain = cert;
    out.privateKey = key;
  }
  const ca = text(TLS_KEYS.generic.ca) ?? text(TLS_KEYS.tls.ca);
  if (ca !== undefined) out.caCertificates = ca;
  return out;
}
