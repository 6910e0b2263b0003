import type { DataSource } from 'typeorm';
import { Refusal, RefusalCode } from '../../common/errors';
import { findPersonsByMemberId } from '../persons/person-index';
import { findRegions } from '../registry/registry';

/** Medical-insurance wallets (医保钱包): one per member, activated where the region has it on (R5). */
export interface WalletRecord {
  memberId: string;
  activatedAt: Date;
}

export async function findWallets(db: DataSource, memberIds: readonly string[]): Promise<(WalletRecord | null)[]> {
  const rows: WalletRecord[] = await db.query(
    `SELECT member_id AS "memberId", activated_at AS "activatedAt" FROM wallet WHERE member_id = ANY($1)`,
    [memberIds],
  );
  const byId = new Map(rows.map((r) => [r.memberId, r]));
  return memberIds.map((id) => byId.get(id) ?? null);
}

/** Activates a member's wallet; activating an active wallet returns it unchanged. */
export async function activateWallet(db: DataSource, memberId: string): Promise<WalletRecord> {
  const [person] = await findPersonsByMemberId(db, [memberId]);
  if (!person || person.state !== 'ACTIVE') {
    throw new Refusal(RefusalCode.MEMBER_NOT_FOUND, `There is no insured member ${memberId.slice(0, 20)}.`);
  }
  const [region] = await findRegions(db, [person.poolingRegion]);
  if (!region?.walletEnabled) {
    throw new Refusal(
      RefusalCode.WALLET_NOT_AVAILABLE_IN_REGION,
      `The medical-insurance wallet is not yet switched on in pooling region ${person.poolingRegion}.`,
    );
  }
  await db.query(`INSERT INTO wallet (member_id) VALUES ($1) ON CONFLICT DO NOTHING`, [memberId]);
  const [wallet] = await findWallets(db, [memberId]);
  return wallet as WalletRecord;
}
