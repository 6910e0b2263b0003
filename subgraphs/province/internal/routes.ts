import type { DataSource } from 'typeorm';
import type { ServicePeers } from '../../common/auth/service-credential';
import type { AccessRecord } from '../../common/access-log';
import { acceptForwardedRecords } from '../access-log/access-records';
import type { EnrolmentRequest } from '../../common/enrolment-rules';
import type { FundSource } from '../../common/enums';
import type { JsonRoute } from '../../common/http-server';
import { crashPoint } from '../../common/crash-point';
import { onceInTransaction } from '../../common/idempotency';
import { INTERNAL_PREFIX, internalRoute } from '../../common/internal-rpc';
import { formatYuan } from '../../common/money';
import { auditLedger } from '../accounts/ledger-audit';
import { EntryKind, type FundAmount, HOLDS_OUTSTANDING, moveHold, moveIn, moveOut, placeHold, refundToAccount, spendOwn } from '../accounts/ledger';
import { endMembership, enrol, requireMember } from '../members/members';

/**
 * The province's internal operations, called by the national subgraph with its service token
 * (signed by national's own key); no other deployment's token opens them.
 * Amounts travel as integer fen in strings. Every operation is idempotent by its operation id.
 */
type Fen = string;
interface Move { holdId: string; operationId: string; amount: Fen }
interface Parts { memberId: string; operationId: string; holdId?: string; parts: { fundSource: FundSource; amount: Fen }[] }
interface MoveAccount { memberId: string; operationId: string; counterpart: string }

/** What a move booked, or that it waits for holds to be settled (the step is tried again later). */
const moved = (parts: FundAmount[] | typeof HOLDS_OUTSTANDING) =>
  parts === HOLDS_OUTSTANDING ? { retryLater: HOLDS_OUTSTANDING } : { parts: parts.map((p) => ({ fundSource: p.fundSource, amount: p.amount.toString() })) };

const CALLERS = ['national'];

export function internalRoutes(db: DataSource, province: string, peers: ServicePeers): Record<string, JsonRoute> {
  const route = <In, Out>(name: string, operation: (input: In) => Promise<Out>): [string, JsonRoute] => [
    `POST ${INTERNAL_PREFIX}${name}`,
    internalRoute(peers, CALLERS, async (input: In) => {
      crashPoint(name, 'before');
      const result = await operation(input);
      crashPoint(name, 'after');
      return result;
    }),
  ];
  const move = (kind: Parameters<typeof moveHold>[1]) => (m: Move) =>
    db.transaction((tx) => moveHold(tx, kind, m.holdId, m.operationId, BigInt(m.amount))).then(() => ({ done: true }));
  return Object.fromEntries([
    route('enrol', async (input: EnrolmentRequest) => {
      const member = await enrol(db, province, input);
      return { memberId: member.id, insuranceType: member.insuranceType, poolingRegion: member.poolingRegion };
    }),
    route('memberStatus', async ({ memberId }: { memberId: string }) => {
      const member = await requireMember(db, memberId);
      return { memberId: member.id, insuranceType: member.insuranceType, status: member.status, poolingRegion: member.poolingRegion };
    }),
    route('endMembership', async ({ memberId }: { memberId: string }) => {
      await endMembership(db, memberId);
      return { done: true };
    }),
    // R21 between services: a hold's first answer, placed or refused, is its answer for good, so a
    // transfer that national was told is refused can never be held by a later retry.
    route('placeHold', async (h: { holdId: string; memberId: string; fundSource: FundSource; amount: Fen }) =>
      onceInTransaction(db, { party: 'national', operation: 'placeHold', key: h.holdId, request: h }, async (tx) => {
        await placeHold(tx, { ...h, amount: BigInt(h.amount) });
        return { done: true };
      })),
    route('captureHold', move(EntryKind.HOLD_CAPTURED)),
    route('releaseHold', move(EntryKind.HOLD_RELEASED)),
    route('restoreHold', move(EntryKind.HOLD_RESTORED)),
    route('spendOwn', async ({ memberId, operationId, amount }: { memberId: string; operationId: string; amount: Fen }) => {
      const split = await db.transaction((tx) => spendOwn(tx, memberId, BigInt(amount), operationId, 'upTo'));
      return { parts: split.map((p) => ({ fundSource: p.fundSource, amount: p.amount.toString() })) };
    }),
    route('refundToAccount', async (r: Parts) => {
      const parts = r.parts.map((p) => ({ fundSource: p.fundSource, amount: BigInt(p.amount) }));
      await db.transaction((tx) => refundToAccount(tx, r.memberId, parts, r.operationId, r.holdId));
      return { refunded: formatYuan(parts.reduce((sum, p) => sum + p.amount, 0n)) };
    }),
    // R31: a moving member's account leaves (and, within this province, arrives) in one transaction.
    route('moveOut', ({ memberId, operationId, counterpart }: MoveAccount) =>
      db.transaction(async (tx) => moved(await moveOut(tx, memberId, operationId, counterpart)))),
    route('moveIn', ({ memberId, operationId, counterpart, parts }: MoveAccount & { parts: { fundSource: FundSource; amount: Fen }[] }) =>
      db.transaction(async (tx) => {
        await moveIn(tx, memberId, operationId, counterpart, parts.map((p) => ({ fundSource: p.fundSource, amount: BigInt(p.amount) })));
        return { done: true };
      })),
    route('moveAccount', ({ memberId, operationId, counterpart }: MoveAccount) =>
      db.transaction(async (tx) => {
        const parts = await moveOut(tx, memberId, operationId, counterpart);
        if (parts !== HOLDS_OUTSTANDING) await moveIn(tx, counterpart, operationId, memberId, parts);
        return moved(parts);
      })),
    route('ledgerAudit', () => auditLedger(db)),
    // R20 after a restore: which of these operations the ledger has entries of (national names the others).
    route('bookedEntries', async ({ operationIds }: { operationIds: string[] }) => ({
      booked: (await db.query(`SELECT DISTINCT operation_id AS "operationId", hold_id AS "holdId" FROM account_entry WHERE operation_id = ANY($1)`,
        [operationIds])) as { operationId: string; holdId: string | null }[],
    })),
    // R32: staff reads of national-owned personal data, forwarded by national (idempotent by record id).
    route('recordAccess', ({ records }: { records: AccessRecord[] }) => acceptForwardedRecords(db, province, records)),
  ]);
}
