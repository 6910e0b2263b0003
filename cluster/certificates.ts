import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The development certificates of HTTPS between deployments (docs/cryptography.md, In transit),
 * made with the openssl command, in `<keys>/tls`:
 *   ca.crt, ca.key                     the development CA (its key mode 0600)
 *   <deployment>.crt, <deployment>.key  one deployment's certificate, signed by the CA, for
 *                                       localhost and 127.0.0.1 (its key mode 0600)
 * Made once; delete the folder (or one deployment's two files) to make them again.
 */
export const tlsDir = (keysDir: string) => join(keysDir, 'tls');
export const caCertificateFile = (keysDir: string) => join(tlsDir(keysDir), 'ca.crt');
export const certificateFile = (keysDir: string, name: string) => join(tlsDir(keysDir), `${name}.crt`);
export const certificateKeyFile = (keysDir: string, name: string) => join(tlsDir(keysDir), `${name}.key`);

const DAYS = '825';
const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** A new P-256 private key, in a file that is mode 0600 before a byte of the key is written. */
function privateKey(file: string): void {
  writeFileSync(file, '', { mode: 0o600 });
  chmodSync(file, 0o600); // whatever the umask
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
}

/** The development CA of a keys folder (made when absent); its certificate file. */
export function developmentCa(keysDir: string): string {
  const dir = tlsDir(keysDir);
  mkdirSync(dir, { recursive: true });
  const key = join(dir, 'ca.key');
  const cert = caCertificateFile(keysDir);
  if (existsSync(cert) && existsSync(key)) return cert;
  privateKey(key);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-sha256',
    '-days',
    DAYS,
    '-subj',
    '/CN=wallet development CA',
    '-out',
    cert,
  ]);
  return cert;
}

/** One deployment's certificate and key (made when absent), signed by the keys folder's CA. */
export function deploymentCertificate(keysDir: string, name: string): { cert: string; key: string } {
  const ca = developmentCa(keysDir);
  const cert = certificateFile(keysDir, name);
  const key = certificateKeyFile(keysDir, name);
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  const dir = tlsDir(keysDir);
  const request = join(dir, `${name}.csr`);
  const extensions = join(dir, `${name}.ext`);
  privateKey(key);
  openssl(['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', request]);
  writeFileSync(
    extensions,
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  openssl([
    'x509',
    '-req',
    '-in',
    request,
    '-CA',
    ca,
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-days',
    DAYS,
    '-sha256',
    '-extfile',
    extensions,
    '-out',
    cert,
  ]);
  rmSync(request);
  rmSync(extensions);
  return { cert, key };
}

/** What the round-robin front of a service with copies serves (the service's certificate) and trusts (the CA). */
export function frontTls(keysDir: string, name: string): { cert: Buffer; key: Buffer; ca: Buffer } {
  const { cert, key } = deploymentCertificate(keysDir, name);
  return { cert: readFileSync(cert), key: readFileSync(key), ca: readFileSync(developmentCa(keysDir)) };
}

/** The environment of a service that serves HTTPS and trusts the CA of the keys folder. */
export function tlsEnv(keysDir: string, name: string): Record<string, string> {
  const { cert, key } = deploymentCertificate(keysDir, name);
  return { TLS_CERT_FILE: cert, TLS_KEY_FILE: key, TLS_CA_FILE: caCertificateFile(keysDir) };
}
