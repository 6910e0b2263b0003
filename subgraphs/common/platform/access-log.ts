import type { ApolloServerPlugin } from '@apollo/server';
import { randomUUID } from 'node:crypto';
import { platformNow } from './clock';
import { GraphQLError } from 'graphql';
import { Pool } from 'pg';
import { registerEnumType } from 'type-graphql';
import { requireActingFor } from './auth/access';
import { type Caller, Role } from './auth/caller';
import { logPoolErrors } from './data/database-shutdown';
import { errorText, log } from './log';
import { BoundedClient } from './data/bounded-client';
import { databaseWaits } from './http/deadlines';

/**
 * R32: every read by staff (a provincial portal, a window operator) of a member's personal data is
 * recorded: who (role, province, operator), when, which member, which data. Resolvers note each
 * read as they serve it; the notes of one request are written in one insert before its answer
 * leaves (province: into its own table; national: into an outbox forwarded to the member's
 * province). A request whose record cannot be written gets no data.
 */
export enum PersonalData {
  ID_NUMBER = 'ID_NUMBER',
  NAME = 'NAME',
  ACCOUNT = 'ACCOUNT',
  LEDGER = 'LEDGER',
  WALLET = 'WALLET',
  RELATIONSHIPS = 'RELATIONSHIPS',
  SETTLEMENTS = 'SETTLEMENTS',
  QUOTA = 'QUOTA',
}
registerEnumType(PersonalData, {
  name: 'PersonalData',
  description: 'R32: a kind of personal data whose reads by staff are recorded.',
});

export interface AccessRecord {
  id: string;
  memberId: string;
  data: PersonalData;
  readerRole: Role;
  readerProvince: string;
  readerSubject: string;
  operatorId: string | null;
  readAt: Date;
}

/** The reads of one request, noted as resolvers serve them (a member's own reads and others' are not staff reads). */
export class AccessRecorder {
  private readonly reads = new Map<string, AccessRecord>();

  constructor(private readonly caller: Caller | undefined) {}

  note(memberId: string, data: PersonalData): void {
    const caller = this.caller;
    if (caller?.role !== Role.PROVINCIAL_PORTAL && caller?.role !== Role.WINDOW_OPERATOR) return;
    const key = `${memberId}\u0000${data}`;
    if (this.reads.has(key)) return;
    this.reads.set(key, {
      id: randomUUID(),
      memberId,
      data,
      readerRole: caller.role,
      readerProvince: caller.province,
      readerSubject: caller.subject,
      operatorId: caller.role === Role.WINDOW_OPERATOR ? caller.operatorId : null,
      readAt: platformNow(),
    });
  }

  take(): AccessRecord[] {
    const records = [...this.reads.values()];
    this.reads.clear();
    return records;
  }
}

export interface RecordingContext {
  caller?: Caller;
  accessLog: AccessRecorder;
}

/** The access check of a read of a member's personal data, and its R32 record. */
export function readPersonalData(ctx: RecordingContext, memberId: string, data: PersonalData, what: string): void {
  requireActingFor(ctx.caller, [memberId], what);
  ctx.accessLog.note(memberId, data);
}

/** Something that runs one SQL statement: the service's DataSource, or the recording pool below. */
export interface Queryable {
  query(text: string, params: unknown[]): Promise<unknown>;
}

/**
 * Connections for writing the records of requests: their commits do not wait for the WAL to reach
 * the disk (synchronous_commit off), so recording adds one round trip to a staff read and not a
 * disk flush (the bench: with the flush a one-caller member page read by a portal took 1.43 times
 * as long as the member's own). The record is still written before the answer leaves; only a crash
 * of PostgreSQL itself within its WAL writer delay (0.2 s) could lose the last records.
 */
export function recordingPool(connectionString: string): Pool & Queryable {
  const pool = new Pool({
    connectionString,
    max: 4,
    options: '-c synchronous_commit=off',
    Client: BoundedClient,
    ...databaseWaits(),
  });
  logPoolErrors(pool, 'R32 recording connection');
  return pool;
}

/**
 * One insert at a time per service, holding the records of every request that finished meanwhile:
 * under load, concurrent requests share an insert (and its commit); a lone request waits for none.
 */
export function coalescing(
  write: (records: AccessRecord[]) => Promise<void>,
): (records: AccessRecord[]) => Promise<void> {
  let queued: AccessRecord[] = [];
  let waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  let writing = false;
  const drain = async () => {
    writing = true;
    while (queued.length > 0) {
      const [batch, waiting] = [queued, waiters];
      [queued, waiters] = [[], []];
      await write(batch).then(
        () => waiting.forEach((w) => w.resolve()),
        (error: unknown) => waiting.forEach((w) => w.reject(error)),
      );
    }
    writing = false;
  };
  return (records) =>
    new Promise<void>((resolve, reject) => {
      queued.push(...records);
      waiters.push({ resolve, reject });
      if (!writing) void drain();
    });
}

/** Writes the records of each request, all at once, before its answer is sent. */
export function accessRecordingPlugin<Context extends RecordingContext>(
  write: (records: AccessRecord[]) => Promise<void>,
): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const records = contextValue.accessLog.take();
          if (records.length === 0) return;
          try {
            await write(records);
          } catch (error) {
            log.error({ error: errorText(error) }, 'R32: the access record could not be written');
            if (response.body.kind === 'single') {
              const failed = new GraphQLError('The read could not be recorded (R32); nothing is shown. Try again.', {
                extensions: { code: 'INTERNAL_SERVER_ERROR' },
              });
              response.body.singleResult = { data: null, errors: [failed.toJSON()] };
            }
          }
        },
      };
    },
  };
}
