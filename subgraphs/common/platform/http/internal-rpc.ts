import { request } from 'undici';
import { failedToConnect, lazyAgent } from './transit-tls';
import type { z } from 'zod';
import type { ServiceCredential, ServicePeers } from '../auth/service-credential';
import type { JsonReply, JsonRoute } from './http-server';
import { isRefusal, Refusal, type RefusalCode, RefusalCode as Codes } from '../../domain/errors';
import { notePeer } from '../observability/requests';
import {
  fromWire,
  type InputOf,
  type InternalOperation,
  mismatch,
  type Operations,
  type OutputOf,
  toWire,
} from './internal-contract';
import { deadlines } from './deadlines';

/**
 * Internal operations between services (the national subgraph asking a province to hold, capture
 * or release money, or to enrol a member). They are JSON over HTTP under /internal/, never part of
 * the public supergraph, and need the service token of a deployment the route names: each route
 * says which peers may call it (a province's routes: national only).
 */
export const INTERNAL_PREFIX = '/internal/';

interface RefusalBody {
  refusal: { code: RefusalCode; message: string; details?: Record<string, string | number | boolean> };
}

const refused = (status: number, code: RefusalCode, message: string): JsonReply => ({
  status,
  body: { refusal: { code, message } } satisfies RefusalBody,
});

/**
 * Wraps an operation as a route that admits the named peers only, decodes and checks the payload
 * against the operation's contract (a mismatch: 400 INVALID_INTERNAL_PAYLOAD, nothing done), and
 * reports refusals.
 */
export function internalRoute<Op extends InternalOperation>(
  peers: ServicePeers,
  callers: readonly string[],
  contract: Op,
  operation: (input: z.output<Op['input']>, peer: string) => Promise<z.output<Op['output']>>,
): JsonRoute {
  return async (body, request): Promise<JsonReply> => {
    const peer = await peers.peerOf(request.headers.authorization);
    if (peer) notePeer(request, peer);
    if (!peer) return refused(401, Codes.UNAUTHENTICATED, 'Service credential required.');
    if (!callers.includes(peer)) return refused(403, Codes.FORBIDDEN, `${peer} may not call this operation.`);
    const input = fromWire(contract.input, body ?? {});
    if (!input.success) {
      return refused(
        400,
        Codes.INVALID_INTERNAL_PAYLOAD,
        `The payload does not match the operation (${mismatch(input.error)}); nothing was done.`,
      );
    }
    try {
      return {
        status: 200,
        body: { result: toWire(contract.output, await operation(input.data as z.output<Op['input']>, peer)) },
      };
    } catch (error) {
      if (isRefusal(error)) {
        const { code: _code, ...details } = error.extensions as Record<string, string | number | boolean>;
        const refusal: RefusalBody = { refusal: { code: error.code, message: error.message, details } };
        return { status: 422, body: refusal };
      }
      throw error;
    }
  };
}

/** An internal call could not be completed: the other side is down or answered nonsense. */
export class ServiceUnreachable extends Error {
  /** No answer within the deadline (a silent peer), as against a refused or reset connection (a process that is down). */
  readonly timedOut: boolean;
  /** The request never left: no connection was made (refused, or a TLS handshake that failed), so the peer did nothing. */
  readonly neverSent: boolean;

  constructor(message: string, options: { cause?: unknown; timedOut?: boolean; neverSent?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.timedOut = options.timedOut ?? false;
    this.neverSent = options.neverSent ?? false;
  }
}

/** The other side refused the payload as not matching the operation (a bug of the caller): nothing was done there. */
export class InternalPayloadRefused extends Error {}

export interface InternalClient<Ops extends Operations> {
  call<Name extends keyof Ops & string>(operation: Name, input: InputOf<Ops, Name>): Promise<OutputOf<Ops, Name>>;
}

/** Kept-alive connections for every internal client of this process (undici: far less CPU per call than fetch). */
const connections = lazyAgent({ keepAliveTimeout: 30_000 });

/**
 * A client for one service's internal operations (its contract); refusals come back as the same
 * Refusal. No answer within `timeoutMs` is ServiceUnreachable.
 */
export function internalClient<Ops extends Operations>(
  baseUrl: string,
  operations: Ops,
  credential: Pick<ServiceCredential, 'token'>,
  timeoutMs = deadlines().provinceCallMs,
): InternalClient<Ops> {
  return {
    async call<Name extends keyof Ops & string>(
      operation: Name,
      input: InputOf<Ops, Name>,
    ): Promise<OutputOf<Ops, Name>> {
      const contract = operations[operation];
      const payload = JSON.stringify(toWire(contract.input, input));
      let status: number;
      let body: { result: unknown } | RefusalBody | undefined;
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const response = await request(`${baseUrl}${INTERNAL_PREFIX}${operation}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await credential.token()}` },
          body: payload,
          dispatcher: connections(),
          signal,
        });
        status = response.statusCode;
        body = (await response.body.json().catch(() => undefined)) as typeof body;
      } catch (error) {
        const why = signal.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message;
        throw new ServiceUnreachable(`${operation} at ${baseUrl}: ${why}`, {
          cause: error,
          timedOut: signal.aborted,
          neverSent: !signal.aborted && failedToConnect(error),
        });
      }
      if (body && 'refusal' in body && status === 422) {
        throw new Refusal(body.refusal.code, body.refusal.message, body.refusal.details);
      }
      if (body && 'refusal' in body && body.refusal.code === Codes.INVALID_INTERNAL_PAYLOAD) {
        throw new InternalPayloadRefused(`${operation} at ${baseUrl}: ${body.refusal.message}`);
      }
      if (!body || !('result' in body) || status !== 200) {
        throw new ServiceUnreachable(`${operation} at ${baseUrl}: HTTP ${status}`);
      }
      const result = fromWire(contract.output, body.result);
      if (!result.success)
        throw new ServiceUnreachable(
          `${operation} at ${baseUrl}: the answer does not match the operation (${mismatch(result.error)})`,
        );
      return result.data as OutputOf<Ops, Name>;
    },
  };
}
