// Certificates for the benchmark's mTLS pair, made with openssl: an ECDSA P-256 root and one leaf per proxy
// with a SPIFFE URI SAN, as the mesh CA issues them (so the handshake costs what it costs in the mesh).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const openssl = (args, cwd) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

function leaf(dir, name, spiffeId) {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', '/O=cluster.local', '-out', `${name}.csr`], dir);
  const ext = path.join(dir, `${name}.ext`);
  execFileSync('sh', [
    '-c',
    `printf 'subjectAltName=URI:${spiffeId}\\nkeyUsage=critical,digitalSignature,keyEncipherment\\nextendedKeyUsage=serverAuth,clientAuth\\n' > ${ext}`,
  ]);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'root.pem',
      '-CAkey',
      'root.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      ext,
      '-out',
      `${name}.pem`,
    ],
    dir,
  );
  return {
    cert: readFileSync(path.join(dir, `${name}.pem`), 'utf8'),
    key: readFileSync(path.join(dir, `${name}.key`), 'utf8'),
    spiffeId,
  };
}

/** { ca, client: {cert, key, spiffeId}, server: {…} } as PEM text, written under dir. */
export function makeMtlsCertificates(dir) {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'root.key'], dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'root.key',
      '-subj',
      '/O=cluster.local/CN=bench root',
      '-days',
      '2',
      '-out',
      'root.pem',
    ],
    dir,
  );
  return {
    ca: readFileSync(path.join(dir, 'root.pem'), 'utf8'),
    client: leaf(dir, 'client', 'spiffe://cluster.local/ns/bench/sa/client'),
    server: leaf(dir, 'server', 'spiffe://cluster.local/ns/bench/sa/server'),
  };
}
