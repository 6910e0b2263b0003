import { z } from 'zod';
import { PersonalData } from '../access-log';
import { Role } from '../auth/caller';
import { FundSource, InsuranceType } from '../../domain/enums';

/**
 * The internal operations between services, each defined once: its name, what it is sent and what
 * it answers (zod). The caller encodes with the same schema the receiver decodes and checks with,
 * so a payload that does not match is refused where it arrives (INVALID_INTERNAL_PAYLOAD) before it
 * changes anything. Money is `Fen` (bigint) on both sides and a decimal string of fen on the wire,
 * converted here and nowhere else (`fenOnWire`).
 */
export interface InternalOperation<In extends z.ZodType = z.ZodType, Out extends z.ZodType = z.ZodType> {
  input: In;
  output: Out;
}

const operation = <In extends z.ZodType, Out extends z.ZodType>(
  input: In,
  output: Out,
): InternalOperation<In, Out> => ({ input, output });

/** Fen: a bigint in the domain, a string of decimal digits on the wire. */
export const fenOnWire = z.codec(z.string().regex(/^-?\d+$/, 'must be whole fen in decimal digits'), z.bigint(), {
  decode: (text) => BigInt(text),
  encode: (fen) => fen.toString(),
});

/** A point in time: a Date in the domain, ISO 8601 on the wire. */
const instantOnWire = z.codec(z.iso.datetime({ offset: true }), z.date(), {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
});

const id = z.string().min(1).max(200);
const memberId = id;
const fundAmount = z.object({ fundSource: z.enum(FundSource), amount: fenOnWire });
const done = z.object({ done: z.literal(true) });
const holdMove = z.object({ holdId: id, operationId: id, amount: fenOnWire });
const accountMove = z.object({ memberId, operationId: id, counterpart: memberId });
/** R31: what a move booked, or that it waits for holds to be settled (the step is tried again later). */
const booked = z.union([z.object({ parts: z.array(fundAmount) }), z.object({ retryLater: z.string() })]);
const fenText = z.string().regex(/^-?\d+$/);

/** A province's operations, called by national with its service token. */
export const provinceOperations = {
  enrol: operation(
    z.object({
      idNumber: z.string(),
      name: z.string(),
      insuranceType: z.enum(InsuranceType),
      poolingRegion: z.string(),
    }),
    z.object({ memberId, insuranceType: z.enum(InsuranceType), poolingRegion: z.string() }),
  ),
  memberStatus: operation(
    z.object({ memberId }),
    z.object({ memberId, insuranceType: z.enum(InsuranceType), status: z.string(), poolingRegion: z.string() }),
  ),
  endMembership: operation(z.object({ memberId }), done),
  placeHold: operation(z.object({ holdId: id, memberId, fundSource: z.enum(FundSource), amount: fenOnWire }), done),
  captureHold: operation(holdMove, done),
  releaseHold: operation(holdMove, done),
  restoreHold: operation(holdMove, done),
  spendOwn: operation(
    z.object({ memberId, operationId: id, amount: fenOnWire }),
    z.object({ parts: z.array(fundAmount) }),
  ),
  refundToAccount: operation(
    z.object({ memberId, operationId: id, holdId: id.optional(), parts: z.array(fundAmount) }),
    z.object({ refunded: z.string() }),
  ),
  moveOut: operation(accountMove, booked),
  moveIn: operation(accountMove.extend({ parts: z.array(fundAmount) }), done),
  moveAccount: operation(accountMove, booked),
  ledgerAudit: operation(
    z.object({}),
    z.object({
      accountRowsNotMatchingLedger: z.array(
        z.object({
          memberId,
          fundSource: z.string(),
          balance: fenText,
          ledgerBalance: fenText,
          held: fenText,
          ledgerHeld: fenText,
        }),
      ),
      heldNotMatchingHolds: z.array(
        z.object({ memberId, fundSource: z.string(), held: fenText, holdsOutstanding: fenText }),
      ),
      figuresNotMatchingTables: z.array(z.object({ figure: z.string(), kept: z.string(), counted: z.string() })),
      holds: z.array(z.object({ id, outstanding: fenText })),
      totalHeld: fenText,
      moves: z.array(z.object({ operationId: id, kind: z.enum(['TRANSFER_OUT', 'TRANSFER_IN']), amount: fenText })),
      endedWithBalance: z.array(z.object({ memberId, balance: fenText })),
    }),
  ),
  // R32: staff reads of national-owned personal data, forwarded by national.
  /** R20 after a restore: which of these operations the ledger has entries of (national names the others). */
  bookedEntries: operation(
    z.object({ operationIds: z.array(z.string()).max(5000) }),
    z.object({ booked: z.array(z.object({ operationId: z.string(), holdId: z.string().nullable() })) }),
  ),
  recordAccess: operation(
    z.object({
      records: z
        .array(
          z.object({
            id,
            memberId,
            data: z.enum(PersonalData),
            readerRole: z.enum(Role),
            readerProvince: z.string(),
            readerSubject: z.string(),
            operatorId: z.string().nullable(),
            readAt: instantOnWire,
          }),
        )
        .max(10_000),
    }),
    z.object({ recorded: z.number().int() }),
  ),
} as const;

const counts = <Keys extends string>(keys: readonly Keys[]) =>
  z.object(Object.fromEntries(keys.map((key) => [key, z.number().int()])) as Record<Keys, z.ZodNumber>);

/** National's operations for the test harness (a test cluster outside production only). */
export const harnessOperations = {
  /** Sets the clock ({ now }), moves it on ({ advanceMs }) or takes another copy's offset ({ offsetMs }); answers the time and its offset. */
  clock: operation(
    z.object({
      now: z.iso.datetime({ offset: true }).optional(),
      advanceMs: z.number().int().optional(),
      offsetMs: z.number().int().optional(),
    }),
    z.object({ now: z.string(), offsetMs: z.number() }),
  ),
  recover: operation(
    z.object({}),
    counts(['returnedTransfers', 'enrolments', 'transfers', 'settlements', 'steps', 'moves', 'accountMoves']),
  ),
  recoveryBacklog: operation(
    z.object({}),
    counts([
      'pendingEnrolments',
      'pendingTransfers',
      'pendingSettlements',
      'unappliedSteps',
      'unfinishedMoves',
      'movingAccounts',
    ]),
  ),
} as const;

export type Operations = Record<string, InternalOperation>;
export type ProvinceOperations = typeof provinceOperations;
export type HarnessOperations = typeof harnessOperations;

/** What an operation is given and answers, as the domain sees them (Fen a bigint, times Dates). */
export type InputOf<Ops extends Operations, Name extends keyof Ops> = z.output<Ops[Name]['input']>;
export type OutputOf<Ops extends Operations, Name extends keyof Ops> = z.output<Ops[Name]['output']>;

/** The wire form of a value (what JSON carries), and back. */
export const toWire = (schema: z.ZodType, value: unknown): unknown => z.encode(schema, value);
export const fromWire = <Schema extends z.ZodType>(schema: Schema, wire: unknown) =>
  z.safeDecode(schema, wire as z.input<Schema>);

/** A one-line account of why a payload does not match its schema. */
export const mismatch = (error: z.ZodError): string =>
  error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
    .join('; ');
