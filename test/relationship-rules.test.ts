import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InsuranceType } from '../subgraphs/common/domain/enums';
import { isRefusal } from '../subgraphs/common/domain/errors';
import {
  Channel,
  checkChannel,
  checkParties,
  checkRequest,
  checkWallets,
  CLOSE_RELATIVES,
  type PartyFacts,
  Relation,
  type RelationshipRequest,
} from '../subgraphs/national/relationships/relationship-rules';

const NOW = new Date('2026-03-02T02:00:00Z');

const refusedWith = (code: string) => (error: unknown) => isRefusal(error) && error.code === code;

/** A request every rule accepts; each test changes one thing. */
const request = (change: Partial<RelationshipRequest> = {}): RelationshipRequest => ({
  donorId: '32A',
  beneficiaryId: '32B',
  relation: Relation.PARENT,
  channel: Channel.NATIONAL_APP,
  commitment: { version: '2024-1', signedAt: new Date(NOW.getTime() - 60_000) },
  ...change,
});

/** An insured employee with an activated wallet in Suzhou; each test changes one thing. */
const party = (change: Partial<PartyFacts> = {}): PartyFacts => ({
  memberId: '32A',
  insuranceType: InsuranceType.EMPLOYEE,
  insured: true,
  province: '32',
  poolingRegion: '320500',
  crossProvinceEnabled: true,
  walletActivated: true,
  ...change,
});

describe('R3, R4, R6: the request itself', () => {
  test('a close relative, a signed letter and a named channel are accepted', () => {
    for (const relation of CLOSE_RELATIVES) checkRequest(request({ relation }), NOW);
  });

  test('R3: a donor cannot aid themself (SELF_AID_FORBIDDEN)', () => {
    assert.throws(() => checkRequest(request({ beneficiaryId: '32A' }), NOW), refusedWith('SELF_AID_FORBIDDEN'));
  });

  test('R3: only close relatives may be aided (NOT_CLOSE_RELATIVE)', () => {
    for (const relation of Object.values(Relation).filter((r) => !CLOSE_RELATIVES.has(r))) {
      assert.throws(() => checkRequest(request({ relation }), NOW), refusedWith('NOT_CLOSE_RELATIVE'), relation);
    }
  });

  test('R4: the commitment letter is signed, with a version, not in the future (COMMITMENT_REQUIRED)', () => {
    for (const commitment of [
      null,
      undefined,
      { version: ' ', signedAt: NOW },
      { version: '2024-1', signedAt: new Date(NOW.getTime() + 1) },
    ]) {
      assert.throws(
        () => checkRequest(request({ commitment }), NOW),
        refusedWith('COMMITMENT_REQUIRED'),
        JSON.stringify(commitment),
      );
    }
    checkRequest(request({ commitment: { version: '2024-1', signedAt: NOW } }), NOW); // signed this very moment
  });

  test('R6: at an agency window the operator is named (OPERATOR_REQUIRED)', () => {
    for (const operatorId of [undefined, null, '', '  ']) {
      assert.throws(
        () => checkChannel(Channel.AGENCY_WINDOW, operatorId),
        refusedWith('OPERATOR_REQUIRED'),
        String(operatorId),
      );
    }
    checkChannel(Channel.AGENCY_WINDOW, 'SZ-1');
    checkChannel(Channel.PROVINCIAL_PLATFORM, undefined);
    assert.throws(
      () => checkRequest(request({ channel: Channel.AGENCY_WINDOW }), NOW),
      refusedWith('OPERATOR_REQUIRED'),
    );
  });

  test("R6, R26: AUTOMATIC is the platform's own channel, never a request's (INVALID_ARGUMENT)", () => {
    assert.throws(() => checkChannel(Channel.AUTOMATIC, 'SZ-1'), refusedWith('INVALID_ARGUMENT'));
  });
});

describe('R1, R2, R5, R8: the two members', () => {
  const beneficiary = party({ memberId: '32B', insuranceType: InsuranceType.RESIDENT });

  test('R1: the donor is insured (MEMBER_NOT_INSURED) as an employee (DONOR_NOT_EMPLOYEE)', () => {
    assert.throws(() => checkParties(party({ insured: false }), beneficiary), refusedWith('MEMBER_NOT_INSURED'));
    assert.throws(
      () => checkParties(party({ insuranceType: InsuranceType.RESIDENT }), beneficiary),
      refusedWith('DONOR_NOT_EMPLOYEE'),
    );
  });

  test('R2: the beneficiary is insured, as a resident or an employee (MEMBER_NOT_INSURED)', () => {
    assert.throws(
      () => checkParties(party(), party({ memberId: '32B', insured: false })),
      refusedWith('MEMBER_NOT_INSURED'),
    );
    checkParties(party(), beneficiary);
    checkParties(party(), party({ memberId: '32B' }));
  });

  test('R8: within a province always allowed, whatever the regions and wallets', () => {
    checkParties(
      party({ crossProvinceEnabled: false, walletActivated: false }),
      party({ memberId: '32B', crossProvinceEnabled: false, walletActivated: false }),
    );
  });

  test('R8: across provinces both regions take part (CROSS_PROVINCE_NOT_ENABLED)', () => {
    const elsewhere = party({ memberId: '51B', province: '51', poolingRegion: '510100' });
    assert.throws(
      () => checkParties(party({ crossProvinceEnabled: false }), elsewhere),
      refusedWith('CROSS_PROVINCE_NOT_ENABLED'),
    );
    assert.throws(
      () => checkParties(party(), { ...elsewhere, crossProvinceEnabled: false }),
      refusedWith('CROSS_PROVINCE_NOT_ENABLED'),
    );
    checkParties(party(), elsewhere);
  });

  test('R5: across provinces both wallets are activated (WALLET_NOT_ACTIVATED)', () => {
    const elsewhere = party({ memberId: '51B', province: '51', poolingRegion: '510100' });
    assert.throws(
      () => checkParties(party({ walletActivated: false }), elsewhere),
      refusedWith('WALLET_NOT_ACTIVATED'),
    );
    assert.throws(
      () => checkParties(party(), { ...elsewhere, walletActivated: false }),
      refusedWith('WALLET_NOT_ACTIVATED'),
    );
    assert.throws(
      () => checkWallets({ walletActivated: true }, { walletActivated: false }),
      /beneficiary must activate/,
    );
    assert.throws(() => checkWallets({ walletActivated: false }, { walletActivated: true }), /donor must activate/);
  });
});
