import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';

/** PostgreSQL text cannot hold a NUL character; a request carrying one is refused before it runs. */
function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => containsNul(k) || containsNul(v));
  return false;
}

/** Refuses a document or variables that carry a NUL character (HTTP 400). */
export function refuseNul(query: string | undefined, variables: unknown): void {
  if (containsNul(variables) || /\\u0000|\u0000/.test(query ?? '')) {
    throw new GraphQLError('Text may not contain the NUL character.', {
      extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
    });
  }
}

export function refuseNulPlugin<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request }) {
          refuseNul(request.query, request.variables);
        },
      };
    },
  };
}
