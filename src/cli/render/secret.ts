// `proxy-config secret`: the SDS secrets of a config dump (certificate chains and roots) with the serial,
// validity window and SPIFFE identity read from each certificate, as istioctl prints them.
import { X509Certificate } from 'node:crypto';
import { arr, at, type Json, obj, section, str } from './dump.js';
import { renderTable } from './table.js';

export interface SecretRow {
  name: string;
  /** `Cert Chain` or `CA`. */
  type: string;
  state: 'ACTIVE' | 'WARMING';
  valid: boolean;
  serial: string;
  notAfter: string;
  notBefore: string;
  identity: string;
}

export function secretsSection(dump: unknown): Json | undefined {
  return section(dump, 'SecretsConfigDump');
}

/** PEM text of a DataSource (`inline_bytes` base64, or `inline_string`); '' when redacted or a file. */
function pemOf(dataSource: unknown): string {
  const ds = obj(dataSource);
  const bytes = str(ds.inline_bytes);
  if (bytes && bytes !== '[redacted]') return Buffer.from(bytes, 'base64').toString('utf8');
  const s = str(ds.inline_string);
  return s === '[redacted]' ? '' : s;
}

function firstCertificate(pem: string): X509Certificate | undefined {
  const m = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (!m) return undefined;
  try {
    return new X509Certificate(m[0]);
  } catch {
    return undefined;
  }
}

function isoDate(text: string): string {
  const t = Date.parse(text);
  return Number.isNaN(t) ? text : new Date(t).toISOString().replace('.000Z', 'Z');
}

function row(name: string, secret: Json, state: SecretRow['state'], now: number): SecretRow[] {
  const rows: SecretRow[] = [];
  const add = (type: string, pem: string) => {
    const cert = firstCertificate(pem);
    const from = cert ? Date.parse(cert.validFrom) : Number.NaN;
    const to = cert ? Date.parse(cert.validTo) : Number.NaN;
    const uris = (cert?.subjectAltName ?? '')
      .split(', ')
      .filter((s) => s.startsWith('URI:'))
      .map((s) => s.slice(4));
    rows.push({
      name,
      type,
      state,
      valid: cert !== undefined && from <= now && now <= to,
      serial: cert?.serialNumber.toLowerCase() ?? '',
      notAfter: cert ? isoDate(cert.validTo) : '',
      notBefore: cert ? isoDate(cert.validFrom) : '',
      identity: uris.join(',') || (cert?.subject.replace(/\n/g, ',') ?? ''),
    });
  };
  const chain = at(secret, 'tls_certificate', 'certificate_chain');
  if (chain !== undefined) add('Cert Chain', pemOf(chain));
  const ca = at(secret, 'validation_context', 'trusted_ca');
  if (ca !== undefined) add('CA', pemOf(ca));
  return rows;
}

/** One row per certificate chain or root found in the dump's secrets. */
export function secretRows(secrets: Json | undefined, now: number = Date.now()): SecretRow[] {
  if (!secrets) return [];
  const out: SecretRow[] = [];
  for (const s of arr(secrets.static_secrets)) out.push(...row(str(s.name), obj(s.secret), 'ACTIVE', now));
  for (const s of arr(secrets.dynamic_active_secrets))
    out.push(...row(str(s.name), obj(s.secret), 'ACTIVE', now));
  for (const s of arr(secrets.dynamic_warming_secrets))
    out.push(...row(str(s.name), obj(s.secret), 'WARMING', now));
  return out;
}

export function renderSecrets(rows: readonly SecretRow[]): string {
  if (rows.length === 0) return 'no secrets\n';
  return renderTable(
    ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE', 'IDENTITY'],
    rows.map((r) => [
      r.name,
      r.type,
      r.state,
      String(r.valid),
      r.serial,
      r.notAfter,
      r.notBefore,
      r.identity,
    ]),
    1,
  );
}
