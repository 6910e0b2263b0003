import { InsuranceType } from '../../common/domain/enums';
import { Refusal, RefusalCode } from '../../common/domain/errors';

/** What quota may pay for (R13, R17) and how the payer proves who they are (R15). */
export enum InstitutionKind {
  DESIGNATED_HOSPITAL = 'DESIGNATED_HOSPITAL', // 定点医疗机构
  DESIGNATED_RETAIL_PHARMACY = 'DESIGNATED_RETAIL_PHARMACY', // 定点零售药店
  NOT_DESIGNATED = 'NOT_DESIGNATED',
}

export enum ExpenseCategory {
  OUTPATIENT = 'OUTPATIENT',
  INPATIENT = 'INPATIENT',
  DRUGS = 'DRUGS',
  MEDICAL_DEVICES = 'MEDICAL_DEVICES',
  MEDICAL_CONSUMABLES = 'MEDICAL_CONSUMABLES',
  DAILY_NECESSITIES = 'DAILY_NECESSITIES',
  COSMETICS = 'COSMETICS',
  HEALTH_SUPPLEMENTS = 'HEALTH_SUPPLEMENTS',
}

export enum AuthMethod {
  E_CODE = 'E_CODE', // 医保码
  FACE = 'FACE', // 刷脸
}

export enum PremiumKind {
  RESIDENT_MEDICAL_INSURANCE = 'RESIDENT_MEDICAL_INSURANCE', // 城乡居民医保个人缴费
  LONG_TERM_CARE_INSURANCE = 'LONG_TERM_CARE_INSURANCE', // 长期护理保险
}

const ELIGIBLE: Record<InstitutionKind, readonly ExpenseCategory[]> = {
  [InstitutionKind.DESIGNATED_HOSPITAL]: [ExpenseCategory.OUTPATIENT, ExpenseCategory.INPATIENT],
  [InstitutionKind.DESIGNATED_RETAIL_PHARMACY]: [
    ExpenseCategory.DRUGS,
    ExpenseCategory.MEDICAL_DEVICES,
    ExpenseCategory.MEDICAL_CONSUMABLES,
  ],
  [InstitutionKind.NOT_DESIGNATED]: [],
};

/** R13: treatment at a designated medical institution, or drugs, devices and consumables at a designated pharmacy. */
export function checkExpense(kind: InstitutionKind, category: ExpenseCategory): void {
  if (!ELIGIBLE[kind].includes(category)) {
    throw new Refusal(
      RefusalCode.INELIGIBLE_EXPENSE,
      kind === InstitutionKind.NOT_DESIGNATED
        ? 'Mutual-aid money can only be spent at designated medical institutions and retail pharmacies.'
        : `${category} at a ${kind === InstitutionKind.DESIGNATED_HOSPITAL ? 'designated hospital' : 'designated pharmacy'} cannot be paid from a personal account.`,
    );
  }
}

/** R17: the beneficiary's own resident-insurance or long-term-care premium. */
export function checkPremium(kind: PremiumKind, beneficiaryType: InsuranceType): void {
  if (kind === PremiumKind.RESIDENT_MEDICAL_INSURANCE && beneficiaryType !== InsuranceType.RESIDENT) {
    throw new Refusal(
      RefusalCode.INELIGIBLE_PREMIUM,
      'Only a member insured as a resident pays a resident medical-insurance premium.',
    );
  }
}
