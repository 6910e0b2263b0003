import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRefusal } from '../subgraphs/common/domain/errors';
import {
  checkTransferAgainstPolicy,
  DEFAULT_TRANSFER_POLICY,
  formatMinute,
  policyOf,
  type TransferPolicy,
} from '../subgraphs/national/quota/transfer-policy';

const refusedWith = (code: string) => (error: unknown) => isRefusal(error) && error.code === code;

/** A Beijing wall-clock time (UTC+8) on 2 March 2026. */
const beijing = (hhmm: string) => new Date(`2026-03-02T${hhmm}:00+08:00`);

test('R24: a region without its own setting uses the defaults (3 a day, 2,000.00 yuan, no transfers 22:00-06:00)', () => {
  assert.deepEqual(policyOf(undefined), DEFAULT_TRANSFER_POLICY);
  assert.deepEqual(
    policyOf({
      daily_transfer_limit: null,
      transfer_amount_limit: null,
      night_start_minute: null,
      night_end_minute: null,
    }),
    DEFAULT_TRANSFER_POLICY,
  );
  assert.deepEqual(DEFAULT_TRANSFER_POLICY, {
    dailyTransferLimit: 3,
    transferAmountLimit: 200_000n,
    nightStartMinute: 1320,
    nightEndMinute: 360,
  });
});

test("R24: a region's own setting wins where it sets something", () => {
  assert.deepEqual(
    policyOf({
      daily_transfer_limit: 5,
      transfer_amount_limit: '50000',
      night_start_minute: null,
      night_end_minute: 420,
    }),
    {
      dailyTransferLimit: 5,
      transferAmountLimit: 50_000n,
      nightStartMinute: 1320,
      nightEndMinute: 420,
    },
  );
});

test('R24: no transfer in the night window, which wraps midnight (NIGHT_WINDOW)', () => {
  for (const time of ['22:00', '23:59', '00:00', '05:59']) {
    assert.throws(
      () => checkTransferAgainstPolicy(DEFAULT_TRANSFER_POLICY, 100n, beijing(time)),
      refusedWith('NIGHT_WINDOW'),
      time,
    );
  }
  for (const time of ['06:00', '12:00', '21:59'])
    checkTransferAgainstPolicy(DEFAULT_TRANSFER_POLICY, 100n, beijing(time));
  assert.throws(
    () => checkTransferAgainstPolicy(DEFAULT_TRANSFER_POLICY, 100n, beijing('23:00')),
    /between 22:00 and 06:00 Beijing time/,
  );
});

test('R24: a night window within one day (start before end)', () => {
  const policy: TransferPolicy = { ...DEFAULT_TRANSFER_POLICY, nightStartMinute: 60, nightEndMinute: 300 };
  for (const time of ['01:00', '04:59'])
    assert.throws(() => checkTransferAgainstPolicy(policy, 100n, beijing(time)), refusedWith('NIGHT_WINDOW'), time);
  for (const time of ['00:59', '05:00', '23:00']) checkTransferAgainstPolicy(policy, 100n, beijing(time));
});

test('R24: one transfer is at most the limit (TRANSFER_AMOUNT_LIMIT)', () => {
  checkTransferAgainstPolicy(DEFAULT_TRANSFER_POLICY, 200_000n, beijing('12:00'));
  assert.throws(
    () => checkTransferAgainstPolicy(DEFAULT_TRANSFER_POLICY, 200_001n, beijing('12:00')),
    refusedWith('TRANSFER_AMOUNT_LIMIT'),
  );
  assert.throws(
    () => checkTransferAgainstPolicy(DEFAULT_TRANSFER_POLICY, 200_001n, beijing('12:00')),
    /at most 2000\.00 yuan/,
  );
});

test('R24: minutes of the day are written as HH:MM', () => {
  assert.deepEqual([0, 360, 1320, 1439].map(formatMinute), ['00:00', '06:00', '22:00', '23:59']);
});
