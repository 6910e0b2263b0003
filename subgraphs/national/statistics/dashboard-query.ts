/**
 * R23 as the national dashboard page asks for it (dashboard/api.ts), and as the tests and the
 * benchmark ask the same question, with the shape of its answer. No imports: the page bundles
 * this file too.
 */
const FIGURES =
  'aidCount aidAmount withinProvinceCount withinProvinceAmount crossProvinceCount crossProvinceAmount walletsActivated';

const FAMILIES = 'families { established ended inForce }';
const QUOTA = 'quota { set spent returnedUnaccepted returnedOnDissolution outstanding }';
const BREAKDOWNS = `${FAMILIES} ${QUOTA} distinctDonors distinctBeneficiaries`;

export const DASHBOARD_QUERY = `query Dashboard($from: String!, $to: String!, $province: ID, $unit: PeriodUnit, $category: AidCategory,
  $insuranceType: InsuranceType) {
  aidStatistics(from: $from, to: $to, province: $province, unit: $unit, category: $category, insuranceType: $insuranceType) {
    unit from to asOf currentMonth province { code name } category insuranceType ${BREAKDOWNS}
    thisMonth { ${FIGURES} } total { ${FIGURES} } walletsActivatedToDate quotaOutstanding
    months { month ${FIGURES} }
    buckets { start ${FIGURES} }
    previousPeriod { from to ${FIGURES} } yearEarlier { from to ${FIGURES} }
    provinces { province { code name } ${FIGURES} walletsActivatedToDate quotaOutstanding ${BREAKDOWNS} }
    regions { poolingRegion { code name } ${FIGURES} walletsActivatedToDate quotaOutstanding }
    clearing { debtor { code name } creditor { code name } amount aidCount }
  } }`;

export interface DashboardFigures {
  aidCount: number;
  aidAmount: string;
  withinProvinceCount: number;
  withinProvinceAmount: string;
  crossProvinceCount: number;
  crossProvinceAmount: string;
  walletsActivated: number;
}

export interface Place {
  code: string;
  name: string;
}

export interface Stocks {
  walletsActivatedToDate: number;
  quotaOutstanding: string;
}

export type PeriodUnitName = 'MONTH' | 'WEEK' | 'DAY';
export type AidCategoryName = 'OUTPATIENT' | 'INPATIENT' | 'PHARMACY' | 'PREMIUM';
export type InsuranceTypeName = 'EMPLOYEE' | 'RESIDENT';

export interface Breakdowns {
  families: { established: number; ended: number; inForce: number };
  quota: { set: string; spent: string; returnedUnaccepted: string; returnedOnDissolution: string; outstanding: string };
  distinctDonors: number;
  distinctBeneficiaries: number;
}

export interface DashboardStatistics extends Breakdowns {
  unit: PeriodUnitName;
  category: AidCategoryName | null;
  insuranceType: InsuranceTypeName | null;
  from: string;
  to: string;
  /** ISO time at UTC, by the platform clock. */
  asOf: string;
  currentMonth: string;
  province: Place | null;
  thisMonth: DashboardFigures;
  total: DashboardFigures;
  walletsActivatedToDate: number;
  quotaOutstanding: string;
  months: (DashboardFigures & { month: string })[];
  buckets: (DashboardFigures & { start: string })[];
  previousPeriod: (DashboardFigures & { from: string; to: string }) | null;
  yearEarlier: (DashboardFigures & { from: string; to: string }) | null;
  provinces: (DashboardFigures & Stocks & Breakdowns & { province: Place })[];
  regions: (DashboardFigures & Stocks & { poolingRegion: Place })[];
  clearing: { debtor: Place; creditor: Place; amount: string; aidCount: number }[];
}

/** A Beijing-time month (UTC+8 all year), `offset` months from `now`: "2026-11". */
export function beijingMonth(offset = 0, now = new Date()): string {
  const beijing = new Date(now.getTime() + 8 * 3_600_000);
  const month = beijing.getUTCFullYear() * 12 + beijing.getUTCMonth() + offset;
  return `${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
}
