import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import { type Caller, Role } from './caller';
import type { ServicePeers } from './service-credential';
import { bearerToken, InvalidToken, type TokenPolicy, verifyToken } from './tokens';

/** What a service knows about its caller: a verified caller (every GraphQL request has one). */
export interface CallerContext extends BaseContext {
  caller?: Caller;
}

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}

/** Whom a graph endpoint believes: callers signed by the identity provider, and (subgraphs) the gateway for `_service` only. */
export interface GraphTrust {
  policy: TokenPolicy;
  /** Peers whose service token may read `_service { sdl }` (the gateway's drift check). */
  sdlReaders?: { peers: ServicePeers; names: readonly string[] };
}

/**
 * The caller of a graph request, found before the request is parsed: without a valid token
 * nothing about the graph is told (no data, no `__typename`, no field suggestions), only 401.
 */
export async function callerOfRequest(trust: GraphTrust, authorization: string | undefined): Promise<Caller> {
  const token = bearerToken(authorization);
  if (!token) throw unauthenticated('Sign in: this graph needs a bearer token (Authorization: Bearer <token>).');
  const readers = trust.sdlReaders;
  if (readers?.peers.names(token)) {
    const peer = await readers.peers.peerOf(authorization);
    if (peer && readers.names.includes(peer)) return { role: Role.SERVICE, subject: peer };
    throw unauthenticated('Sign in again: the token is not valid.');
  }
  try {
    return await verifyToken(trust.policy, token);
  } catch (error) {
    throw unauthenticated(
      `Sign in again: ${error instanceof InvalidToken ? error.message : 'the token is not valid'}.`,
    );
  }
}

/** Operations that ask for the subgraph's SDL and nothing else. */
function onlyAsksForSdl(operation: OperationDefinitionNode | undefined): boolean {
  return (
    !!operation && operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value === '_service')
  );
}

function asksForSdl(operation: OperationDefinitionNode | undefined): boolean {
  return (
    !!operation && operation.selectionSet.selections.some((s) => s.kind === Kind.FIELD && s.name.value === '_service')
  );
}

/**
 * Every operation needs a verified caller; a service token opens `_service { sdl }` only (the
 * gateway's drift check), and `_service` is for that service token only. Checked once per
 * operation, before any resolver runs.
 */
export function requireCallerPlugin<Context extends CallerContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          const caller = contextValue.caller;
          if (!caller) throw unauthenticated('Sign in: this graph needs a bearer token.');
          if (caller.role === Role.SERVICE) {
            if (!onlyAsksForSdl(operation))
              throw forbidden('A service credential opens the internal operations and the SDL only.');
          } else if (asksForSdl(operation)) {
            throw forbidden('The subgraph SDL is for the gateway.');
          }
        },
      };
    },
  };
}
