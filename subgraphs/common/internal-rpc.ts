import { Agent, request } from 'undici';
import type { ServiceCredential, ServicePeers } from './auth/service-credential';
import type { JsonReply, JsonRoute } from './http-server';
import { isRefusal, Refusal, type RefusalCode, RefusalCode as Codes } from './errors';
import { notePeer } from './observability/requests';
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

/** Wraps an operation as a route that admits the named peers only and reports refusals. */
export function internalRoute<In, Out>(
  peers: ServicePeers,
  callers: readonly string[],
  operation: (input: In, peer: string) => Promise<Out>,
): JsonRoute {
  return async (body, request): Promise<JsonReply> => {
    const peer = await peers.peerOf(request.headers.authorization);
    if (peer) notePeer(request, peer);
    if (!peer) {
      return { status: 401, body: { refusal: { code: Codes.UNAUTHENTICATED, message: 'Service credential required.' } } };
    }
    if (!callers.includes(peer)) {
      return { status: 403, body: { refusal: { code: Codes.FORBIDDEN, message: `${peer} may not call this operation.` } } };
    }
    try {
      return { status: 200, body: { result: await operation(body as In, peer) } };
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
export class ServiceUnreachable extends Error {}

export interface InternalClient {
  call<Out>(operation: string, input: unknown): Promise<Out>;
}

/** Kept-alive connections for every internal client of this process (undici: far less CPU per call than fetch). */
const connections = new Agent({ keepAliveTimeout: 30_000 });

/** A client for one service's internal operations; refusals come back as the same Refusal. No answer within `timeoutMs` is ServiceUnreachable. */
export function internalClient(baseUrl: string, credential: Pick<ServiceCredential, 'token'>, timeoutMs = deadlines().provinceCallMs): InternalClient {
  return {
    async call<Out>(operation: string, input: unknown): Promise<Out> {
      let status: number;
      let body: { result: Out } | RefusalBody | undefined;
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        const response = await request(`${baseUrl}${INTERNAL_PREFIX}${operation}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await credential.token()}` },
          body: JSON.stringify(input, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)),
          dispatcher: connections,
          signal,
        });
        status = response.statusCode;
        body = (await response.body.json().catch(() => undefined)) as typeof body;
      } catch (error) {
        const why = signal.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message;
        throw new ServiceUnreachable(`${operation} at ${baseUrl}: ${why}`, { cause: error });
      }
      if (body && 'refusal' in body && status === 422) {
        throw new Refusal(body.refusal.code, body.refusal.message, body.refusal.details);
      }
      if (!body || !('result' in body) || status !== 200) {
        throw new ServiceUnreachable(`${operation} at ${baseUrl}: HTTP ${status}`);
      }
      return body.result;
    },
  };
}
