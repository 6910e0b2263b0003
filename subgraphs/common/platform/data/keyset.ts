import { Refusal, RefusalCode } from '../../domain/errors';

/*
 * Keyset pagination of lists in time order, as the stores read it. The GraphQL page around it
 * (cursors, page input, connection types) is in graphql/connection.ts.
 */

/** A keyset position for lists in time order: the time, then the id to break ties. */
export function timeKey(time: Date, id: string): string {
  return `${time.toISOString()}|${id}`;
}

/** The [time, id] of a time key, or [null, null] for the first page. */
export function parseTimeKey(key: string | undefined): [Date | null, string | null] {
  if (!key) return [null, null];
  const [time, id] = key.split('|');
  const date = new Date(time);
  if (!id || Number.isNaN(date.getTime())) {
    throw new Refusal(RefusalCode.INVALID_ARGUMENT, 'The page cursor is not one this list gave out.');
  }
  return [date, id];
}

/**
 * The [time, id] after which a page in time order starts: the cursor's, or the very start. Always
 * values (never NULL), so that the row comparison stays an index condition.
 */
export function timeKeyAfter(key: string | undefined): [Date | string, string] {
  const [time, id] = parseTimeKey(key);
  return time && id ? [time, id] : ['-infinity', ''];
}
