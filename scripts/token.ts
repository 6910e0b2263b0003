import { resolve } from 'node:path';
import { madeIdentityProvider, retirePreviousIdentityKeys, rotateIdentityKey, suiteKeysDir } from '../cluster/keys';
import { DEFAULT_DATA_DIR } from '../cluster/start-lock';
import { Role } from '../subgraphs/common/platform/auth/caller';
import { issueToken, MAX_TOKEN_LIFETIME_SECONDS } from '../subgraphs/common/platform/auth/tokens';
import { cryptoSuiteNamed } from '../subgraphs/common/platform/crypto/suite';
import { findPoolingRegion } from '../subgraphs/common/domain/reference-data';
import { isMemberId, regionOfMemberId } from '../subgraphs/common/domain/routing-keys';
import { parseOptions, provinceCodes, runScript, UsageError, wholeNumber } from './cli';

const DAY = 86_400;
const HELP = `npm run -s token -- --role ROLE [options]   prints a development bearer token (and nothing else)

  --role member     --member 320500-00000001          a member: their member id (pooling region, dash, 8 digits)
  --role portal     --province 32                      a provincial portal: a GB/T 2260 province code
  --role operator   --province 32 --operator SZ-0042   an agency window operator: its province and operator id
  --role dashboard                                     the national dashboard (aggregates only)
  --ttl 28800       seconds the token is valid: a whole number from 1 to ${MAX_TOKEN_LIFETIME_SECONDS} (${MAX_TOKEN_LIFETIME_SECONDS / DAY} days;
                    the services refuse a token that lives longer); default 8 hours
  --data-dir .data  the data folder of npm start (env DATA_DIR): tokens are signed with the identity
                    provider's private key that npm start made in <data-dir>/keys; a folder without
                    that key is refused (no key is made here)
  --issuer, --audience   what the token names (env TOKEN_ISSUER, TOKEN_AUDIENCE; as the services expect)

CRYPTO_SUITE=gm npm run -s token -- ...   an SM2-signed token (alg SM2SM3), with the keys of
                  npm start --crypto-suite gm (<data-dir>/keys/gm)

npm run token -- --rotate        a new signing key; the JWKS holds the new and the previous key
npm run token -- --retire-old    the JWKS keeps the current key only (the previous one's tokens are refused)`;

const ROLES: Record<string, Role> = {
  member: Role.MEMBER,
  portal: Role.PROVINCIAL_PORTAL,
  operator: Role.WINDOW_OPERATOR,
  dashboard: Role.NATIONAL_DASHBOARD,
};

/** Which of --member, --province, --operator each role takes (all required, no other). */
const WHO: Record<string, readonly ('member' | 'province' | 'operator')[]> = {
  member: ['member'],
  portal: ['province'],
  operator: ['province', 'operator'],
  dashboard: [],
};

function memberIdOf(text: string): string {
  if (!isMemberId(text)) {
    throw new UsageError(
      `--member ${JSON.stringify(text)} is not a member id: the six digits of a pooling region, a dash and eight digits, e.g. 320500-00000001`,
    );
  }
  const region = regionOfMemberId(text) as string;
  if (!findPoolingRegion(region))
    throw new UsageError(`--member ${text} names the pooling region ${region}, which the platform does not know`);
  return text;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) return console.log(HELP);
  const values = parseOptions(
    {
      role: { type: 'string' },
      member: { type: 'string' },
      province: { type: 'string' },
      operator: { type: 'string' },
      ttl: { type: 'string' },
      'data-dir': { type: 'string' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      rotate: { type: 'boolean', default: false },
      'retire-old': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    args,
  );
  const dataDir = resolve(values['data-dir'] ?? (process.env.DATA_DIR || DEFAULT_DATA_DIR));
  const keysDir = suiteKeysDir(resolve(dataDir, 'keys'), cryptoSuiteNamed(process.env.CRYPTO_SUITE)); // CRYPTO_SUITE=gm: the SM2 keys npm start made
  const keys = () => {
    const identity = madeIdentityProvider(keysDir);
    if (identity) return identity;
    throw new UsageError(
      `${dataDir} holds no identity provider key (${keysDir}): npm start makes it on its first start. ` +
        'Give the --data-dir that npm start uses (default .data); nothing was written.',
    );
  };

  const keyCommand = values.rotate ? 'rotate' : values['retire-old'] ? 'retire-old' : undefined;
  if (keyCommand) {
    const other = (['role', 'member', 'province', 'operator', 'ttl', 'issuer', 'audience'] as const).find(
      (name) => values[name] !== undefined,
    );
    if (other || (values.rotate && values['retire-old']))
      throw new UsageError(`--${keyCommand} takes no other option but --data-dir`);
    keys();
    if (values.rotate)
      return console.log(
        `signing with ${(await rotateIdentityKey(keysDir)).privateJwk.kid}; the previous key stays in the JWKS`,
      );
    await retirePreviousIdentityKeys(keysDir);
    return console.log('the JWKS holds the current key only');
  }

  if (values.role === undefined) throw new UsageError('--role is needed: member, portal, operator or dashboard');
  const role = ROLES[values.role];
  if (!role)
    throw new UsageError(`--role ${JSON.stringify(values.role)} is not a role: member, portal, operator or dashboard`);
  for (const name of ['member', 'province', 'operator'] as const) {
    const takes = WHO[values.role].includes(name);
    if (takes && !values[name]?.trim()) throw new UsageError(`--role ${values.role} needs --${name}`);
    if (!takes && values[name] !== undefined) {
      throw new UsageError(
        `--${name} is not for --role ${values.role}${name === 'province' ? ": a member's province is that of their member id" : ''}`,
      );
    }
  }
  if (values.province?.includes(',')) throw new UsageError('--province takes one province code');
  const province = values.province === undefined ? undefined : provinceCodes(values.province, '--province')[0];
  const subject = {
    [Role.MEMBER]: () => memberIdOf(values.member as string),
    [Role.PROVINCIAL_PORTAL]: () => `portal-${province}`,
    [Role.WINDOW_OPERATOR]: () => (values.operator as string).trim(),
    [Role.NATIONAL_DASHBOARD]: () => 'dashboard',
    [Role.SERVICE]: () => '',
  }[role]();
  const ttlSeconds = wholeNumber(
    values.ttl ?? '28800',
    '--ttl',
    1,
    MAX_TOKEN_LIFETIME_SECONDS,
    `a lifetime: a whole number of seconds from 1 to ${MAX_TOKEN_LIFETIME_SECONDS} (${MAX_TOKEN_LIFETIME_SECONDS / DAY} days)`,
  );
  for (const name of ['issuer', 'audience'] as const) {
    if (values[name] !== undefined && !values[name].trim()) throw new UsageError(`--${name} needs a value`);
  }
  const signer = {
    ...keys(),
    issuer: values.issuer ?? process.env.TOKEN_ISSUER,
    audience: values.audience ?? process.env.TOKEN_AUDIENCE,
  };
  console.log(await issueToken(signer, { role, subject, province, ttlSeconds }));
}

runScript(main, 'npm run token -- --help');
