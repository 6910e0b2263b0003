import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/** What a read needs of a database: a query. A DataSource, an EntityManager or a request's reads. */
export type Queryable = Pick<EntityManager, 'query'>;

/**
 * Where one request reads. A query operation reads in one read-only transaction on one connection:
 * one commit for the whole request instead of one per statement (a member page reads five or six
 * times), and every read sees what was committed when it ran. Anything else reads as it writes,
 * statement by statement, so that what a mutation wrote is what its answer shows.
 */
export class RequestReads implements Queryable {
  private inOneTransaction = false;
  private runner?: Promise<QueryRunner>;
  /** The last statement sent: resolvers read side by side, but one connection takes one statement at a time. */
  private previous: Promise<unknown> = Promise.resolve();

  /** `queries`: where a query operation's read transaction takes its connection (default `db`). */
  constructor(
    private readonly db: DataSource,
    private readonly queries: DataSource = db,
  ) {}

  /** Told by readsPlugin once the operation is known. */
  operationIs(kind: string): void {
    this.inOneTransaction = kind === 'query';
  }

  async query<T>(sql: string, parameters?: unknown[]): Promise<T> {
    if (!this.inOneTransaction) return this.db.query<T>(sql, parameters);
    this.runner ??= this.begin();
    const runner = await this.runner;
    const read = this.previous.then(async () => {
      try {
        return (await runner.query(sql, parameters)) as T;
      } catch (error) {
        // A failed statement aborts the transaction: the request's other reads go on in a new one.
        await runner.query('ROLLBACK').then(
          () => runner.query('BEGIN READ ONLY'),
          () => undefined,
        );
        throw error;
      }
    });
    this.previous = read.catch(() => undefined);
    return read;
  }

  /** Ends the request's read transaction, if it opened one. */
  async finish(): Promise<void> {
    const runner = this.runner;
    this.runner = undefined;
    if (!runner) return;
    const connection = await runner;
    try {
      await this.previous;
      await connection.query('COMMIT');
    } finally {
      await connection.release();
    }
  }

  private async begin(): Promise<QueryRunner> {
    const runner = this.queries.createQueryRunner();
    await runner.connect();
    await runner.query('BEGIN READ ONLY');
    return runner;
  }
}

/** Opens and closes each request's reads (see RequestReads). */
export function readsPlugin<Context extends BaseContext & { reads: RequestReads }>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          contextValue.reads.operationIs(operation?.operation ?? 'unknown');
        },
        async willSendResponse({ contextValue }) {
          await contextValue.reads.finish();
        },
      };
    },
  };
}
