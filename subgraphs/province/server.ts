import { callerOfRequest } from '../common/auth/authenticate';
import type { ServiceTrust } from '../common/auth/trust-config';
import { openDatabase } from '../common/database';
import { serveHttp, type RunningHttpService } from '../common/http-server';
import { subgraphServer } from '../common/apollo';
import { type ProvinceContext, provinceContext } from './context';
import { internalRoutes } from './internal/routes';
import { Init1732300000000 } from './migrations/1732300000000-Init';
import { Memberships1732500000000 } from './migrations/1732500000000-Memberships';
import { KeptFigures1732700000000 } from './migrations/1732700000000-KeptFigures';
import { AnswersByKey1732800000000 } from './migrations/1732800000000-AnswersByKey';
import { DataAccessRecords1732900000000 } from './migrations/1732900000000-DataAccessRecords';
import { AccountMoves1733000000000 } from './migrations/1733000000000-AccountMoves';
import { PortalLists1733200000000 } from './migrations/1733200000000-PortalLists';
import { accessRecordingPlugin, coalescing, recordingPool } from '../common/access-log';
import { readsPlugin } from '../common/request-reads';
import { writeAccessRecords } from './access-log/access-records';
import { foldFigureRows, unfoldedFigureRows } from './statistics/province-figures';
import { errorText, log } from '../common/log';
import { poolOf, watchFoldLag, watchPool } from '../common/observability/metrics';
import { FigureRowAge1733217000000 } from './migrations/1733217000000-FigureRowAge';
import { PersonalDataAtRest1733400000000 } from './migrations/1733400000000-PersonalDataAtRest';
import { startPersonalDataAtRest } from '../common/crypto/personal-data-at-rest';
import { SEALED_ID_NUMBER } from './members/members';
import { buildProvinceSchema } from './schema';

export interface ProvinceServiceConfig {
  province: string;
  databaseUrl: string;
  port: number;
  host?: string;
  /** The identity provider's public keys, and the peers it accepts internal calls from (national; the gateway for the SDL). */
  trust: ServiceTrust;
}

/** Starts one provincial deployment of the `province` subgraph on its own database. */
export async function startProvinceService(config: ProvinceServiceConfig): Promise<RunningHttpService> {
  const db = await openDatabase({
    url: config.databaseUrl,
    entities: [],
    migrations: [Init1732300000000, Memberships1732500000000, KeptFigures1732700000000, AnswersByKey1732800000000, DataAccessRecords1732900000000,
      AccountMoves1733000000000, PortalLists1733200000000, FigureRowAge1733217000000, PersonalDataAtRest1733400000000],
  });
  let stopSealing: () => void;
  try {
    stopSealing = await startPersonalDataAtRest(db, [SEALED_ID_NUMBER]);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  await foldFigureRows(db);
  const folding = setInterval(() => foldFigureRows(db).catch((error: unknown) => log.error({ error: errorText(error) }, 'folding figure rows failed')), 60_000);
  folding.unref();
  const recording = recordingPool(config.databaseUrl);
  watchPool('main', poolOf(db));
  watchPool('recording', recording);
  watchFoldLag(() => unfoldedFigureRows(db));
  const apollo = subgraphServer<ProvinceContext>(await buildProvinceSchema(), [
    accessRecordingPlugin<ProvinceContext>(coalescing((records) => writeAccessRecords(recording, records, 'province'))),
    readsPlugin<ProvinceContext>(),
  ]);
  await apollo.start();
  const graphTrust = { policy: config.trust.policy, sdlReaders: { peers: config.trust.peers, names: ['gateway'] } };
  const service = await serveHttp({
    apollo,
    context: async (request) => provinceContext(db, config.province, await callerOfRequest(graphTrust, request.headers.authorization)),
    port: config.port,
    host: config.host,
    routes: {
      'GET /health': async () => ({ status: 200, body: { status: 'ok', province: config.province } }),
      ...internalRoutes(db, config.province, config.trust.peers),
    },
  });
  return {
    ...service,
    async close() {
      clearInterval(folding);
      stopSealing();
      await service.close();
      await recording.end();
      await db.destroy();
    },
  };
}
