import { InsuranceType } from '../../common/domain/enums';
import { Refusal, RefusalCode } from '../../common/domain/errors';

/** Who may aid whom (R1–R8). Everything here is decided before anything is written. */

/** Family relations as a clerk records them; only the close relatives of R3 may be aided. */
export enum Relation {
  SPOUSE = 'SPOUSE', // 配偶
  PARENT = 'PARENT', // 父母
  CHILD = 'CHILD', // 子女
  SIBLING = 'SIBLING', // 兄弟姐妹
  PATERNAL_GRANDPARENT = 'PATERNAL_GRANDPARENT', // 祖父母
  MATERNAL_GRANDPARENT = 'MATERNAL_GRANDPARENT', // 外祖父母
  SONS_CHILD = 'SONS_CHILD', // 孙子女
  DAUGHTERS_CHILD = 'DAUGHTERS_CHILD', // 外孙子女
  PARENT_IN_LAW = 'PARENT_IN_LAW',
  SIBLING_IN_LAW = 'SIBLING_IN_LAW',
  UNCLE_OR_AUNT = 'UNCLE_OR_AUNT',
  NEPHEW_OR_NIECE = 'NEPHEW_OR_NIECE',
  COUSIN = 'COUSIN',
  OTHER = 'OTHER',
}

export const CLOSE_RELATIVES: ReadonlySet<Relation> = new Set([
  Relation.SPOUSE,
  Relation.PARENT,
  Relation.CHILD,
  Relation.SIBLING,
  Relation.PATERNAL_GRANDPARENT,
  Relation.MATERNAL_GRANDPARENT,
  Relation.SONS_CHILD,
  Relation.DAUGHTERS_CHILD,
]);

/** R6: where a relationship was registered or ended. */
export enum Channel {
  NATIONAL_APP = 'NATIONAL_APP', // 国家医保服务平台 app
  PROVINCIAL_PLATFORM = 'PROVINCIAL_PLATFORM',
  AGENCY_WINDOW = 'AGENCY_WINDOW', // 经办机构窗口
  AUTOMATIC = 'AUTOMATIC', // R26: ended by itself with the insurance; never a request's channel
}

export interface RelationshipRequest {
  donorId: string;
  beneficiaryId: string;
  relation: Relation;
  channel: Channel;
  operatorId?: string | null;
  commitment?: { version: string; signedAt: Date } | null;
}

/** R6: a window operator is always named; AUTOMATIC is the platform's own, never a caller's. */
export function checkChannel(channel: Channel, operatorId: string | null | undefined): void {
  if (channel === Channel.AUTOMATIC) {
    throw new Refusal(
      RefusalCode.INVALID_ARGUMENT,
      'AUTOMATIC is recorded by the platform itself and cannot be requested.',
    );
  }
  if (channel === Channel.AGENCY_WINDOW && !operatorId?.trim()) {
    throw new Refusal(
      RefusalCode.OPERATOR_REQUIRED,
      'At an agency window the operator handling the request must be recorded.',
    );
  }
}

/** R3, R4, R6: checks that need no data. */
export function checkRequest(request: RelationshipRequest, now: Date): void {
  if (request.donorId === request.beneficiaryId) {
    throw new Refusal(
      RefusalCode.SELF_AID_FORBIDDEN,
      'A donor cannot aid themself: the beneficiary must be another person.',
    );
  }
  if (!CLOSE_RELATIVES.has(request.relation)) {
    throw new Refusal(
      RefusalCode.NOT_CLOSE_RELATIVE,
      'Only close relatives may be aided: spouse, parents, children, siblings, grandparents and grandchildren.',
    );
  }
  const letter = request.commitment;
  if (
    !letter ||
    !letter.version.trim() ||
    !(letter.signedAt instanceof Date) ||
    letter.signedAt.getTime() > now.getTime()
  ) {
    throw new Refusal(
      RefusalCode.COMMITMENT_REQUIRED,
      'The donor must sign the commitment letter (承诺书) before the relationship is registered.',
    );
  }
  checkChannel(request.channel, request.operatorId);
}

/** What the parties' provinces, the registry and the wallets say about each member. */
export interface PartyFacts {
  memberId: string;
  insuranceType: InsuranceType;
  insured: boolean;
  province: string;
  poolingRegion: string;
  crossProvinceEnabled: boolean;
  walletActivated: boolean;
}

/** R1, R2, R5, R8: checks on the two members. */
export function checkParties(donor: PartyFacts, beneficiary: PartyFacts): void {
  if (!donor.insured)
    throw new Refusal(RefusalCode.MEMBER_NOT_INSURED, `The donor ${donor.memberId} is no longer insured.`);
  if (donor.insuranceType !== InsuranceType.EMPLOYEE) {
    throw new Refusal(RefusalCode.DONOR_NOT_EMPLOYEE, 'Only an employee with a personal account can be a donor (R1).');
  }
  if (!beneficiary.insured) {
    throw new Refusal(RefusalCode.MEMBER_NOT_INSURED, `The beneficiary ${beneficiary.memberId} must be insured (R2).`);
  }
  if (donor.province === beneficiary.province) return; // R8: within a province always allowed
  for (const [who, party] of [
    ['donor', donor],
    ['beneficiary', beneficiary],
  ] as const) {
    if (!party.crossProvinceEnabled) {
      throw new Refusal(
        RefusalCode.CROSS_PROVINCE_NOT_ENABLED,
        `The ${who}'s pooling region ${party.poolingRegion} does not yet take part in cross-province mutual aid.`,
      );
    }
  }
  checkWallets(donor, beneficiary);
}

/** R5: both wallets are activated before a cross-province relationship is used. */
export function checkWallets(
  donor: Pick<PartyFacts, 'walletActivated'>,
  beneficiary: Pick<PartyFacts, 'walletActivated'>,
): void {
  for (const [who, party] of [
    ['donor', donor],
    ['beneficiary', beneficiary],
  ] as const) {
    if (!party.walletActivated) {
      throw new Refusal(
        RefusalCode.WALLET_NOT_ACTIVATED,
        `The ${who} must activate the medical-insurance wallet first.`,
      );
    }
  }
}
