import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadOrCreateAuthSecret } from '../cluster/auth-secret';
import { Role } from '../subgraphs/common/auth/caller';
import { issueToken } from '../subgraphs/common/auth/tokens';

const HELP = `npm run token -- --role ROLE [options]   prints a development bearer token

  --role member     --member 320500-00000001          a member (their own data)
  --role portal     --province 32                      a provincial portal
  --role operator   --province 32 --operator SZ-0042   an agency window operator
  --role dashboard                                     the national dashboard (aggregates only)
  --ttl 28800       seconds the token is valid (default 8 hours)
  --data-dir .data  where npm start keeps the cluster's secret (env AUTH_SECRET overrides)`;

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
      help: { type: 'boolean', default: false },
    },
  });
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
  const secret = loadOrCreateAuthSecret(resolve(values['data-dir']));
  console.log(await issueToken(secret, { role, subject, province: values.province, ttlSeconds: Number(values.ttl) }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
