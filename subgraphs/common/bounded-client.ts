import { Client, type ClientConfig } from 'pg';

type QueryFunction = (...args: unknown[]) => unknown;

/**
 * A pg client that drops its connection when a statement's answer does not come within
 * query_timeout (see deadlines.ts). pg rejects the statement then but keeps the connection, busy
 * for ever with it when the link is silent; dropped, the pool replaces it once the link heals.
 */
export class BoundedClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    const query = (this.query as QueryFunction).bind(this);
    const bounded: QueryFunction = (...args) => {
      const result = query(...args);
      if (result instanceof Promise) {
        result.catch((error: unknown) => {
          if ((error as Error | undefined)?.message === 'Query read timeout') this.dropConnection();
        });
      }
      return result;
    };
    this.query = bounded as Client['query'];
  }

  private dropConnection(): void {
    (this as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }
}
