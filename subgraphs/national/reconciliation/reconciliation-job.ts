import type { DataSource } from 'typeorm';
import { errorText, log } from '../../common/platform/log';
import { everyInOneCopy, type ExclusiveJobs } from '../../common/platform/data/replica-jobs';
import type { ProvinceDirectory } from '../provinces/province-directory';
import { reconcile } from './reconciliation';
import { keepReconciliation } from './reconciliation-results';

export const RECONCILIATION_JOB = 'reconciling provinces';

/** A difference seen once may be an operation between its two databases; it is kept if seen again this much later. */
const RECHECK_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * R20 of every connected province every `intervalMs`, in one copy of national at a time: each round
 * keeps its outcome, which /metrics reports and the WalletReconciliationDifferences alert watches.
 * Differences are kept only when a second reconciliation finds them too. A province that does not
 * answer keeps its last outcome (its age grows). Returns the stop function.
 */
export function startReconciliationJob(
  jobs: ExclusiveJobs,
  db: DataSource,
  provinces: ProvinceDirectory,
  intervalMs: number,
): () => void {
  const reconcileOne = async (province: string) => {
    const first = await reconcile(db, provinces, province, { keep: false });
    if (first.differences.length === 0) return keepReconciliation(db, first);
    await sleep(RECHECK_MS);
    const second = await reconcile(db, provinces, province);
    if (second.differences.length > 0) {
      log.error(
        { province, differences: second.differences.length },
        "reconciliation: differences found (the province portal's reconciliation query names them)",
      );
    }
  };
  return everyInOneCopy(RECONCILIATION_JOB, intervalMs, {
    jobs,
    work: async () => {
      for (const province of provinces.connected) {
        await reconcileOne(province).catch((error: unknown) => {
          log.warn(
            { province, error: errorText(error) },
            'reconciliation: the province could not be reconciled; it is tried again next round',
          );
        });
      }
    },
  });
}
