import { subgraphServer } from '../common/apollo';
import { callerOfRequest } from '../common/auth/authenticate';
import type { Caller } from '../common/auth/caller';
import { ServiceCredential } from '../common/auth/service-credential';
import { openDatabase } from '../common/database';
import { AdjustableClock, systemClock } from '../common/clock';
import { type JsonRoute, serveHttp, type RunningHttpService } from '../common/http-server';
import { type NationalContext, nationalContext } from './context';
import { Init1732300000000 } from './migrations/1732300000000-Init';
import { MutualAid1732400000000 } from './migrations/1732400000000-MutualAid';
import { PilotRules1732500000000 } from './migrations/1732500000000-PilotRules';
import { RelationshipDonorIndex1732700000000 } from './migrations/1732700000000-RelationshipDonorIndex';
import { AidStatistics1732900000000 } from './migrations/1732900000000-AidStatistics';
import { recoverOnce, startRecoveryWorker } from './recovery/recovery-worker';
import { INTERNAL_PREFIX, internalRoute } from '../common/internal-rpc';
import { ProvinceDirectory } from './provinces/province-directory';
import { syncRegistry } from './registry/registry';
import { buildNationalSchema } from './schema';
import { foldStatisticsRows } from './statistics/kept-figures';

export interface NationalServiceConfig {
  databaseUrl: string;
  port: number;
  host?: string;
  /** The platform secret that signs every token (AUTH_SECRET). */
  authSecret: string;
  provinceUrls: Record<string, string>; // base URL of each provincial deployment, by code
  recoveryIntervalMs?: number;
  /** How old an unfinished operation must be before recovery takes it over from its request. */
  recoveryGraceSeconds?: number;
  /** Tests only: a clock that can be set through the internal `clock` operation. */
  adjustableClock?: boolean;
}

/** Starts the `national` subgraph on its own database. */
export async function startNationalService(config: NationalServiceConfig): Promise<RunningHttpService> {
  const db = await openDatabase({
    url: config.databaseUrl,
    entities: [],
    migrations: [
      Init1732300000000, MutualAid1732400000000, PilotRules1732500000000, RelationshipDonorIndex1732700000000, AidStatistics1732900000000,
    ],
  });
  await syncRegistry(db);
  await foldStatisticsRows(db);
  const folding = setInterval(() => foldStatisticsRows(db).catch((error: Error) => console.error(`folding statistics rows: ${error.message}`)), 60_000);
  const credential = new ServiceCredential(config.authSecret, 'national');
  const provinces = new ProvinceDirectory(config.provinceUrls, credential);
  const apollo = subgraphServer<NationalContext>(await buildNationalSchema());
  await apollo.start();
  const clock = config.adjustableClock ? new AdjustableClock() : systemClock;
  const context = (caller?: Caller) => nationalContext(db, provinces, clock, caller);
  const stopRecovery = startRecoveryWorker(context, config.recoveryIntervalMs ?? 2000, config.recoveryGraceSeconds ?? 5);
  const setClock: Record<string, JsonRoute> = clock instanceof AdjustableClock
    ? {
        [`POST ${INTERNAL_PREFIX}clock`]: internalRoute(credential, async ({ now }: { now: string }) => {
          clock.set(new Date(now));
          return { now: clock.now().toISOString() };
        }),
      }
    : {};
  const service = await serveHttp({
    apollo,
    context: async (request) => context(await callerOfRequest(config.authSecret, request.headers.authorization)),
    port: config.port,
    host: config.host,
    routes: {
      'GET /health': async () => ({ status: 200, body: { status: 'ok' } }),
      // Runs one recovery round now, for operators and tests (the worker runs it periodically).
      [`POST ${INTERNAL_PREFIX}recover`]: internalRoute(credential, () => recoverOnce(context(), 0)),
      ...setClock,
    },
  });
  return {
    ...service,
    async close() {
      clearInterval(folding);
      stopRecovery();
      await service.close();
      await db.destroy();
    },
  };
}
