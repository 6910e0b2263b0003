import type { Client, ClientConfig } from 'pg';
import { BoundedClient } from './bounded-client';

/**
 * A service sends the same few statement texts over and over. This pg client names each distinct
 * parameterised text, so PostgreSQL parses and plans it once per connection and afterwards only
 * binds and executes it (node-pg keeps the statements each connection has prepared). Texts are
 * named in the order first seen, the same name for the same text in every connection; past
 * MAX_NAMED_TEXTS distinct texts (a bug building SQL from values would look like that) the rest
 * go unnamed, so a connection never prepares without bound.
 */
const MAX_NAMED_TEXTS = 2000;
const names = new Map<string, string>();

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED_TEXTS) {
    name = `p${names.size + 1}`;
    names.set(text, name);
  }
  return name;
}

type QueryFunction = (config: unknown, values?: unknown, callback?: unknown) => unknown;

export class PreparingClient extends BoundedClient {
  constructor(config?: string | ClientConfig) {
    super(config);
    const query = (this.query as QueryFunction).bind(this);
    const preparing: QueryFunction = (text, values, callback) => {
      if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && callback === undefined) {
        const name = nameOf(text);
        if (name) return query({ name, text, values });
      }
      return query(text, values, callback);
    };
    this.query = preparing as Client['query'];
  }
}
