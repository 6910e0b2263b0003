import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { parsePrivateKey } from '../subgraphs/common/platform/auth/keys';
import { ServiceCredential } from '../subgraphs/common/platform/auth/service-credential';
import { ProvinceDirectory } from '../subgraphs/national/provinces/province-directory';
import { parseProvinceUrls } from '../subgraphs/common/platform/config/shared';
import { reconcile } from '../subgraphs/national/reconciliation/reconciliation';
import { healRestoredProvince } from '../subgraphs/national/restore/restore-heal';
import { readFileSync } from 'node:fs';
import { parseOptions, runScript, UsageError } from './cli';

const HELP = `npm run restore-heal -- --province 32 [--check]

After a province's database was restored from a backup, books again in that province everything
national asked of it (holds, own-account debits, captures, releases, restores, refunds to accounts,
ended memberships, account moves): each is idempotent by its operation id, so what the backup holds
is left as it is and what it lost is booked once. It prints R20 reconciliation of the province
before and after, and every operation the province refused (what this cannot heal).

  --province 32   the restored province
  --check         reconcile only, change nothing

Run it where national runs, with national's environment: DATABASE_URL (national's database),
SERVICE_KEY_FILE or SERVICE_KEY (national's own key, which the provinces accept), PROVINCE_URLS.
Exit code 0 when the province reconciles balanced at the end, 1 when differences are left.`;

async function main(): Promise<void> {
  const values = parseOptions(
    {
      province: { type: 'string' },
      check: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    process.argv.slice(2),
  );
  if (values.help) return console.log(HELP);
  const province = values.province ?? '';
  if (!/^\d{2}$/.test(province)) throw new UsageError('--province takes a two-digit province code, e.g. --province 32');
  const env = process.env;
  if (!env.DATABASE_URL) throw new UsageError("DATABASE_URL must name national's database");
  const keyText = env.SERVICE_KEY_FILE ? readFileSync(env.SERVICE_KEY_FILE, 'utf8') : env.SERVICE_KEY;
  if (!keyText) throw new UsageError("SERVICE_KEY_FILE or SERVICE_KEY must hold national's own key");
  const provinces = new ProvinceDirectory(
    parseProvinceUrls(env.PROVINCE_URLS),
    new ServiceCredential(parsePrivateKey(keyText, 'SERVICE_KEY')),
  );
  if (!provinces.isConnected(province))
    throw new UsageError(`PROVINCE_URLS names no deployment of province ${province}`);
  const db = new DataSource({ type: 'postgres', url: env.DATABASE_URL, entities: [], migrations: [], logging: false });
  await db.initialize();
  try {
    const print = async (when: string) => {
      const report = await reconcile(db, provinces, province);
      console.log(
        `R20 reconciliation of province ${province} ${when}: ${report.differences.length === 0 ? 'balanced' : `${report.differences.length} differences`}`,
      );
      for (const difference of report.differences) console.log(`  ${difference}`);
      return report.differences.length === 0;
    };
    const balancedBefore = await print('before');
    if (values.check) {
      process.exitCode = balancedBefore ? 0 : 1;
      return;
    }
    const heal = await healRestoredProvince(db, provinces, province);
    console.log(`sent ${heal.sent} operations again to province ${province}`);
    for (const r of heal.refused) console.log(`  refused: ${r.action} ${r.operationId} (${r.subject}): ${r.reason}`);
    for (const d of heal.differentParts)
      console.log(
        `  booked differently: ${d.action} ${d.operationId} (${d.subject}): recorded ${d.recorded}, booked ${d.booked}`,
      );
    process.exitCode = (await print('after')) ? 0 : 1;
  } finally {
    await db.destroy();
  }
}

runScript(main, 'npm run restore-heal -- --help');
