import { describe, expect, test } from 'vitest';
import {
  AddressError,
  AddressInUseError,
  type Connection,
  ConnectionClosedError,
  ConnectionRefusedError,
  ConnectionResetError,
  DialTimeoutError,
  NetError,
} from '../stack/runtime.js';
import { fixed, Simulation, uniform } from './index.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Records what a connection's handler sees, with virtual times. */
function record(conn: Connection, now: () => number) {
  const events: string[] = [];
  const chunks: Uint8Array[] = [];
  let closeErr: NetError | undefined | null = null;
  conn.setHandler({
    onData: (c) => {
      chunks.push(c);
      events.push(`data:${dec(c)}@${now()}`);
    },
    onEnd: () => events.push(`end@${now()}`),
    onClose: (err) => {
      closeErr = err;
      events.push(`close:${err?.name ?? 'ok'}@${now()}`);
    },
  });
  return {
    events,
    chunks,
    text: () => chunks.map(dec).join(''),
    get closeErr() {
      return closeErr;
    },
  };
}

function twoNodes(network = {}) {
  const sim = new Simulation({ seed: 7, network: { latency: fixed(10), ...network } });
  const a = sim.addNode({ name: 'a' });
  const b = sim.addNode({ name: 'b' });
  return { sim, a, b };
}

/** Listen on b:7000 and hand accepted connections to the returned array. */
async function accept(b: ReturnType<typeof twoNodes>['b']) {
  const accepted: Connection[] = [];
  await b.runtime.net.listen(b.addr(7000), (c) => accepted.push(c));
  return accepted;
}

describe('dial and listen', () => {
  test('dial completes after one round trip; addresses are the hosts and ports used', async () => {
    const { sim, a, b } = twoNodes();
    const accepted = await accept(b);
    const conn = await sim.runUntil(a.runtime.net.dial(b.addr(7000)), 1000);
    expect(sim.nowMs).toBe(20);
    expect(conn.remoteAddr).toBe('10.0.0.2:7000');
    expect(accepted).toHaveLength(1);
    expect(accepted[0].localAddr).toBe('10.0.0.2:7000');
    expect(accepted[0].remoteAddr).toBe(conn.localAddr);
    expect(conn.localAddr).toMatch(/^10\.0\.0\.1:\d+$/);
    // Node names work as host names too.
    const byName = await sim.runUntil(a.runtime.net.dial('b:7000'), 1000);
    expect(byName.remoteAddr).toBe('10.0.0.2:7000');
  });

  test('nothing listening: ConnectionRefusedError after one round trip', async () => {
    const { sim, a, b } = twoNodes();
    const err = await sim.runUntil(
      a.runtime.net.dial(b.addr(7999)).catch((e) => e),
      1000,
    );
    expect(err).toBeInstanceOf(ConnectionRefusedError);
    expect(sim.nowMs).toBe(20);
  });

  test('an address no host has: DialTimeoutError at the timeout (default 10 s)', async () => {
    const { sim, a } = twoNodes();
    const err = await sim.runUntil(
      a.runtime.net.dial('10.9.9.9:80').catch((e) => e),
      60_000,
    );
    expect(err).toBeInstanceOf(DialTimeoutError);
    expect(sim.nowMs).toBe(10_000);
    const err2 = await sim.runUntil(
      a.runtime.net.dial('10.9.9.9:80', { timeoutMs: 250 }).catch((e) => e),
      60_000,
    );
    expect(err2).toBeInstanceOf(DialTimeoutError);
    expect(sim.nowMs).toBe(10_250);
  });

  test('listen errors: address taken, not ours, malformed; port 0 picks a free port', async () => {
    const { sim, a, b } = twoNodes();
    const net = a.runtime.net;
    const l = await net.listen(a.addr(7000), () => undefined);
    expect(l.addr).toBe('10.0.0.1:7000');
    await expect(net.listen(a.addr(7000), () => undefined)).rejects.toBeInstanceOf(AddressInUseError);
    await expect(net.listen(b.addr(7001), () => undefined)).rejects.toBeInstanceOf(AddressInUseError);
    await expect(net.listen('nonsense', () => undefined)).rejects.toBeInstanceOf(AddressError);
    await expect(net.dial('b:99999')).rejects.toBeInstanceOf(AddressError);
    await expect(net.dial('no-such-host:80')).rejects.toBeInstanceOf(AddressError);
    const any = await net.listen('0.0.0.0:0', () => undefined);
    expect(any.addr).toMatch(/^10\.0\.0\.1:\d+$/);
    expect(any.addr).not.toBe(l.addr);
    // Closing frees the address; established connections are not affected.
    await l.close();
    await l.close();
    await net.listen(a.addr(7000), () => undefined);
    expect(sim.nowMs).toBe(0);
  });

  test('a closed listener refuses new dials', async () => {
    const { sim, a, b } = twoNodes();
    const l = await b.runtime.net.listen(b.addr(7000), () => undefined);
    await l.close();
    await expect(sim.runUntil(a.runtime.net.dial(b.addr(7000)), 1000)).rejects.toBeInstanceOf(
      ConnectionRefusedError,
    );
  });
});

