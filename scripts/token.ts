import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { identityProvider, retirePreviousIdentityKeys, rotateIdentityKey } from '../cluster/keys';
import { Role } from '../subgraphs/common/auth/caller';
import { issueToken } from '../subgraphs/common/auth/tokens';

const HELP = `npm run token -- --role ROLE [options]   prints a development bearer token

  --role member     --member 320500-00000001          a member (their own data)
  --role portal     --province 32                      a provincial portal
  --role operator   --province 32 --operator SZ-0042   an agency window operator
  --role dashboard                                     the national dashboard (aggregates only)
  --ttl 28800       seconds the token is valid (default 8 hours)
  --data-dir .data  where npm start keeps its keys (env DATA_DIR); tokens are signed with the
                    identity provider's private key in <data-dir>/keys
  --issuer, --audience   what the token names (env TOKEN_ISSUER, TOKEN_AUDIENCE; as the services expect)

npm run token -- --rotate        a new signing key; the JWKS holds the new and the previous key
npm run token -- --retire-old    the JWKS keeps the current key only (the previous one's tokens are refused)`;

const ROLES: Record<string, Role> = {
  member: Role.MEMBER,
  portal: Role.PROVINCIAL_PORTAL,
  operator: Role.WINDOW_OPERATOR,
  dashboard: Role.NATIONAL_DASHBOARD,
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      member: { type: 'string' },
      province: { type: 'string' },
      operator: { type: 'string' },
      ttl: { type: 'string', default: '28800' },
      'data-dir': { type: 'string', default: process.env.DATA_DIR ?? '.data' },
      issuer: { type: 'string', default: process.env.TOKEN_ISSUER },
      audience: { type: 'string', default: process.env.TOKEN_AUDIENCE },
      rotate: { type: 'boolean', default: false },
      'retire-old': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const keysDir = resolve(values['data-dir'], 'keys');
  if (values.rotate) return void console.log(`signing with ${(await rotateIdentityKey(keysDir)).privateJwk.kid}; the previous key stays in the JWKS`);
  if (values['retire-old']) return void (await retirePreviousIdentityKeys(keysDir), console.log('the JWKS holds the current key only'));
  const role = ROLES[values.role ?? ''];
  if (values.help || !role) {
    console.log(HELP);
    process.exit(values.help ? 0 : 2);
  }
  const subject = { [Role.MEMBER]: values.member, [Role.PROVINCIAL_PORTAL]: `portal-${values.province}`,
    [Role.WINDOW_OPERATOR]: values.operator, [Role.NATIONAL_DASHBOARD]: 'dashboard', [Role.SERVICE]: undefined }[role];
  if (!subject || ((role === Role.PROVINCIAL_PORTAL || role === Role.WINDOW_OPERATOR) && !values.province)) {
    console.error(HELP);
    process.exit(2);
  }
  const identity = { ...(await identityProvider(keysDir)), issuer: values.issuer, audience: values.audience };
  console.log(await issueToken(identity, { role, subject, province: values.province, ttlSeconds: Number(values.ttl) }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
