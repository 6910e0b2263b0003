import { Refusal, RefusalCode } from './errors';

/**
 * Where a wallet event stands in the order every gateway delivers events: the national transaction
 * that wrote it (`pg_current_xact_id()`), then its row's sequence number. A row's sequence number
 * alone is not enough: transactions commit in another order than they took their numbers, so a
 * client that resumed after number 11 would never see number 10 committed a moment later. Readers
 * only read rows of transactions older than every transaction still running (see
 * subgraphs/national/events/wallet-events.ts), so no row can ever appear before a position already
 * delivered. The public id is `<transaction>-<sequence>`, compared as that pair.
 */
export interface EventPosition {
  tx: bigint;
  seq: bigint;
}

const FORMAT = /^(\d{1,20})-(\d{1,20})$/;

export const eventIdOf = (position: EventPosition): string => `${position.tx}-${position.seq}`;

/** The position an event id names, or undefined if it is not one. */
export function positionOf(id: string): EventPosition | undefined {
  const match = FORMAT.exec(id);
  return match ? { tx: BigInt(match[1]), seq: BigInt(match[2]) } : undefined;
}

/** The position of `after`, a client's last event id, or INVALID_ARGUMENT. */
export function requirePosition(id: string): EventPosition {
  const position = positionOf(id);
  if (!position)
    throw new Refusal(
      RefusalCode.INVALID_ARGUMENT,
      'An event id is two numbers joined by "-", as events carry it in `id`.',
    );
  return position;
}

export const isAfter = (a: EventPosition, b: EventPosition): boolean => a.tx > b.tx || (a.tx === b.tx && a.seq > b.seq);
