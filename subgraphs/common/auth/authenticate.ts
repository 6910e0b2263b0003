import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import { type Caller, Role } from './caller';
import { bearerToken, InvalidToken, verifyToken } from './tokens';

/** What a service knows about its caller: nobody (anonymous) or a verified caller. */
export interface CallerContext extends BaseContext {
  caller?: Caller;
}

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}

/** The caller of a request; an invalid or expired token is refused outright (401). */
export async function callerOfRequest(secret: string, authorization: string | undefined): Promise<Caller | undefined> {
  const token = bearerToken(authorization);
  if (!token) return undefined;
  try {
    return await verifyToken(secret, token);
  } catch (error) {
    throw unauthenticated(`Sign in again: ${error instanceof InvalidToken ? error.message : 'the token is not valid'}.`);
  }
}

/** Operations that only ask for the subgraph's SDL (the gateway's drift check) need no caller. */
function onlyAsksForSdl(operation: OperationDefinitionNode | undefined): boolean {
  return !!operation && operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && (s.name.value === '_service' || s.name.value === '__typename'));
}

/**
 * Every operation needs a verified caller, and the SERVICE role opens the internal routes only,
 * never the graph. Checked once per operation, before any resolver runs.
 */
export function requireCallerPlugin<Context extends CallerContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (onlyAsksForSdl(operation)) return;
          if (!contextValue.caller) throw unauthenticated('Sign in: this graph needs a bearer token.');
          if (contextValue.caller.role === Role.SERVICE) throw forbidden('A service credential opens the internal operations only.');
        },
      };
    },
  };
}
