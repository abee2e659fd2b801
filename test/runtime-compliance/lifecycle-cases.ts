import { expect } from 'vitest';
import {
  AddressError,
  AddressInUseError,
  type Connection,
  ConnectionClosedError,
  ConnectionRefusedError,
  ConnectionResetError,
  NetError,
  parseAddress,
} from '../../stack/runtime.js';
import {
  concat,
  connectPair,
  firstDifference,
  pattern,
  patternChunks,
  Recorder,
  runtimeCase,
  type Suite,
  within,
} from './helpers.js';

const SETTLE_MS = 200; // time given to late (wrong) events to show up before checking they did not

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** onClose came exactly once, as the last event, and nothing followed it. */
function expectClosedOnce(rec: Recorder): void {
  expect(rec.closes).toBe(1);
  expect(rec.events[rec.events.length - 1]).toBe('close');
  expect(rec.afterClose).toBe(0);
}

/** Connection lifecycle: half-close, close, reset, late handlers, and the network's errors. */
export function lifecycleCases(suite: Suite): void {
  runtimeCase(
    suite,
    'end() half-closes: the peer gets onEnd, can still write back, then both close cleanly',
    async (h) => {
      const { client, server } = await connectPair(h);
      const clientRec = new Recorder(h.a.clock);
      const serverRec = new Recorder(h.b.clock);
      client.setHandler(clientRec);
      server.setHandler(serverRec);
      client.write(text('ping'));
      client.end();
      await serverRec.until('ping and end', (r) => r.ends > 0);
      expect(serverRec.closes).toBe(0);
      expect(server.write(text('pong'))).toBeTypeOf('boolean');
      server.end();
      await clientRec.until('pong, end and close', (r) => r.closes > 0);
      await serverRec.until('close', (r) => r.closes > 0);
      expect(new TextDecoder().decode(serverRec.received())).toBe('ping');
      expect(new TextDecoder().decode(clientRec.received())).toBe('pong');
      expect(clientRec.events).toEqual(['data', 'end', 'close']);
      expect(serverRec.events).toEqual(['data', 'end', 'close']);
      expect(clientRec.closeErr).toBeUndefined();
      expect(serverRec.closeErr).toBeUndefined();
      expect(client.closed && server.closed).toBe(true);
    },
  );

  runtimeCase(
    suite,
    'close() flushes queued bytes, the peer sees them and onEnd, and both close cleanly',
    async (h) => {
      const { client, server } = await connectPair(h);
      const clientRec = new Recorder(h.a.clock);
      const serverRec = new Recorder(h.b.clock);
      client.setHandler(clientRec);
      server.setHandler(serverRec);
      const chunks = patternChunks(new Array(32).fill(16 * 1024));
      for (const chunk of chunks) client.write(chunk);
      client.close();
      expect(client.closed).toBe(true);
      await serverRec.until('all bytes and end', (r) => r.ends > 0 || r.closes > 0);
      expect(firstDifference(serverRec.received(), concat(chunks))).toBeUndefined();
      server.close();
      await serverRec.until('close', (r) => r.closes > 0);
      await clientRec.until('close', (r) => r.closes > 0);
      expect(serverRec.closeErr).toBeUndefined();
      expect(clientRec.closeErr).toBeUndefined();
    },
  );

  runtimeCase(suite, 'close(err) resets: the peer sees onClose(ConnectionResetError)', async (h) => {
    const { client, server } = await connectPair(h);
    const clientRec = new Recorder(h.a.clock);
    const serverRec = new Recorder(h.b.clock);
    client.setHandler(clientRec);
    server.setHandler(serverRec);
    client.write(text('hello'));
    await serverRec.until('hello', (r) => r.bytes > 0);
    client.close(new Error('protocol violation'));
    await serverRec.until('close', (r) => r.closes > 0);
    await clientRec.until('close', (r) => r.closes > 0);
    expect(serverRec.closeErr).toBeInstanceOf(ConnectionResetError);
    expect(serverRec.ends).toBe(0);
    expect(clientRec.closeErr).toBeInstanceOf(NetError);
  });

  runtimeCase(
    suite,
    'onClose fires exactly once and last, however often close() and end() are called',
    async (h) => {
      const { client, server } = await connectPair(h);
      const clientRec = new Recorder(h.a.clock);
      const serverRec = new Recorder(h.b.clock);
      client.setHandler(clientRec);
      server.setHandler(serverRec);
      client.write(text('x'));
      client.end();
      client.end();
      await serverRec.until('end', (r) => r.ends > 0);
      server.close();
      server.close();
      server.close(new Error('late error after close'));
      client.close();
      await serverRec.until('close', (r) => r.closes > 0);
      await clientRec.until('close', (r) => r.closes > 0);
      await h.a.clock.sleep(SETTLE_MS);
      expectClosedOnce(clientRec);
      expectClosedOnce(serverRec);
      expect(serverRec.closeErr).toBeUndefined();
    },
  );

  runtimeCase(suite, 'write() after end() or close() throws ConnectionClosedError', async (h) => {
    const { client, server } = await connectPair(h);
    client.setHandler(new Recorder(h.a.clock));
    server.setHandler(new Recorder(h.b.clock));
    expect(client.closed).toBe(false);
    client.end();
    expect(() => client.write(text('late'))).toThrow(ConnectionClosedError);
    server.close();
    expect(server.closed).toBe(true);
    expect(() => server.write(text('late'))).toThrow(ConnectionClosedError);
  });

  runtimeCase(
    suite,
    'data and end that arrive before setHandler are delivered after it, from a later turn',
    async (h) => {
      const { client, server } = await connectPair(h);
      client.setHandler(new Recorder(h.a.clock));
      const chunks = patternChunks([10, 1000, 20_000, 1]);
      for (const chunk of chunks) client.write(chunk);
      client.end();
      await h.b.clock.sleep(SETTLE_MS);
      const serverRec = new Recorder(h.b.clock);
      server.setHandler(serverRec);
      expect(serverRec.events, 'events delivered re-entrantly from setHandler').toEqual([]);
      await serverRec.until('early data and end', (r) => r.ends > 0);
      expect(firstDifference(serverRec.received(), concat(chunks))).toBeUndefined();
      expect(serverRec.events).toEqual(['data', 'end']);
    },
  );

  runtimeCase(suite, 'a reset that arrives before setHandler is reported after it', async (h) => {
    const { client, server } = await connectPair(h);
    const clientRec = new Recorder(h.a.clock);
    client.setHandler(clientRec);
    client.write(text('doomed'));
    client.close(new Error('abort before the peer looked'));
    await clientRec.until('local close', (r) => r.closes > 0);
    await h.b.clock.sleep(SETTLE_MS);
    const serverRec = new Recorder(h.b.clock);
    server.setHandler(serverRec);
    expect(serverRec.events, 'events delivered re-entrantly from setHandler').toEqual([]);
    await serverRec.until('close', (r) => r.closes > 0);
    expect(serverRec.closeErr).toBeInstanceOf(ConnectionResetError);
    expectClosedOnce(serverRec);
  });

  runtimeCase(
    suite,
    'close(err) before any handler: onClose comes after setHandler, from a later turn',
    async (h) => {
      const { client, server } = await connectPair(h);
      client.setHandler(new Recorder(h.a.clock));
      server.close(new Error('refused by policy'));
      await h.b.clock.sleep(SETTLE_MS);
      const serverRec = new Recorder(h.b.clock);
      server.setHandler(serverRec);
      expect(serverRec.events, 'events delivered re-entrantly from setHandler').toEqual([]);
      await serverRec.until('close', (r) => r.closes > 0);
      expect(serverRec.closeErr).toBeInstanceOf(NetError);
      expectClosedOnce(serverRec);
    },
  );

  runtimeCase(suite, 'ends report matching addresses', async (h) => {
    const { listener, client, server } = await connectPair(h);
    expect(client.remoteAddr).toBe(listener.addr);
    expect(server.localAddr).toBe(listener.addr);
    expect(server.remoteAddr).toBe(client.localAddr);
    expect(() => parseAddress(client.localAddr)).not.toThrow();
  });

  runtimeCase(suite, 'dialing where nothing listens rejects with ConnectionRefusedError', async (h) => {
    await expect(h.a.net.dial(h.unusedAddrB)).rejects.toBeInstanceOf(ConnectionRefusedError);
  });

  runtimeCase(suite, 'listening twice on one address rejects with AddressInUseError', async (h) => {
    const first = await h.a.net.listen(h.listenAddrA, () => {});
    await expect(h.a.net.listen(h.listenAddrA, () => {})).rejects.toBeInstanceOf(AddressInUseError);
    await first.close();
    await first.close();
    const again = await h.a.net.listen(h.listenAddrA, () => {});
    await again.close();
  });

  runtimeCase(suite, 'malformed addresses reject with AddressError', async (h) => {
    for (const bad of [
      'nonsense',
      '127.0.0.1',
      '127.0.0.1:99999',
      '127.0.0.1:-1',
      ':80',
      '[::1',
      '[::1]80',
      'a:b:c',
    ]) {
      await expect(
        h.a.net.listen(bad, () => {}),
        `listen("${bad}")`,
      ).rejects.toBeInstanceOf(AddressError);
      await expect(h.a.net.dial(bad), `dial("${bad}")`).rejects.toBeInstanceOf(AddressError);
    }
  });

  runtimeCase(suite, 'listening on port 0 picks a free port that Listener.addr reports', async (h) => {
    const { host } = parseAddress(h.listenAddrA);
    const accepted: Connection[] = [];
    const listener = await h.a.net.listen(host.includes(':') ? `[${host}]:0` : `${host}:0`, (c) =>
      accepted.push(c),
    );
    expect(parseAddress(listener.addr).port).toBeGreaterThan(0);
    const conn = await h.b.net.dial(listener.addr);
    const rec = new Recorder(h.b.clock);
    conn.setHandler(rec);
    conn.close();
    await rec.until('close', (r) => r.closes > 0);
  });

  runtimeCase(
    suite,
    'closing a listener refuses new dials and leaves established connections working',
    async (h) => {
      const { listener, client, server } = await connectPair(h);
      const clientRec = new Recorder(h.a.clock);
      const serverRec = new Recorder(h.b.clock);
      client.setHandler(clientRec);
      server.setHandler(serverRec);
      await listener.close();
      await expect(h.a.net.dial(listener.addr)).rejects.toBeInstanceOf(ConnectionRefusedError);
      client.write(pattern(0, 1000));
      server.write(pattern(0, 2000));
      await within(
        h.a.clock,
        'both directions after listener close',
        Promise.all([
          serverRec.until('1000 bytes', (r) => r.bytes >= 1000),
          clientRec.until('2000 bytes', (r) => r.bytes >= 2000),
        ]),
      );
      client.close();
      server.close();
    },
  );
}
