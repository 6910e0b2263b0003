import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import {
  deploymentKey,
  identityProvider,
  jwksFile,
  keyEncryptionKeyFile,
  suiteKeysDir,
  trustedKeys,
} from '../cluster/keys';
import { caCertificateFile, deploymentCertificate } from '../cluster/certificates';
import { cryptoSuiteNamed } from '../subgraphs/common/platform/crypto/suite';
import { parseOptions, provinceCodes, runScript } from './cli';

const HELP = `npm run -s keys -- [--data-dir .data-compose] [--provinces 32,13,51] > .env

Makes (once) the identity provider's key pair and every deployment's own key pair in <data-dir>/keys,
and prints the environment docker-compose.yml reads: the identity provider's public JWKS, each
deployment's own private key (each container is given only its own), and the public keys each
deployment trusts, and the key-encryption key file of national and of each province (personal data at
rest, mode 0600; docker-compose.yml mounts each as a secret), and HTTPS between deployments: a development
CA and a certificate per deployment for localhost and 127.0.0.1 (<keys>/tls, made with openssl, keys mode
0600; docs/cryptography.md). Tokens for those containers: npm run -s token -- --data-dir <data-dir> ...

CRYPTO_SUITE=gm npm run -s keys -- ...   SM2 keys (in <data-dir>/keys/gm), and CRYPTO_SUITE=gm in the
environment printed, so that every container runs the gm suite.`;

async function main(): Promise<void> {
  const values = parseOptions(
    {
      'data-dir': { type: 'string', default: '.data-compose' },
      provinces: { type: 'string', default: '32,13,51' },
      help: { type: 'boolean', default: false },
    },
    process.argv.slice(2),
  );
  if (values.help) return console.log(HELP);
  const provinces = provinceCodes(values.provinces, '--provinces');
  const suite = cryptoSuiteNamed(process.env.CRYPTO_SUITE);
  const keysDir = suiteKeysDir(resolve(values['data-dir'], 'keys'), suite);
  await identityProvider(keysDir, suite);
  const single = (value: string) => `'${value.replace(/'/g, '')}'`; // JSON has no ' of its own here
  const own = async (name: string) => JSON.stringify((await deploymentKey(keysDir, name)).privateJwk);
  const lines = [
    `CRYPTO_SUITE=${suite}`,
    `IDENTITY_JWKS=${single(JSON.stringify(JSON.parse(readFileSync(jwksFile(keysDir), 'utf8'))))}`,
    `GATEWAY_SERVICE_KEY=${single(await own('gateway'))}`,
    `NATIONAL_SERVICE_KEY=${single(await own('national'))}`,
    ...(await Promise.all(
      provinces.map(async (p) => `PROVINCE_${p}_SERVICE_KEY=${single(await own(`province-${p}`))}`),
    )),
    `NATIONAL_KEK_FILE=${keyEncryptionKeyFile(keysDir, 'national')}`,
    ...provinces.map((p) => `PROVINCE_${p}_KEK_FILE=${keyEncryptionKeyFile(keysDir, `province-${p}`)}`),
    `TLS_CA_FILE=${caCertificateFile(keysDir)}`,
    ...['gateway', 'national', ...provinces.map((p) => `province-${p}`)].flatMap((name) => {
      const { cert, key } = deploymentCertificate(keysDir, name);
      const prefix = name.toUpperCase().replace('-', '_');
      return [`${prefix}_TLS_CERT_FILE=${cert}`, `${prefix}_TLS_KEY_FILE=${key}`];
    }),
    `NATIONAL_TRUSTED_SERVICE_KEYS=${single(await trustedKeys(keysDir, ['gateway']))}`,
    `PROVINCE_TRUSTED_SERVICE_KEYS=${single(await trustedKeys(keysDir, ['national', 'gateway']))}`,
  ];
  console.log(lines.join('\n'));
}

runScript(main, 'npm run keys -- --help');
