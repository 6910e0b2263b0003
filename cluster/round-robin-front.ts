import { connect, createServer, type Socket } from 'node:net';

/**
 * The one address of a service that runs as several copies (as a Kubernetes Service is): a TCP
 * front that hands each new connection to the next copy in turn, skipping a copy that refuses it
 * (stopped, killed, or not ready yet: a service opens its port only once it is ready). A copy that
 * dies takes its connections with it: their callers see them reset, as they would in production.
 */
export interface RoundRobinFront {
  port: number;
  close(): Promise<void>;
}

export async function startRoundRobinFront(port: number, copyPorts: () => number[]): Promise<RoundRobinFront> {
  const sockets = new Set<Socket>();
  let next = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer({ pauseOnConnect: true }, (caller) => {
    track(caller);
    caller.on('error', () => caller.destroy());
    const ports = copyPorts();
    const first = next++;
    const tryCopy = (attempt: number) => {
      if (attempt >= ports.length || caller.destroyed) {
        caller.destroy();
        return;
      }
      const copy = connect(ports[(first + attempt) % ports.length], '127.0.0.1');
      track(copy);
      copy.once('error', () => {
        copy.destroy();
        tryCopy(attempt + 1);
      });
      copy.once('connect', () => {
        copy.removeAllListeners('error');
        copy.on('error', () => copy.destroy());
        copy.once('close', () => caller.destroy());
        caller.once('close', () => copy.destroy());
        caller.pipe(copy);
        copy.pipe(caller);
        caller.resume();
      });
    };
    tryCopy(0);
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
