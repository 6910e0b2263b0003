import type { DataSource } from 'typeorm';
import type { ServicePeers } from '../../common/platform/auth/service-credential';
import { acceptForwardedRecords } from '../access-log/access-records';
import type { JsonRoute } from '../../common/platform/http/http-server';
import { crashPoint } from '../../common/platform/crash-point';
import { onceInTransaction } from '../../common/platform/data/idempotency';
import {
  type InputOf,
  type OutputOf,
  type ProvinceOperations,
  provinceOperations,
} from '../../common/platform/http/internal-contract';
import { INTERNAL_PREFIX, internalRoute } from '../../common/platform/http/internal-rpc';
import { formatYuan } from '../../common/domain/money';
import { auditLedger } from '../accounts/ledger-audit';
import {
  EntryKind,
  type FundAmount,
  HOLDS_OUTSTANDING,
  moveHold,
  moveIn,
  moveOut,
  placeHold,
  refundToAccount,
  spendOwn,
} from '../accounts/ledger';
import { endMembership, enrol, requireMember } from '../members/members';

/**
 * The province's internal operations, called by the national subgraph with its service token
 * (signed by national's own key); no other deployment's token opens them. Each payload and answer
 * is the one of the operation's contract (common/platform/http/internal-contract.ts), checked on arrival.
 * Every operation is idempotent by its operation id.
 */
type Name = keyof ProvinceOperations;
type Handler<N extends Name> = (input: InputOf<ProvinceOperations, N>) => Promise<OutputOf<ProvinceOperations, N>>;

/** What a move booked, or that it waits for holds to be settled (the step is tried again later). */
const moved = (parts: FundAmount[] | typeof HOLDS_OUTSTANDING) =>
  parts === HOLDS_OUTSTANDING ? { retryLater: HOLDS_OUTSTANDING } : { parts };

const CALLERS = ['national'];

export function internalRoutes(db: DataSource, province: string, peers: ServicePeers): Record<string, JsonRoute> {
  const route = <N extends Name>(name: N, operation: Handler<N>): [string, JsonRoute] => [
    `POST ${INTERNAL_PREFIX}${name}`,
    internalRoute(peers, CALLERS, provinceOperations[name], async (input: InputOf<ProvinceOperations, N>) => {
      crashPoint(name, 'before');
      const result = await operation(input);
      crashPoint(name, 'after');
      return result;
    }),
  ];
  const move = (kind: Parameters<typeof moveHold>[1]) => (m: InputOf<ProvinceOperations, 'captureHold'>) =>
    db.transaction((tx) => moveHold(tx, kind, m.holdId, m.operationId, m.amount)).then(() => ({ done: true }) as const);
  return Object.fromEntries([
    route('enrol', async (input) => {
      const member = await enrol(db, province, input);
      return { memberId: member.id, insuranceType: member.insuranceType, poolingRegion: member.poolingRegion };
    }),
    route('memberStatus', async ({ memberId }) => {
      const member = await requireMember(db, memberId);
      return {
        memberId: member.id,
        insuranceType: member.insuranceType,
        status: member.status,
        poolingRegion: member.poolingRegion,
      };
    }),
    route('endMembership', async ({ memberId }) => {
      await endMembership(db, memberId);
      return { done: true } as const;
    }),
    // R21 between services: a hold's first answer, placed or refused, is its answer for good, so a
    // transfer that national was told is refused can never be held by a later retry.
    route('placeHold', async (hold) =>
      onceInTransaction(
        db,
        { party: 'national', operation: 'placeHold', key: hold.holdId, request: hold },
        async (tx) => {
          await placeHold(tx, hold);
          return { done: true } as const;
        },
      ),
    ),
    route('captureHold', move(EntryKind.HOLD_CAPTURED)),
    route('releaseHold', move(EntryKind.HOLD_RELEASED)),
    route('restoreHold', move(EntryKind.HOLD_RESTORED)),
    route('spendOwn', async ({ memberId, operationId, amount }) => ({
      parts: await db.transaction((tx) => spendOwn(tx, memberId, amount, operationId, 'upTo')),
    })),
    route('refundToAccount', async (r) => {
      await db.transaction((tx) => refundToAccount(tx, r.memberId, r.parts, r.operationId, r.holdId));
      return { refunded: formatYuan(r.parts.reduce((sum, p) => sum + p.amount, 0n)) };
    }),
    // R31: a moving member's account leaves (and, within this province, arrives) in one transaction.
    route('moveOut', ({ memberId, operationId, counterpart }) =>
      db.transaction(async (tx) => moved(await moveOut(tx, memberId, operationId, counterpart))),
    ),
    route('moveIn', ({ memberId, operationId, counterpart, parts }) =>
      db.transaction(async (tx) => {
        await moveIn(tx, memberId, operationId, counterpart, parts);
        return { done: true } as const;
      }),
    ),
    route('moveAccount', ({ memberId, operationId, counterpart }) =>
      db.transaction(async (tx) => {
        const parts = await moveOut(tx, memberId, operationId, counterpart);
        if (parts !== HOLDS_OUTSTANDING) await moveIn(tx, counterpart, operationId, memberId, parts);
        return moved(parts);
      }),
    ),
    route('ledgerAudit', () => auditLedger(db)),
    // R20 after a restore: which of these operations the ledger has entries of (national names the others).
    route('bookedEntries', async ({ operationIds }) => ({
      booked: (await db.query(
        `SELECT DISTINCT operation_id AS "operationId", hold_id AS "holdId" FROM account_entry WHERE operation_id = ANY($1)`,
        [operationIds],
      )) as { operationId: string; holdId: string | null }[],
    })),
    // R32: staff reads of national-owned personal data, forwarded by national (idempotent by record id).
    route('recordAccess', ({ records }) => acceptForwardedRecords(db, province, records)),
  ]);
}
