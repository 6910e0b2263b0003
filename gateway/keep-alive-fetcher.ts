import type { Fetcher, FetcherHeaders, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request } from 'undici';

/**
 * The gateway's HTTP client for subgraph fetches: undici over kept-alive connections, as many per
 * subgraph as there are concurrent fetches. It replaces RemoteGraphQLDataSource's default
 * (make-fetch-happen), whose request objects, agent lookup and stack-trace probing per request
 * were about a fifth of the gateway's CPU, and then Node's own http client, whose per-request
 * objects and socket writes undici avoids (`npm run bench` figures in the README).
 * Responses are small JSON documents, read whole before the promise resolves.
 */
/** A response larger than this is a broken subgraph, not an answer. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const dispatcher = new Agent({ keepAliveTimeout: 30_000, maxResponseSize: MAX_RESPONSE_BYTES });

class ResponseHeaders implements FetcherHeaders {
  private readonly map = new Map<string, string>();

  constructor(raw: IncomingHttpHeaders) {
    for (const [name, value] of Object.entries(raw)) {
      if (value !== undefined) this.map.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const known = this.map.get(key);
    this.map.set(key, known === undefined ? value : `${known}, ${value}`);
  }
  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

class BufferedResponse implements FetcherResponse {
  bodyUsed = false;
  readonly redirected = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: FetcherHeaders,
    private readonly body: Buffer,
  ) {}

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  private use(): Buffer {
    if (this.bodyUsed) throw new TypeError(`body of the response from ${this.url} already read`);
    this.bodyUsed = true;
    return this.body;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const body = this.use();
    return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  }
  async text(): Promise<string> {
    return this.use().toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  clone(): FetcherResponse {
    if (this.bodyUsed) throw new TypeError('cannot clone a response whose body was read');
    return new BufferedResponse(this.url, this.status, this.statusText, this.headers, this.body);
  }
}

function failed(url: string, error: Error): Error {
  return Object.assign(new Error(`request to ${url} failed, reason: ${error.message}`), { cause: error });
}

export const keepAliveFetcher: Fetcher = async (url: string, init: FetcherRequestInit = {}) => {
  try {
    const response = await request(url, {
      method: (init.method ?? 'GET') as 'GET' | 'POST',
      headers: init.headers,
      body: init.body,
      dispatcher,
      signal: init.signal as AbortSignal | undefined,
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    return new BufferedResponse(url, response.statusCode, '', new ResponseHeaders(response.headers), body);
  } catch (error) {
    throw failed(url, error as Error);
  }
};
