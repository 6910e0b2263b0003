import { subgraphServer } from '../common/apollo';
import { callerOfRequest } from '../common/auth/authenticate';
import type { Caller } from '../common/auth/caller';
import type { ServiceTrust } from '../common/auth/trust-config';
import { openDatabase } from '../common/database';
import { startPersonalDataAtRest } from '../common/crypto/personal-data-at-rest';
import { PersonalDataAtRest1733400000000 } from './migrations/1733400000000-PersonalDataAtRest';
import { SEALED_PHONE } from './wallets/wallets';
import { AdjustableClock, systemClock } from '../common/clock';
import { type JsonRoute, serveHttp, type RunningHttpService } from '../common/http-server';
import { type NationalContext, nationalContext } from './context';
import { Init1732300000000 } from './migrations/1732300000000-Init';
import { MutualAid1732400000000 } from './migrations/1732400000000-MutualAid';
import { PilotRules1732500000000 } from './migrations/1732500000000-PilotRules';
import { RelationshipDonorIndex1732700000000 } from './migrations/1732700000000-RelationshipDonorIndex';
import { AnswersByKey1732800000000 } from './migrations/1732800000000-AnswersByKey';
import { AccessRecordOutbox1732900000000 } from './migrations/1732900000000-AccessRecordOutbox';
import { AccountMoves1733000000000 } from './migrations/1733000000000-AccountMoves';
import { AidStatistics1733100000000 } from './migrations/1733100000000-AidStatistics';
import { PortalLists1733200000000 } from './migrations/1733200000000-PortalLists';
import { WalletEvents1733300000000 } from './migrations/1733300000000-WalletEvents';
import { pruneWalletEvents } from './events/wallet-events';
import { accessRecordingPlugin, coalescing, recordingPool } from '../common/access-log';
import { readsPlugin } from '../common/request-reads';
import { keepForForwarding, startAccessRecordForwarder } from './access-log/access-record-outbox';
import { recoverOnce, recoveryBacklog, startRecoveryWorker } from './recovery/recovery-worker';
import { INTERNAL_PREFIX, internalRoute } from '../common/internal-rpc';
import { ProvinceDirectory } from './provinces/province-directory';
import { syncRegistry } from './registry/registry';
import { buildNationalSchema } from './schema';
import { foldStatisticsRows, unfoldedStatisticsRows } from './statistics/kept-figures';
import { ObservableOutbox1733217000000 } from './migrations/1733217000000-ObservableOutbox';
import { errorText, log } from '../common/log';
import { poolOf, watchFoldLag, watchPool } from '../common/observability/metrics';
import { watchOutbox } from './national-metrics';
import { outboxBacklog } from './steps/province-steps';

export interface NationalServiceConfig {
  databaseUrl: string;
  port: number;
  host?: string;
  /** The identity provider's public keys, national's own service key, the peers it accepts calls from. */
  trust: ServiceTrust;
  provinceUrls: Record<string, string>; // base URL of each provincial deployment, by code
  recoveryIntervalMs?: number;
  /** How old an unfinished operation must be before recovery takes it over from its request. */
  recoveryGraceSeconds?: number;
  /** R32: how often staff reads of national data are forwarded to the members' provinces. */
  accessForwardIntervalMs?: number;
  /** Tests only: a clock that can be set through the internal `clock` operation, starting this far ahead. */
  adjustableClock?: { offsetMs: number };
}

/** Starts the `national` subgraph on its own database. */
export async function startNationalService(config: NationalServiceConfig): Promise<RunningHttpService> {
  const db = await openDatabase({
    url: config.databaseUrl,
    entities: [],
    migrations: [
      Init1732300000000, MutualAid1732400000000, PilotRules1732500000000, RelationshipDonorIndex1732700000000, AnswersByKey1732800000000,
      AccessRecordOutbox1732900000000, AccountMoves1733000000000, AidStatistics1733100000000, PortalLists1733200000000,
      ObservableOutbox1733217000000, WalletEvents1733300000000, PersonalDataAtRest1733400000000,
    ],
  });
  let stopSealing: () => void;
  try {
    stopSealing = await startPersonalDataAtRest(db, [SEALED_PHONE]);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  await syncRegistry(db);
  await foldStatisticsRows(db);
  const folding = setInterval(() => foldStatisticsRows(db).catch((error: unknown) => log.error({ error: errorText(error) }, 'folding statistics rows failed')), 60_000);
  const pruning = setInterval(() => pruneWalletEvents(db).catch((error: unknown) => log.error({ error: errorText(error) }, 'pruning wallet events failed')), 60_000);
  const credential = config.trust.credential;
  if (!credential) throw new Error('national needs its own service key (SERVICE_KEY or SERVICE_KEY_FILE) to call the provinces');
  const peers = config.trust.peers;
  // Provinces call no national operation; the test harness drives the clock and recovery in tests only.
  const harness = config.adjustableClock && process.env.NODE_ENV !== 'production' ? ['test'] : [];
  const provinces = new ProvinceDirectory(config.provinceUrls, credential);
  const recording = recordingPool(config.databaseUrl);
  watchPool('main', poolOf(db));
  watchPool('recording', recording);
  watchFoldLag(() => unfoldedStatisticsRows(db));
  watchOutbox(() => outboxBacklog(db), () => provinces.connected);
  const apollo = subgraphServer<NationalContext>(await buildNationalSchema(), [
    accessRecordingPlugin<NationalContext>(coalescing((records) => keepForForwarding(recording, records))),
    readsPlugin<NationalContext>(),
  ]);
  await apollo.start();
  const clock = config.adjustableClock ? new AdjustableClock(config.adjustableClock.offsetMs) : systemClock;
  const context = (caller?: Caller) => nationalContext(db, provinces, clock, caller);
  const stopForwarding = startAccessRecordForwarder(db, provinces, config.accessForwardIntervalMs ?? 1000);
  const stopRecovery = startRecoveryWorker(context, config.recoveryIntervalMs ?? 2000, config.recoveryGraceSeconds ?? 5);
  const setClock: Record<string, JsonRoute> = clock instanceof AdjustableClock
    ? {
        // Sets the clock ({ now }) or moves it on ({ advanceMs }); answers the time and its offset from the system clock.
        [`POST ${INTERNAL_PREFIX}clock`]: internalRoute(peers, harness, async ({ now, advanceMs }: { now?: string; advanceMs?: number }) => {
          const offsetMs = clock.set(now ? new Date(now) : new Date(clock.now().getTime() + (advanceMs ?? 0)));
          return { now: clock.now().toISOString(), offsetMs };
        }),
      }
    : {};
  const graphTrust = { policy: config.trust.policy, sdlReaders: { peers, names: ['gateway'] } };
  const service = await serveHttp({
    apollo,
    context: async (request) => context(await callerOfRequest(graphTrust, request.headers.authorization)),
    port: config.port,
    host: config.host,
    routes: {
      'GET /health': async () => ({ status: 200, body: { status: 'ok' } }),
      // Runs one recovery round now, for operators and tests (the worker runs it periodically).
      [`POST ${INTERNAL_PREFIX}recover`]: internalRoute(peers, harness, () => recoverOnce(context(), 0)),
      [`POST ${INTERNAL_PREFIX}recoveryBacklog`]: internalRoute(peers, harness, () => recoveryBacklog(db)),
      ...setClock,
    },
  });
  return {
    ...service,
    async close() {
      stopSealing();
      clearInterval(folding);
      clearInterval(pruning);
      stopRecovery();
      stopForwarding();
      await service.close();
      await recording.end();
      await db.destroy();
    },
  };
}
