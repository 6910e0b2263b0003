import { platformNow } from '../../common/platform/clock';
import type { DataSource } from 'typeorm';
import { personalDataKeys } from '../../common/platform/crypto/personal-data-keys';
import type { SealedColumn } from '../../common/platform/crypto/sealed-columns';
import type { Queryable } from '../../common/platform/data/request-reads';
import { Refusal, RefusalCode } from '../../common/domain/errors';
import { findPoolingRegion } from '../../common/domain/reference-data';
import { findPersonsByMemberId } from '../persons/person-index';
import { checkChannel, Channel } from '../relationships/relationship-rules';
import { findRegions } from '../registry/registry';

/**
 * Medical-insurance wallets (医保钱包): one per member, activated where the region has it on (R5),
 * with a phone number and a place of use the member can change, opened by the member or, for
 * someone without a smartphone, by a relative or a window clerk, who is recorded (R29).
 */
export enum WalletOpener {
  SELF = 'SELF',
  RELATIVE = 'RELATIVE',
  CLERK = 'CLERK',
}

export interface WalletRecord {
  memberId: string;
  activatedAt: Date;
  phone: string | null;
  placeOfUse: string | null;
  openedBy: WalletOpener;
  openedByMember: string | null;
  openedByOperator: string | null;
}

export interface WalletActivation {
  memberId: string;
  phone: string;
  placeOfUse: string;
  openedBy: WalletOpener;
  openedByMemberId?: string | null;
  operatorId?: string | null;
}

const COLUMNS = `member_id AS "memberId", activated_at AS "activatedAt", phone, phone_sealed AS "phoneSealed", phone_key AS "phoneKey",
  place_of_use AS "placeOfUse", opened_by AS "openedBy", opened_by_member AS "openedByMember", opened_by_operator AS "openedByOperator"`;

/** What a sealed phone number is bound to: its wallet's member. */
const phoneContext = (memberId: string) => `wallet.phone:${memberId}`;

/** The wallet's phone number as kept: sealed (no lookup by phone number, so no blind index). */
export const SEALED_PHONE: SealedColumn = {
  table: 'wallet',
  id: 'member_id',
  plain: 'phone',
  sealed: 'phone_sealed',
  key: 'phone_key',
  context: phoneContext,
};

type WalletRow = Omit<WalletRecord, 'phone'> & {
  phone: string | null;
  phoneSealed: Buffer | null;
  phoneKey: number | null;
};

const toRecord = ({ phoneSealed, phoneKey, ...r }: WalletRow): WalletRecord => ({
  ...r,
  phone:
    r.phone ??
    (phoneSealed ? personalDataKeys().open(phoneSealed, phoneKey as number, phoneContext(r.memberId)) : null),
});

export async function findWallets(db: Queryable, memberIds: readonly string[]): Promise<(WalletRecord | null)[]> {
  const rows: WalletRow[] = await db.query(`SELECT ${COLUMNS} FROM wallet WHERE member_id = ANY($1)`, [memberIds]);
  const byId = new Map(rows.map((r) => [r.memberId, toRecord(r)]));
  return memberIds.map((id) => byId.get(id) ?? null);
}

/** The phone number sealed for a wallet of this member. */
export function sealPhone(memberId: string, phone: string | null): { sealed: Buffer | null; keyId: number | null } {
  return phone === null ? { sealed: null, keyId: null } : personalDataKeys().seal(phone, phoneContext(memberId));
}

const PHONE = /^1[3-9]\d{9}$/;

function checkPlaceOfUse(placeOfUse: string): void {
  if (!findPoolingRegion(placeOfUse)) {
    throw new Refusal(
      RefusalCode.UNKNOWN_POOLING_REGION,
      `The place of use must be a pooling region; ${placeOfUse.slice(0, 12)} is not one.`,
    );
  }
}

async function requireInsured(db: DataSource, memberId: string, who = 'member') {
  const [person] = await findPersonsByMemberId(db, [memberId]);
  if (!person || person.state !== 'ACTIVE') {
    throw new Refusal(RefusalCode.MEMBER_NOT_FOUND, `There is no insured ${who} ${memberId.slice(0, 20)}.`);
  }
  return person;
}

/** Activates a member's wallet (R5, R29); activating an active wallet returns it unchanged. */
export async function activateWallet(db: DataSource, request: WalletActivation): Promise<WalletRecord> {
  const person = await requireInsured(db, request.memberId);
  const [region] = await findRegions(db, [person.poolingRegion]);
  if (!region?.walletEnabled) {
    throw new Refusal(
      RefusalCode.WALLET_NOT_AVAILABLE_IN_REGION,
      `The medical-insurance wallet is not yet switched on in pooling region ${person.poolingRegion}.`,
    );
  }
  if (!PHONE.test(request.phone))
    throw new Refusal(RefusalCode.INVALID_PHONE, 'The phone number must be an 11-digit mainland mobile number.');
  checkPlaceOfUse(request.placeOfUse);
  if (request.openedBy === WalletOpener.RELATIVE) {
    if (!request.openedByMemberId || request.openedByMemberId === request.memberId) {
      throw new Refusal(
        RefusalCode.INVALID_ARGUMENT,
        'A wallet opened by a relative names that relative (another insured member).',
      );
    }
    await requireInsured(db, request.openedByMemberId, 'relative');
  }
  if (request.openedBy === WalletOpener.CLERK) checkChannel(Channel.AGENCY_WINDOW, request.operatorId);
  const phone = sealPhone(request.memberId, request.phone);
  await db.query(
    `INSERT INTO wallet (member_id, phone_sealed, phone_key, place_of_use, opened_by, opened_by_member, opened_by_operator, activated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
    [
      request.memberId,
      phone.sealed,
      phone.keyId,
      request.placeOfUse,
      request.openedBy,
      request.openedBy === WalletOpener.RELATIVE ? request.openedByMemberId : null,
      request.openedBy === WalletOpener.CLERK ? request.operatorId : null,
      platformNow(),
    ],
  );
  const [wallet] = await findWallets(db, [request.memberId]);
  return wallet as WalletRecord;
}

/** R29: the member changes where they mostly use the wallet. */
export async function changePlaceOfUse(db: DataSource, memberId: string, placeOfUse: string): Promise<WalletRecord> {
  checkPlaceOfUse(placeOfUse);
  const [wallet] = await findWallets(db, [memberId]);
  if (!wallet) throw new Refusal(RefusalCode.WALLET_NOT_ACTIVATED, 'This member has not activated a wallet.');
  await db.query(`UPDATE wallet SET place_of_use = $2 WHERE member_id = $1`, [memberId, placeOfUse]);
  return (await findWallets(db, [memberId]))[0] as WalletRecord;
}

/** Shows a phone number as 138****5678. */
export const maskPhone = (phone: string | null) => (phone ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : null);
