import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { FaultProxy } from '../cluster/fault-proxy';

/** A server that answers every line it receives with "echo: <line>", and remembers what it got. */
function echoServer(): { server: Server; received: string[] } {
  const received: string[] = [];
  const server = createServer((socket) => {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      received.push(text);
      socket.write(`echo: ${text}`);
    });
    socket.on('error', () => undefined);
  });
  return { server, received };
}

async function connectTo(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setEncoding('utf8');
  socket.on('error', () => undefined); // a reset link resets it: the test reads that through nextData
  await once(socket, 'connect');
  return socket;
}

/** The next data on the socket, or 'silence' when none came within `ms`, or the error that ended it. */
function nextData(socket: Socket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const done = (value: string) => {
      clearTimeout(timer);
      socket.off('data', onData).off('error', onError).off('close', onClose);
      resolve(value);
    };
    const onData = (text: string) => done(text);
    const onError = (error: NodeJS.ErrnoException) => done(error.code ?? error.message);
    const onClose = () => done('closed');
    const timer = setTimeout(() => done('silence'), ms);
    socket.on('data', onData).on('error', onError).on('close', onClose);
  });
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('FaultProxy: one link between two deployments, broken and healed at run time', () => {
  const { server, received } = echoServer();
  let proxy: FaultProxy;
  const sockets: Socket[] = [];
  const open = async () => {
    const socket = await connectTo(proxy.port);
    sockets.push(socket);
    return socket;
  };

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new FaultProxy('test->echo', { host: '127.0.0.1', port: (server.address() as { port: number }).port });
    await proxy.listen();
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await proxy.close();
    await new Promise((resolve) => server.close(resolve));
  });

  test('an open link forwards both ways', async () => {
    const socket = await open();
    socket.write('hello');
    assert.equal(await nextData(socket, 5000), 'echo: hello');
  });

  test('delay adds its round trip to each exchange (and one more to open a connection)', async () => {
    proxy.delay(200);
    try {
      const started = Date.now();
      const socket = await open();
      socket.write('slow');
      assert.equal(await nextData(socket, 10_000), 'echo: slow');
      assert.ok(
        Date.now() - started >= 2 * 200 - 5,
        `answered after ${Date.now() - started} ms, expected at least two round trips`,
      );
      const again = Date.now();
      socket.write('again');
      assert.equal(await nextData(socket, 10_000), 'echo: again');
      assert.ok(
        Date.now() - again >= 200 - 5,
        `answered after ${Date.now() - again} ms, expected at least one round trip`,
      );
    } finally {
      proxy.delay(0);
    }
  });

  test('a delayed link delivers no byte before its time, and keeps their order under jitter', async () => {
    // A server that notes when each byte arrived (this process's clock, as the sender's).
    const arrivals: { at: number; text: string }[] = [];
    const timed = createServer((socket) => {
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => arrivals.push({ at: performance.now(), text }));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => timed.listen(0, '127.0.0.1', resolve));
    const slow = new FaultProxy('test->timed', { host: '127.0.0.1', port: (timed.address() as { port: number }).port });
    await slow.listen();
    slow.delay(60, { jitterMs: 40 });
    const socket = await connectTo(slow.port);
    try {
      const sent: { at: number; text: string }[] = [];
      for (let i = 0; i < 40; i++) {
        const text = `<${i}>`;
        sent.push({ at: performance.now(), text });
        socket.write(text);
        if (i % 8 === 7) await new Promise((resolve) => setImmediate(resolve)); // some chunks alone, some together
      }
      const expected = sent.map((s) => s.text).join('');
      await until(() => arrivals.map((a) => a.text).join('').length >= expected.length, 30_000);
      assert.equal(arrivals.map((a) => a.text).join(''), expected, 'every byte, in the order sent');
      // Each byte arrives at least half the round trip after it was written (the one-way delay).
      let received = '';
      for (const arrival of arrivals) {
        for (const { at, text } of sent.filter((s) => {
          const start = expected.indexOf(s.text);
          return start >= received.length && start < received.length + arrival.text.length;
        })) {
          assert.ok(
            arrival.at - at >= 30,
            `${text} arrived ${(arrival.at - at).toFixed(2)} ms after it was written, before its 30 ms`,
          );
        }
        received += arrival.text;
      }
    } finally {
      socket.destroy();
      await slow.close();
      await new Promise((resolve) => timed.close(resolve));
    }
  });

  test('a large message crosses a delayed link whole, however TCP splits it', async () => {
    proxy.delay(20, { jitterMs: 10 });
    try {
      const socket = await open();
      const message = Array.from({ length: 20_000 }, (_, i) => `${i};`).join('');
      let echoed = '';
      socket.on('data', (text: string) => {
        echoed += text;
      });
      socket.write(message);
      await until(() => echoed.length >= `echo: ${message}`.length, 30_000);
      assert.equal(echoed.replaceAll('echo: ', ''), message);
    } finally {
      proxy.delay(0);
    }
  });

  test('a black hole accepts connections and answers nothing, open ones go silent, and healing delivers what was held', async () => {
    const existing = await open();
    proxy.blackhole();
    try {
      existing.write('into the hole');
      const fresh = await open(); // accepted, as a silent peer's would be
      fresh.write('knock');
      assert.equal(await nextData(existing, 300), 'silence');
      assert.equal(await nextData(fresh, 1), 'silence');
      assert.ok(!received.includes('into the hole') && !received.includes('knock'), 'nothing reached the server');
      const answers = [nextData(existing, 10_000), nextData(fresh, 10_000)];
      proxy.heal();
      assert.deepEqual(await Promise.all(answers), ['echo: into the hole', 'echo: knock']);
    } finally {
      proxy.heal();
    }
  });

  test('a reset link resets open connections and refuses new ones', async () => {
    const existing = await open();
    existing.write('before');
    assert.equal(await nextData(existing, 5000), 'echo: before');
    const ended = nextData(existing, 5000);
    proxy.reset();
    try {
      assert.match(await ended, /ECONNRESET|closed/);
      const fresh = connect({ host: '127.0.0.1', port: proxy.port });
      fresh.on('error', () => undefined);
      sockets.push(fresh);
      assert.match(await nextData(fresh, 5000), /ECONNRESET|closed/);
    } finally {
      proxy.heal();
    }
    const healed = await open();
    healed.write('after');
    assert.equal(await nextData(healed, 5000), 'echo: after');
  });

  test('a one-way cut lets requests arrive and holds their answers until it heals', async () => {
    const socket = await open();
    proxy.cut('one-way');
    try {
      socket.write('one way');
      await until(() => received.includes('one way')); // the server acted on it…
      assert.equal(await nextData(socket, 300), 'silence'); // …and its answer is lost for now
      const answer = nextData(socket, 10_000);
      proxy.heal();
      assert.equal(await answer, 'echo: one way');
    } finally {
      proxy.heal();
    }
  });

  test('cutting the requests instead keeps the server from hearing anything', async () => {
    const socket = await open();
    proxy.cut('one-way', 'requests');
    try {
      socket.write('unheard');
      assert.equal(await nextData(socket, 300), 'silence');
      assert.ok(!received.includes('unheard'));
    } finally {
      proxy.heal();
    }
    assert.equal(await nextData(socket, 10_000), 'echo: unheard');
  });
});
