import { GraphQLError } from 'graphql';

/**
 * Every refusal the platform gives, by stable `extensions.code`. A code names the broken rule in
 * words; the R-number is in the comment so a reader can go from an error to its rule in
 * docs/rules.md, where each rule's text, codes, module and tests stand together.
 */
export const RefusalCode = {
  // Input
  INVALID_AMOUNT: 'INVALID_AMOUNT', // R12: positive whole fen, within MAX_AMOUNT
  INVALID_ID_NUMBER: 'INVALID_ID_NUMBER', // GB 11643 check character
  INVALID_NAME: 'INVALID_NAME',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  UNKNOWN_POOLING_REGION: 'UNKNOWN_POOLING_REGION',
  REGION_OF_OTHER_PROVINCE: 'REGION_OF_OTHER_PROVINCE',
  ALREADY_ENROLLED: 'ALREADY_ENROLLED', // a person is insured in exactly one pooling region
  MEMBER_NOT_FOUND: 'MEMBER_NOT_FOUND',
  NO_PERSONAL_ACCOUNT: 'NO_PERSONAL_ACCOUNT', // residents have none
  INSUFFICIENT_BALANCE: 'INSUFFICIENT_BALANCE', // R12
  IDEMPOTENCY_CONFLICT: 'IDEMPOTENCY_CONFLICT', // R21
  WALLET_NOT_AVAILABLE_IN_REGION: 'WALLET_NOT_AVAILABLE_IN_REGION', // R5
  // Relationships and quota
  DONOR_NOT_EMPLOYEE: 'DONOR_NOT_EMPLOYEE', // R1
  MEMBER_NOT_INSURED: 'MEMBER_NOT_INSURED', // R1, R2
  NOT_CLOSE_RELATIVE: 'NOT_CLOSE_RELATIVE', // R3
  SELF_AID_FORBIDDEN: 'SELF_AID_FORBIDDEN', // R3
  COMMITMENT_REQUIRED: 'COMMITMENT_REQUIRED', // R4
  WALLET_NOT_ACTIVATED: 'WALLET_NOT_ACTIVATED', // R5
  OPERATOR_REQUIRED: 'OPERATOR_REQUIRED', // R6
  RELATIONSHIP_ALREADY_ACTIVE: 'RELATIONSHIP_ALREADY_ACTIVE', // R7
  RELATIONSHIP_AWAITING_CONSENT: 'RELATIONSHIP_AWAITING_CONSENT', // R7, R27: registered already, waiting for the beneficiary
  CROSS_PROVINCE_NOT_ENABLED: 'CROSS_PROVINCE_NOT_ENABLED', // R8
  RELATIONSHIP_NOT_FOUND: 'RELATIONSHIP_NOT_FOUND',
  RELATIONSHIP_NOT_ACTIVE: 'RELATIONSHIP_NOT_ACTIVE', // R9
  REGIFT_FORBIDDEN: 'REGIFT_FORBIDDEN', // R11
  INSUFFICIENT_QUOTA: 'INSUFFICIENT_QUOTA', // R17
  INELIGIBLE_EXPENSE: 'INELIGIBLE_EXPENSE', // R13
  INELIGIBLE_PREMIUM: 'INELIGIBLE_PREMIUM', // R17
  SETTLEMENT_NOT_FOUND: 'SETTLEMENT_NOT_FOUND',
  REFUND_EXCEEDS_SETTLEMENT: 'REFUND_EXCEEDS_SETTLEMENT', // R19
  // Moves
  MOVE_IN_PROGRESS: 'MOVE_IN_PROGRESS', // R31: the membership's account is still arriving (or the person's move is unfinished)
  ACCOUNT_MOVED: 'ACCOUNT_MOVED', // R31: the account moved to another membership (extensions.newMemberId)
  // Pilot operating rules
  DAILY_TRANSFER_LIMIT: 'DAILY_TRANSFER_LIMIT', // R24
  TRANSFER_AMOUNT_LIMIT: 'TRANSFER_AMOUNT_LIMIT', // R24
  NIGHT_WINDOW: 'NIGHT_WINDOW', // R24
  TRANSFER_NOT_FOUND: 'TRANSFER_NOT_FOUND',
  ACCEPTANCE_EXPIRED: 'ACCEPTANCE_EXPIRED', // R25
  CONSENT_REQUIRED: 'CONSENT_REQUIRED', // R27
  CREDENTIAL_NOT_OWN: 'CREDENTIAL_NOT_OWN', // R28
  INVALID_PHONE: 'INVALID_PHONE', // R29
  // Platform
  PROVINCE_UNAVAILABLE: 'PROVINCE_UNAVAILABLE', // nothing was recorded: retry later, under a new key
  NATIONAL_UNAVAILABLE: 'NATIONAL_UNAVAILABLE', // the gateway could not reach national (HTTP 503)
  PROVINCE_UNROUTABLE: 'PROVINCE_UNROUTABLE',
  OPERATION_IN_PROGRESS: 'OPERATION_IN_PROGRESS',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  INVALID_INTERNAL_PAYLOAD: 'INVALID_INTERNAL_PAYLOAD', // an internal call whose payload does not match its contract: nothing was done
} as const;

export type RefusalCode = (typeof RefusalCode)[keyof typeof RefusalCode];

const REFUSAL_CODES: ReadonlySet<unknown> = new Set(Object.values(RefusalCode));

export function isRefusalCode(code: unknown): code is RefusalCode {
  return REFUSAL_CODES.has(code);
}

/** A refusal: a rule said no. It is thrown before anything is written, so it changes nothing. */
export class Refusal extends GraphQLError {
  constructor(
    readonly code: RefusalCode,
    message: string,
    details: Record<string, string | number | boolean> = {},
  ) {
    super(message, { extensions: { code, ...details } });
  }
}

export function isRefusal(error: unknown): error is Refusal {
  return error instanceof Refusal;
}

/**
 * Input refused for its form (an amount that is not one) before anything runs. Unlike a Refusal it is not kept as the final answer of an idempotency key: the
 * caller corrects the request and sends it again.
 */
export function inputError(code: RefusalCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/**
 * R30: not a refusal. The operation was recorded but the platform cannot yet tell whether it took
 * effect (a province did not answer); recovery finishes or undoes it, and the same request under
 * the same idempotency key then gets the final answer.
 */
export const OUTCOME_PENDING = 'OUTCOME_PENDING';

export class OutcomePending extends GraphQLError {
  readonly code = OUTCOME_PENDING;

  constructor(why: string) {
    super(
      `${why} The outcome is not known yet: send the same request again with the same idempotency key to get the final answer.`,
      {
        extensions: { code: OUTCOME_PENDING, retryWithSameKey: true },
      },
    );
  }
}
