export enum InsuranceType {
  EMPLOYEE = 'EMPLOYEE', // 职工医保: has a personal account
  RESIDENT = 'RESIDENT', // 城乡居民医保: has none
}

/** The two parts of a personal account (资金来源). Spending draws the current year first. */
export enum FundSource {
  CURRENT_YEAR = 'CURRENT_YEAR', // 当年
  ACCUMULATED = 'ACCUMULATED', // 历年结余
}

export const SPENDING_ORDER: readonly FundSource[] = [FundSource.CURRENT_YEAR, FundSource.ACCUMULATED];
