import 'reflect-metadata';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InsuranceType } from '../subgraphs/common/domain/enums';
import { isRefusal } from '../subgraphs/common/domain/errors';
import {
  checkExpense,
  checkPremium,
  ExpenseCategory,
  InstitutionKind,
  PremiumKind,
} from '../subgraphs/national/settlement/expense-rules';

const refusedWith = (code: string) => (error: unknown) => isRefusal(error) && error.code === code;

test('R13: a designated hospital is paid for outpatient and inpatient treatment only', () => {
  checkExpense(InstitutionKind.DESIGNATED_HOSPITAL, ExpenseCategory.OUTPATIENT);
  checkExpense(InstitutionKind.DESIGNATED_HOSPITAL, ExpenseCategory.INPATIENT);
  for (const category of [
    ExpenseCategory.DRUGS,
    ExpenseCategory.DAILY_NECESSITIES,
    ExpenseCategory.COSMETICS,
    ExpenseCategory.HEALTH_SUPPLEMENTS,
  ]) {
    assert.throws(
      () => checkExpense(InstitutionKind.DESIGNATED_HOSPITAL, category),
      (e: unknown) => refusedWith('INELIGIBLE_EXPENSE')(e) && /designated hospital/.test(String((e as Error).message)),
      category,
    );
  }
});

test('R13: a designated pharmacy is paid for drugs, medical devices and consumables only', () => {
  for (const category of [
    ExpenseCategory.DRUGS,
    ExpenseCategory.MEDICAL_DEVICES,
    ExpenseCategory.MEDICAL_CONSUMABLES,
  ]) {
    checkExpense(InstitutionKind.DESIGNATED_RETAIL_PHARMACY, category);
  }
  for (const category of [
    ExpenseCategory.OUTPATIENT,
    ExpenseCategory.DAILY_NECESSITIES,
    ExpenseCategory.COSMETICS,
    ExpenseCategory.HEALTH_SUPPLEMENTS,
  ]) {
    assert.throws(
      () => checkExpense(InstitutionKind.DESIGNATED_RETAIL_PHARMACY, category),
      (e: unknown) => refusedWith('INELIGIBLE_EXPENSE')(e) && /designated pharmacy/.test(String((e as Error).message)),
      category,
    );
  }
});

test('R13: nothing is paid at an institution that is not designated (INELIGIBLE_EXPENSE)', () => {
  for (const category of Object.values(ExpenseCategory)) {
    assert.throws(
      () => checkExpense(InstitutionKind.NOT_DESIGNATED, category),
      (e: unknown) =>
        refusedWith('INELIGIBLE_EXPENSE')(e) && /only be spent at designated/.test(String((e as Error).message)),
      category,
    );
  }
});

test('R17: a resident medical-insurance premium is paid for a resident only (INELIGIBLE_PREMIUM)', () => {
  checkPremium(PremiumKind.RESIDENT_MEDICAL_INSURANCE, InsuranceType.RESIDENT);
  assert.throws(
    () => checkPremium(PremiumKind.RESIDENT_MEDICAL_INSURANCE, InsuranceType.EMPLOYEE),
    refusedWith('INELIGIBLE_PREMIUM'),
  );
});

test('R17: a long-term-care premium is paid for a resident or an employee', () => {
  checkPremium(PremiumKind.LONG_TERM_CARE_INSURANCE, InsuranceType.RESIDENT);
  checkPremium(PremiumKind.LONG_TERM_CARE_INSURANCE, InsuranceType.EMPLOYEE);
});
