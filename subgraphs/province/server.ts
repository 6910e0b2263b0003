import type { ServerTls } from '../common/platform/http/transit-tls';
import { callerOfRequest } from '../common/platform/auth/authenticate';
import type { ServiceTrust } from '../common/platform/auth/trust-config';
import { openDatabase } from '../common/platform/data/database';
import { PROVINCE_MIGRATIONS } from './migrations';
import { serveHttp, type RunningHttpService } from '../common/platform/http/http-server';
import { databaseAnswers, healthRoutes, keysLoaded } from '../common/platform/http/health';
import { subgraphServer } from '../common/platform/graphql/apollo';
import { type ProvinceContext, provinceContext } from './context';
import { internalRoutes } from './internal/routes';
import { accessRecordingPlugin, coalescing, recordingPool } from '../common/platform/access-log';
import { readsPlugin } from '../common/platform/data/request-reads';
import { writeAccessRecords } from './access-log/access-records';
import { foldFigureRows, unfoldedFigureRows } from './statistics/province-figures';
import { everyInOneCopy, inTransactionAlone } from '../common/platform/data/replica-jobs';
import { poolOf, watchFoldLag, watchPool } from '../common/platform/observability/metrics';
import { type PersonalDataSettings, startPersonalDataAtRest } from '../common/platform/crypto/personal-data-at-rest';
import { SEALED_ID_NUMBER } from './members/members';
import { buildProvinceSchema } from './graphql/schema';
import { startPlatformClock } from '../common/platform/platform-clock';
import { healthRoute } from '../common/platform/http/service-health';

const FOLDING = 'folding figure rows';

export interface ProvinceServiceConfig {
  province: string;
  databaseUrl: string;
  /** Encryption of personal data at rest: the suite, the KEK file, the re-sealing interval. */
  personalData: PersonalDataSettings;
  port: number;
  host?: string;
  /** HTTPS with this certificate and key; absent: plain HTTP. */
  tls?: ServerTls;
  /** NODE_ENV=production: no introspection. */
  production?: boolean;
  /** The identity provider's public keys, and the peers it accepts internal calls from (national; the gateway for the SDL). */
  trust: ServiceTrust;
  /** Tests only: a clock that can be set through the internal `clock` operation, starting this far ahead. */
  adjustableClock?: { offsetMs: number };
}

/** Starts one provincial deployment of the `province` subgraph on its own database. */
export async function startProvinceService(config: ProvinceServiceConfig): Promise<RunningHttpService> {
  const { routes: clockRoutes } = startPlatformClock(config.trust.peers, config.adjustableClock, config.production);
  const db = await openDatabase({
    url: config.databaseUrl,
    entities: [],
    migrations: PROVINCE_MIGRATIONS,
  });
  let stopSealing: () => void;
  try {
    stopSealing = await startPersonalDataAtRest(db, [SEALED_ID_NUMBER], config.personalData);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // Folding is safe in two copies at once (row locks), but one copy at a time does it without waiting on the other.
  await inTransactionAlone(db, FOLDING, foldFigureRows);
  const stopFolding = everyInOneCopy(FOLDING, 60_000, { db, sqlOnly: foldFigureRows });
  const recording = recordingPool(config.databaseUrl);
  watchPool('main', poolOf(db));
  watchPool('recording', recording);
  watchFoldLag(() => unfoldedFigureRows(db));
  const apollo = subgraphServer<ProvinceContext>(
    await buildProvinceSchema(),
    [
      accessRecordingPlugin<ProvinceContext>(
        coalescing((records) => writeAccessRecords(recording, records, 'province')),
      ),
      readsPlugin<ProvinceContext>(),
    ],
    { production: config.production },
  );
  await apollo.start();
  const graphTrust = { policy: config.trust.policy, sdlReaders: { peers: config.trust.peers, names: ['gateway'] } };
  const service = await serveHttp({
    apollo,
    context: async (request) =>
      provinceContext(db, config.province, await callerOfRequest(graphTrust, request.headers.authorization)),
    port: config.port,
    host: config.host,
    tls: config.tls,
    routes: {
      'GET /health': healthRoute(db, { province: config.province }),
      ...healthRoutes({ database: databaseAnswers(config.databaseUrl), keys: keysLoaded(config.trust, false) }),
      ...internalRoutes(db, config.province, config.trust.peers),
      ...clockRoutes,
    },
  });
  return {
    ...service,
    async close() {
      await service.close(); // drains the requests in flight first
      stopSealing();
      stopFolding();
      await recording.end();
      await db.destroy();
    },
  };
}
