import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AddressInUseError,
  type Connection,
  ConnectionClosedError,
  ConnectionRefusedError,
  ConnectionResetError,
  DialTimeoutError,
  NetError,
} from '../stack/runtime.js';
import { Recorder } from '../test/runtime-compliance/helpers.js';
import { mapNetError } from './errors.js';
import { createLiveRuntime, type LiveRuntime } from './index.js';
import { LiveLogger } from './logger.js';
import { reserveFreePorts } from './testing.js';

/** Live-only behaviour the shared compliance suite cannot reach (timeouts, OS errors, logging). */

const runtimes: LiveRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((rt) => rt.shutdown()));
});

function runtime(opts: Parameters<typeof createLiveRuntime>[0] = {}): { rt: LiveRuntime; lines: string[] } {
  const lines: string[] = [];
  const logger = new LiveLogger({ format: 'json', level: 'debug', write: (line) => lines.push(line) });
  const rt = createLiveRuntime({ logger, ...opts });
  runtimes.push(rt);
  return { rt, lines };
}

async function addr(): Promise<string> {
  const [port] = await reserveFreePorts('127.0.0.1', 1);
  return `127.0.0.1:${port}`;
}

describe('live network', () => {
  it('maps OS error codes to the contract classes', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(mapNetError(err('ECONNREFUSED'))).toBeInstanceOf(ConnectionRefusedError);
    expect(mapNetError(err('ECONNRESET'))).toBeInstanceOf(ConnectionResetError);
    expect(mapNetError(err('EPIPE'))).toBeInstanceOf(ConnectionResetError);
    expect(mapNetError(err('EADDRINUSE'))).toBeInstanceOf(AddressInUseError);
    expect(mapNetError(err('EADDRNOTAVAIL'))).toBeInstanceOf(AddressInUseError);
    const other = mapNetError(err('EMFILE'));
    expect(other).toBeInstanceOf(NetError);
    expect(other.name).toBe('NetError');
    expect(other.cause).toBeInstanceOf(Error);
  });

  it('dial rejects with DialTimeoutError when no answer comes, and abandons the socket', async () => {
    let opened: net.Socket | undefined;
    const { rt } = runtime({
      // A socket that is never connected never answers: the shape of a dropped SYN.
      connect: () => {
        opened = new net.Socket();
        return opened;
      },
    });
    await expect(rt.net.dial('192.0.2.1:7000', { timeoutMs: 20 })).rejects.toBeInstanceOf(DialTimeoutError);
    expect(opened?.destroyed).toBe(true);
  });

  it('listen on an address this host does not have rejects with AddressInUseError', async () => {
    const { rt } = runtime();
    await expect(rt.net.listen('192.0.2.1:7000', () => {})).rejects.toBeInstanceOf(AddressInUseError);
  });

  it('a throwing timer callback is logged to the runtime logger', async () => {
    const { rt, lines } = runtime();
    rt.clock.setTimer(0, () => {
      throw new Error('deliberate');
    });
    await rt.clock.sleep(5);
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'timer callback threw',
        err: expect.objectContaining({ message: 'deliberate' }),
      }),
    );
  });

  it('writev() sends the concatenation of its chunks, in order, and refuses after end()', async () => {
    const { rt: a } = runtime();
    const { rt: b } = runtime();
    const listenAddr = await addr();
    const rec = new Recorder(b.clock);
    await b.net.listen(listenAddr, (conn) => conn.setHandler(rec));
    const client = await a.net.dial(listenAddr);
    client.setHandler(new Recorder(a.clock));
    const big = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
    client.write(Uint8Array.of(1));
    client.writev!([Uint8Array.of(2, 3), big, new Uint8Array(0), Uint8Array.of(4)]);
    client.end();
    await rec.until('end', (r) => r.ends > 0);
    expect(rec.received()).toEqual(Uint8Array.from([1, 2, 3, ...big, 4]));
    expect(() => client.writev!([Uint8Array.of(5)])).toThrow(ConnectionClosedError);
  });

  it('a throwing handler is logged and resets the connection', async () => {
    const { rt: a } = runtime();
    const { rt: b, lines } = runtime();
    const listenAddr = await addr();
    await b.net.listen(listenAddr, (conn) =>
      conn.setHandler({
        onData() {
          throw new Error('handler bug');
        },
      }),
    );
    const client = await a.net.dial(listenAddr);
    const rec = new Recorder(a.clock);
    client.setHandler(rec);
    client.write(new Uint8Array([1]));
    await rec.until('reset', (r) => r.closes > 0);
    expect(rec.closeErr).toBeInstanceOf(ConnectionResetError);
    expect(lines.some((l) => JSON.parse(l).msg === 'connection handler threw')).toBe(true);
  });

  it('after close(), a peer that keeps writing is reset once the linger time passes', async () => {
    const { rt: a } = runtime({ lingerMs: 20 });
    const { rt: b } = runtime();
    const listenAddr = await addr();
    let server: Connection | undefined;
    await b.net.listen(listenAddr, (conn) => {
      server = conn;
    });
    const client = await a.net.dial(listenAddr);
    const clientRec = new Recorder(a.clock);
    client.setHandler(clientRec);
    client.close();
    await clientRec.until('local close', (r) => r.closes > 0);
    expect(clientRec.closeErr).toBeUndefined();
    await a.clock.sleep(50);
    const serverRec = new Recorder(b.clock);
    server!.setHandler(serverRec);
    await serverRec.until('end', (r) => r.ends > 0);
    // The closed side no longer reads: writes into it come back as a reset.
    while (serverRec.closes === 0) {
      server!.write(new Uint8Array(1024));
      await b.clock.sleep(5);
    }
    expect(serverRec.closeErr).toBeInstanceOf(ConnectionResetError);
  });

  it('shutdown() closes listeners and connections and cancels timers', async () => {
    const { rt: a } = runtime();
    const { rt: b } = runtime();
    const listenAddr = await addr();
    await b.net.listen(listenAddr, (conn) => conn.setHandler(new Recorder(b.clock)));
    const client = await a.net.dial(listenAddr);
    const rec = new Recorder(a.clock);
    client.setHandler(rec);
    let fired = false;
    b.clock.setTimer(10, () => {
      fired = true;
    });
    await b.shutdown();
    await rec.until('close after peer shutdown', (r) => r.closes > 0);
    await a.clock.sleep(30);
    expect(fired).toBe(false);
    await expect(a.net.dial(listenAddr)).rejects.toBeInstanceOf(ConnectionRefusedError);
  });

  it('a handler that borrows chunks gets views of one reused read buffer; a later one gets its own copies', async () => {
    const { rt: a } = runtime();
    const { rt: b } = runtime();
    let server: Connection | undefined;
    const listener = await b.net.listen(await addr(), (conn) => {
      server = conn;
    });
    const client = await a.net.dial(listener.addr);
    const clientRec = new Recorder(a.clock);
    client.setHandler(clientRec);
    await clientRec.until('accepted', () => server !== undefined);
    const buffers = new Set<ArrayBufferLike>();
    const borrowing = Object.assign(new Recorder(b.clock), {
      borrowsChunks: true,
      onData(this: Recorder, chunk: Uint8Array) {
        buffers.add(chunk.buffer);
        Recorder.prototype.onData.call(this, chunk.slice());
      },
    });
    server!.setHandler(borrowing);
    const chunk = new Uint8Array(64 * 1024).fill(7);
    for (let i = 0; i < 32; i++) client.write(chunk);
    await borrowing.until('2 MiB', (r) => r.bytes === 32 * chunk.length);
    // Accepted sockets too (Node 20 has no onread option for them): every read in one buffer.
    expect(buffers.size).toBe(1);
    const shared = [...buffers][0];
    const owned = new Recorder(b.clock);
    server!.setHandler(owned);
    client.write(chunk);
    await owned.until('one more chunk', (r) => r.bytes === chunk.length);
    for (const c of owned.chunks) expect(c.buffer).not.toBe(shared);
    expect(owned.received().every((v) => v === 7)).toBe(true);
  });
});
