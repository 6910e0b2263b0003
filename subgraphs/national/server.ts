import type { ServerTls } from '../common/platform/http/transit-tls';
import { subgraphServer } from '../common/platform/graphql/apollo';
import { callerOfRequest } from '../common/platform/auth/authenticate';
import type { Caller } from '../common/platform/auth/caller';
import type { ServiceTrust } from '../common/platform/auth/trust-config';
import { openDatabase, openQueryPool } from '../common/platform/data/database';
import { harnessCallers, startPlatformClock } from '../common/platform/platform-clock';
import { NATIONAL_MIGRATIONS } from './migrations';
import { serveHttp, type RunningHttpService } from '../common/platform/http/http-server';
import { databaseAnswers, healthRoutes, keysLoaded } from '../common/platform/http/health';
import { type PersonalDataSettings, startPersonalDataAtRest } from '../common/platform/crypto/personal-data-at-rest';
import { SEALED_PHONE } from './wallets/wallets';
import { SEALED_PERSON_ID_NUMBER } from './persons/person-id-number';
import { type NationalContext, nationalContext } from './context';
import { pruneWalletEvents } from './events/wallet-events';
import { accessRecordingPlugin, coalescing, recordingPool } from '../common/platform/access-log';
import { readsPlugin } from '../common/platform/data/request-reads';
import { keepForForwarding, startAccessRecordForwarder } from './access-log/access-record-outbox';
import { RECOVERY_JOB, recoverOnce, recoveryBacklog, startRecoveryWorker } from './recovery/recovery-worker';
import { INTERNAL_PREFIX, internalRoute } from '../common/platform/http/internal-rpc';
import { harnessOperations } from '../common/platform/http/internal-contract';
import { ProvinceDirectory } from './provinces/province-directory';
import { syncRegistry } from './registry/registry';
import { buildNationalSchema } from './graphql/schema';
import { foldStatisticsRows, unfoldedStatisticsRows } from './statistics/kept-figures';
import { everyInOneCopy, ExclusiveJobs, inTransactionAlone } from '../common/platform/data/replica-jobs';
import { poolOf, watchFoldLag, watchPool } from '../common/platform/observability/metrics';
import { watchOutbox, watchReconciliation } from './national-metrics';
import { lastReconciliations } from './reconciliation/reconciliation-results';
import { startReconciliationJob } from './reconciliation/reconciliation-job';
import { outboxBacklog } from './steps/province-steps';
import type { BreakerSettings } from '../common/platform/http/circuit-breaker';
import { healthRoute } from '../common/platform/http/service-health';

const FOLDING = 'folding statistics rows';
/** Connections for query operations' reads, beside the main pool's 10 (database.ts, openQueryPool). */
const QUERY_POOL_SIZE = 10;

export interface NationalServiceConfig {
  databaseUrl: string;
  /** Encryption of personal data at rest: the suite, the KEK file, the re-sealing interval. */
  personalData: PersonalDataSettings;
  /** The circuit breaker per province (default DEFAULT_BREAKER). */
  breaker?: BreakerSettings;
  port: number;
  host?: string;
  /** HTTPS with this certificate and key; absent: plain HTTP. */
  tls?: ServerTls;
  /** NODE_ENV=production: no introspection and no test harness. */
  production?: boolean;
  /** The identity provider's public keys, national's own service key, the peers it accepts calls from. */
  trust: ServiceTrust;
  provinceUrls: Record<string, string>; // base URL of each provincial deployment, by code
  recoveryIntervalMs?: number;
  /** How old an unfinished operation must be before recovery takes it over from its request. */
  recoveryGraceSeconds?: number;
  /** R20: how often every province is reconciled for /metrics (default 15 minutes). */
  reconciliationIntervalMs?: number;
  /** R32: how often staff reads of national data are forwarded to the members' provinces. */
  accessForwardIntervalMs?: number;
  /** Tests only: a clock that can be set through the internal `clock` operation, starting this far ahead. */
  adjustableClock?: { offsetMs: number };
}

