import { createServer, type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, request as tlsRequest } from 'node:https';
import type { Socket } from 'node:net';

/**
 * The one address of a service that runs as several copies (as a Kubernetes Service with an
 * HTTP-aware proxy in front is): an HTTP front that sends each request to the next copy in turn,
 * on a connection of its own, so every copy gets its share of the work even from a caller that
 * keeps one connection open. A copy that refuses the connection (stopped, killed, or not ready
 * yet: a service opens its port only once it is ready) is skipped: the request was not sent, so
 * it goes to the next copy. A copy that dies while it answers resets its caller's connection, as
 * a crash behind a proxy does: that request is in doubt, the others are not.
 *
 * With `tls`, the front speaks HTTPS on both sides, as the cluster does: it serves the service's
 * certificate and verifies each copy's against the CA, so a cluster with copies runs over TLS too
 * (a proxy that re-encrypts, as an ingress in front of HTTPS pods does).
 *
 * `steer` may name the copy that takes every request of a path first (a copy armed with a crash
 * point of that internal operation: a fault-injection run reaches the point in that copy as soon as
 * one such request comes, however many copies share the work); when it refuses, the others do.
 */
/** The service's certificate and key (PEM), served by the front, and the CA its copies' certificates chain to. */
export interface FrontTls {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

export interface RoundRobinFront {
  port: number;
  close(): Promise<void>;
}

/** Headers of one connection, not of the request: the front has its own connections on both sides. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'proxy-connection',
]);

const endToEnd = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));

export async function startRoundRobinFront(
  port: number,
  copyPorts: () => number[],
  steer: (path: string) => number | undefined = () => undefined,
  tls?: FrontTls,
): Promise<RoundRobinFront> {
  const sockets = new Set<Socket>();
  let next = 0;
  const handle = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('error', () => outgoing.destroy());
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const turn = next++;
      const inTurn = copyPorts().map((_, i, all) => all[(turn + i) % all.length]);
      const steered = steer(incoming.url ?? '');
      const ports =
        steered !== undefined && inTurn.includes(steered) ? [steered, ...inTurn.filter((p) => p !== steered)] : inTurn;
      const send = (attempt: number) => {
        if (attempt >= ports.length) {
          outgoing.socket?.destroy(); // no copy is there: as a connection refused
          return;
        }
        const headers = {
          ...endToEnd(incoming.headers),
          ...(body.length > 0 ? { 'content-length': String(body.length) } : {}),
        };
        const upstream = (tls ? tlsRequest : request)(
          {
            host: '127.0.0.1',
            port: ports[attempt],
            method: incoming.method,
            path: incoming.url,
            headers,
            agent: false,
            ...(tls ? { ca: tls.ca } : {}),
          },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
            outgoing.flushHeaders(); // a stream (server-sent events) starts at once
            answer.pipe(outgoing);
            answer.on('error', () => outgoing.socket?.destroy());
            answer.on('aborted', () => outgoing.socket?.destroy());
          },
        );
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED' && !outgoing.headersSent) send(attempt + 1);
          else outgoing.socket?.destroy();
        });
        outgoing.on('close', () => upstream.destroy()); // the caller went away: so does the request
        upstream.end(body);
      };
      send(0);
    });
  };
  const server = tls
    ? createTlsServer({ requestTimeout: 0, cert: tls.cert, key: tls.key }, handle)
    : createServer({ requestTimeout: 0 }, handle);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