describe('connections', () => {
  test('bytes arrive in order, one latency later, without a copy (receivers treat chunks as read-only)', async () => {
    const { sim, a, b } = twoNodes();
    const accepted = await accept(b);
    const conn = await sim.runUntil(a.runtime.net.dial(b.addr(7000)), 1000);
    const server = record(accepted[0], () => sim.nowMs);
    const sent = enc('hello');
    expect(conn.write(sent)).toBe(true);
    conn.write(enc(' world'));
    await sim.run();
    expect(server.events).toEqual(['data:hello@30', 'data: world@30']);
    // The contract (stack/runtime.ts) makes chunks read-only for receivers, so the simulator
    // hands over the writer's buffer instead of paying for a copy per segment.
    expect(server.chunks[0]).toBe(sent);
  });

  test('jitter and variable latency never reorder a connection', async () => {
    const { sim, a, b } = twoNodes({ latency: uniform(1, 50), jitterMs: 20 });
    const accepted = await accept(b);
    const conn = await sim.runUntil(a.runtime.net.dial(b.addr(7000)), 1000);
    const server = record(accepted[0], () => sim.nowMs);
    const want: string[] = [];
    for (let i = 0; i < 500; i++) {
      want.push(`${i},`);
      sim.schedule(sim.nowMs + i * 0.1, () => conn.write(enc(`${i},`)));
    }
    await sim.run();
    expect(server.text()).toBe(want.join(''));
  });

  test('data that arrives before setHandler is buffered and delivered later, in order', async () => {
    const { sim, a, b } = twoNodes();
    const accepted = await accept(b);
    const conn = await sim.runUntil(a.runtime.net.dial(b.addr(7000)), 1000);
    conn.write(enc('one'));
    conn.write(enc('two'));
    conn.end();
    await sim.run({ untilMs: 100 });
    const server = record(accepted[0], () => sim.nowMs);
    expect(server.events).toEqual([]); // never from inside setHandler
    await sim.run();
    expect(server.events).toEqual(['data:one@100', 'data:two@100', 'end@100']);
  });

  test('half-close: the peer sees end, can still write back; both ended closes both cleanly', async () => {
    const { sim, a, b } = twoNodes();
    const accepted = await accept(b);
    const conn = await sim.runUntil(a.runtime.net.dial(b.addr(7000)), 1000);
    const client = record(conn, () => sim.nowMs);
    const srv = accepted[0];
    const server = record(srv, () => sim.nowMs);
    conn.write(enc('request'));
    conn.end();
    conn.end(); // idempotent
    expect(() => conn.write(enc('late'))).toThrow(ConnectionClosedError);
    sim.schedule(35, () => {
      srv.write(enc('response'));
      srv.end();
    });
    await sim.run();
    expect(server.events).toEqual(['data:request@30', 'end@30', 'close:ok@35']);
    expect(client.events).toEqual(['data:response@45', 'end@45', 'close:ok@45']);
    expect(conn.closed && srv.closed).toBe(true);
  });

  test('close() flushes, then the peer sees end and close; close(err) resets the peer after what was in flight', async () => {
    const { sim, a, b } = twoNodes();
    const accepted = await accept(b);
    const c1 = await sim.runUntil(a.runtime.net.dial(b.addr(7000)), 1000);
    const c2 = await sim.runUntil(a.runtime.net.dial(b.addr(7000)), 1000);
    const local1 = record(c1, () => sim.nowMs);
    const local2 = record(c2, () => sim.nowMs);
    const peer1 = record(accepted[0], () => sim.nowMs);
    const peer2 = record(accepted[1], () => sim.nowMs);
    c1.write(enc('bye'));
    c1.close();
    expect(c1.closed).toBe(true);
    expect(local1.events).toEqual([]); // onClose comes from a later event
    c2.write(enc('in flight'));
    c2.close(new Error('abort'));
    c2.close();
    await sim.run();
    expect(local1.events).toEqual(['close:ok@40']);
    expect(peer1.events).toEqual(['data:bye@50', 'end@50', 'close:ok@50']);
    expect(local2.events).toEqual(['close:NetError@40']);
    expect(local2.closeErr).toBeInstanceOf(NetError);
    // Bytes already sent arrive before the reset that follows them (TCP sequences the RST after them).
    expect(peer2.events).toEqual(['data:in flight@50', 'close:ConnectionResetError@50']);
    expect(peer2.closeErr).toBeInstanceOf(ConnectionResetError);
    expect(() => c1.end()).toThrow(ConnectionClosedError);
  });

  test('onClose fires exactly once and last, and later writes by the closed side throw', async () => {
    const { sim, a, b } = twoNodes();
    const accepted = await accept(b);
    const conn = await sim.runUntil(a.runtime.net.dial(b.addr(7000)), 1000);
    const client = record(conn, () => sim.nowMs);
    const srv = accepted[0];
    record(srv, () => sim.nowMs);
    srv.write(enc('x'));
    srv.close(new ConnectionResetError('server gives up'));
    await sim.run();
    conn.close();
    conn.end();
    await sim.run();
    expect(client.events.filter((e) => e.startsWith('close'))).toHaveLength(1);
    expect(client.events.at(-1)).toMatch(/^close:ConnectionResetError/);
    expect(() => conn.write(enc('y'))).toThrow(ConnectionClosedError);
  });

  test('pause makes the writer see backpressure; resume delivers in order and drains', async () => {
    const { sim, a, b } = twoNodes({ highWaterBytes: 64 * 1024 });
    const accepted = await accept(b);
    const conn = await sim.runUntil(a.runtime.net.dial(b.addr(7000)), 1000);
    const srv = accepted[0];
    let received = 0;
    srv.setHandler({
      onData: (c) => {
        received += c.length;
      },
    });
    srv.pause();
    let drains = 0;
    conn.setHandler({ onData: () => undefined, onDrain: () => drains++ });
    const chunk = new Uint8Array(8 * 1024);
    let writes = 0;
    while (conn.write(chunk)) writes++;
    expect(writes).toBe(8); // 9th write crosses 64 KiB: still queued, but returns false
    await sim.run({ untilMs: 1000 });
    expect(received).toBe(0);
    expect(drains).toBe(0);
    srv.resume();
    await sim.run();
    expect(received).toBe(9 * 8 * 1024);
    expect(drains).toBe(1);
  });

  test('a handler exception is logged and counted, and delivery continues', async () => {
    const { sim, a, b } = twoNodes();
    const accepted = await accept(b);
    const conn = await sim.runUntil(a.runtime.net.dial(b.addr(7000)), 1000);
    const seen: string[] = [];
    accepted[0].setHandler({
      onData: (c) => {
        seen.push(dec(c));
        if (seen.length === 1) throw new Error('handler bug');
      },
    });
    conn.write(enc('1'));
    conn.write(enc('2'));
    await sim.run();
    expect(seen).toEqual(['1', '2']);
    expect(b.handlerErrors).toBe(1);
    expect(sim.logs().some((r) => r.node === 'b' && r.level === 'error')).toBe(true);
  });

  test('a host can dial itself (loopback)', async () => {
    const { sim, a } = twoNodes();
    const got: string[] = [];
    await a.runtime.net.listen(a.addr(7000), (c) => c.setHandler({ onData: (d) => got.push(dec(d)) }));
    const conn = await sim.runUntil(a.runtime.net.dial('127.0.0.1:7000'), 1000);
    conn.write(enc('me'));
    await sim.run();
    expect(got).toEqual(['me']);
    expect(sim.nowMs).toBeLessThan(1);
  });
});
