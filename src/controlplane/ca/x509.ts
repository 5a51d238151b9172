// The one entry to @peculiar/x509: loads the Reflect polyfill it needs, binds it to Node's WebCrypto, and
// owns the key types the mesh uses (ECDSA P-256, RSA 2048) with their PEM import/export.
import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export { x509 };

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** Key types a CA or a workload may hold; ECDSA P-256 is the default (Istio's too). */
export type KeyType = 'ecdsa-p256' | 'rsa-2048';
export const KEY_TYPES: readonly KeyType[] = ['ecdsa-p256', 'rsa-2048'];
export const DEFAULT_KEY_TYPE: KeyType = 'ecdsa-p256';

/** WebCrypto parameters that both generate a key of this type and sign with it (SHA-256 throughout). */
export function keyAlgorithm(
  type: KeyType,
): webcrypto.RsaHashedKeyGenParams | (webcrypto.EcKeyGenParams & webcrypto.EcdsaParams) {
  if (type === 'rsa-2048') {
    return {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    };
  }
  return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
}

export function parseKeyType(text: string): KeyType | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'ecdsa' || t === 'ec' || t === 'ecdsa-p256' || t === 'p256') return 'ecdsa-p256';
  if (t === 'rsa' || t === 'rsa-2048' || t === 'rsa2048') return 'rsa-2048';
  return undefined;
}

export async function generateKeyPair(type: KeyType = DEFAULT_KEY_TYPE): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(keyAlgorithm(type), true, ['sign', 'verify']);
}

/** PKCS#8 PEM ("BEGIN PRIVATE KEY"), the form Node's tls and Envoy both read. */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/**
 * Reads a private key PEM in any form OpenSSL writes (PKCS#8, SEC1 "EC PRIVATE KEY", PKCS#1 "RSA PRIVATE
 * KEY") and returns a signing CryptoKey with its key type. Other curves and RSA sizes below 2048 are refused.
 */
export async function importPrivateKeyPem(pem: string): Promise<{ key: CryptoKey; type: KeyType }> {
  const keyObject = createPrivateKey(pem);
  const details = keyObject.asymmetricKeyDetails ?? {};
  let type: KeyType;
  if (keyObject.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') type = 'ecdsa-p256';
  else if (keyObject.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) type = 'rsa-2048';
  else {
    throw new Error(
      `unsupported private key (${keyObject.asymmetricKeyType} ${details.namedCurve ?? details.modulusLength ?? ''}): ` +
        'use ECDSA P-256 or RSA of at least 2048 bits',
    );
  }
  const der = keyObject.export({ format: 'der', type: 'pkcs8' });
  const algorithm = keyAlgorithm(type);
  const key = await webcrypto.subtle.importKey('pkcs8', der, algorithm, true, ['sign']);
  return { key, type };
}

/** Every certificate in a PEM text, in order. */
export function parseCertificates(pem: string): x509.X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => new x509.X509Certificate(block));
}

export function toPem(cert: x509.X509Certificate): string {
  return cert.toString('pem') + '\n';
}

/** True when `cert`'s signature verifies with `issuer`'s public key and the names chain. */
export async function isSignedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  if (cert.issuer !== issuer.subject) return false;
  return cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
}

/**
 * A random positive serial of 16 octets in hex (RFC 5280 allows up to 20). The first octet is 0x40–0x7f:
 * the sign bit stays clear and no leading zero nibble appears, so every tool prints the same 32 digits.
 */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x3f) | 0x40;
  return Buffer.from(bytes).toString('hex');
}