/** Starts the `national` subgraph on its own database. */
export async function startNationalService(config: NationalServiceConfig): Promise<RunningHttpService> {
  // First: every time stamp written from here on (data keys included) reads the platform clock.
  const { clock, routes: clockRoutes } = startPlatformClock(
    config.trust.peers,
    config.adjustableClock,
    config.production,
  );
  const db = await openDatabase({
    url: config.databaseUrl,
    entities: [],
    migrations: NATIONAL_MIGRATIONS,
  });
  let stopSealing: () => void;
  try {
    stopSealing = await startPersonalDataAtRest(db, [SEALED_PHONE, SEALED_PERSON_ID_NUMBER], config.personalData);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const queries = await openQueryPool(db, QUERY_POOL_SIZE);
  await syncRegistry(db);
  // Background work runs in one copy of national at a time, whatever the number of copies (docs/replicas-and-restore.md).
  const jobs = new ExclusiveJobs(config.databaseUrl);
  await inTransactionAlone(db, FOLDING, foldStatisticsRows);
  const stopFolding = everyInOneCopy(FOLDING, 60_000, { db, sqlOnly: foldStatisticsRows });
  const stopPruning = everyInOneCopy('pruning wallet events', 60_000, { db, sqlOnly: pruneWalletEvents });
  const credential = config.trust.credential;
  if (!credential)
    throw new Error('national needs its own service key (SERVICE_KEY or SERVICE_KEY_FILE) to call the provinces');
  const peers = config.trust.peers;
  // Provinces call no national operation; the test harness drives the clock and recovery in tests only.
  const harness = harnessCallers(config.adjustableClock, config.production);
  const provinces = new ProvinceDirectory(config.provinceUrls, credential, config.breaker);
  const recording = recordingPool(config.databaseUrl);
  watchPool('main', poolOf(db));
  watchPool('queries', poolOf(queries));
  watchPool('recording', recording);
  watchFoldLag(() => unfoldedStatisticsRows(db));
  watchOutbox(
    () => outboxBacklog(db),
    () => provinces.connected,
  );
  const apollo = subgraphServer<NationalContext>(
    await buildNationalSchema(),
    [
      accessRecordingPlugin<NationalContext>(coalescing((records) => keepForForwarding(recording, records))),
      readsPlugin<NationalContext>(),
    ],
    { production: config.production },
  );
  await apollo.start();
  const context = (caller?: Caller) => nationalContext(db, provinces, clock, caller, queries);
  const stopForwarding = startAccessRecordForwarder(jobs, db, provinces, config.accessForwardIntervalMs ?? 1000);
  const stopRecovery = startRecoveryWorker(
    jobs,
    context,
    config.recoveryIntervalMs ?? 2000,
    config.recoveryGraceSeconds ?? 5,
  );
  const stopReconciling = startReconciliationJob(jobs, db, provinces, config.reconciliationIntervalMs ?? 900_000);
  watchReconciliation(() => lastReconciliations(db, clock.now()));
  const graphTrust = { policy: config.trust.policy, sdlReaders: { peers, names: ['gateway'] } };
  const service = await serveHttp({
    apollo,
    context: async (request) => context(await callerOfRequest(graphTrust, request.headers.authorization)),
    port: config.port,
    host: config.host,
    tls: config.tls,
    routes: {
      'GET /health': healthRoute(db),
      ...healthRoutes({ database: databaseAnswers(config.databaseUrl), keys: keysLoaded(config.trust, true) }),
      // Runs one recovery round now, for operators and tests (the worker runs it periodically): after the round another copy may be running.
      [`POST ${INTERNAL_PREFIX}recover`]: internalRoute(peers, harness, harnessOperations.recover, () =>
        jobs
          .runAlone(RECOVERY_JOB, () => recoverOnce(context(), 0), { waitMs: 120_000 })
          .then((result) => {
            if (!result) throw new Error('another copy of national held the recovery round for 120 s');
            return result;
          }),
      ),
      [`POST ${INTERNAL_PREFIX}recoveryBacklog`]: internalRoute(peers, harness, harnessOperations.recoveryBacklog, () =>
        recoveryBacklog(db),
      ),
      ...clockRoutes,
    },
  });
  return {
    ...service,
    async close() {
      await service.close(); // drains the requests in flight first; the workers below may still serve them
      stopSealing();
      stopFolding();
      stopPruning();
      stopRecovery();
      stopReconciling();
      stopForwarding();
      await jobs.close();
      await recording.end();
      await queries.destroy();
      await db.destroy();
    },
  };
}
