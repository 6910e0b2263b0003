import { subgraphServer } from '../common/apollo';
import { openDatabase } from '../common/database';
import { serveHttp, type RunningHttpService } from '../common/http-server';
import { type NationalContext, nationalContext } from './context';
import { Init1732300000000 } from './migrations/1732300000000-Init';
import { MutualAid1732400000000 } from './migrations/1732400000000-MutualAid';
import { recoverOnce, startRecoveryWorker } from './recovery/recovery-worker';
import { INTERNAL_PREFIX, internalRoute } from '../common/internal-rpc';
import { ProvinceDirectory } from './provinces/province-directory';
import { syncRegistry } from './registry/registry';
import { buildNationalSchema } from './schema';

export interface NationalServiceConfig {
  databaseUrl: string;
  port: number;
  host?: string;
  serviceToken: string;
  provinceUrls: Record<string, string>; // base URL of each provincial deployment, by code
  recoveryIntervalMs?: number;
  /** How old an unfinished operation must be before recovery takes it over from its request. */
  recoveryGraceSeconds?: number;
}

/** Starts the `national` subgraph on its own database. */
export async function startNationalService(config: NationalServiceConfig): Promise<RunningHttpService> {
  const db = await openDatabase({ url: config.databaseUrl, entities: [], migrations: [Init1732300000000, MutualAid1732400000000] });
  await syncRegistry(db);
  const provinces = new ProvinceDirectory(config.provinceUrls, config.serviceToken);
  const apollo = subgraphServer<NationalContext>(await buildNationalSchema());
  await apollo.start();
  const graceSeconds = config.recoveryGraceSeconds ?? 5;
  const stopRecovery = startRecoveryWorker(nationalContext(db, provinces), config.recoveryIntervalMs ?? 2000, graceSeconds);
  const service = await serveHttp({
    apollo,
    context: async () => nationalContext(db, provinces),
    port: config.port,
    host: config.host,
    routes: {
      'GET /health': async () => ({ status: 200, body: { status: 'ok' } }),
      // Runs one recovery round now, for operators and tests (the worker runs it periodically).
      [`POST ${INTERNAL_PREFIX}recover`]: internalRoute(config.serviceToken, () => recoverOnce(nationalContext(db, provinces), 0)),
    },
  });
  return {
    ...service,
    async close() {
      stopRecovery();
      await service.close();
      await db.destroy();
    },
  };
}
