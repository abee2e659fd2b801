/**
 * Streams that name an application protocol in their OPEN (conformance/spec/veil-mux.md §1, §3):
 * the wire form, accept() acknowledging to the opener, refuse() answering RST REFUSED, and an
 * empty OPEN staying exactly what the DHT always sent.
 */
import { describe, expect, it } from 'vitest';
import {
  Mux,
  MuxProtocolIdError,
  type MuxStream,
  MuxUsageError,
  ResetCode,
  StreamResetError,
} from './mux.js';
import { decodeMessage, encodeProtocolId } from './mux-codec.js';
import { INITIAL_WINDOW, MuxFrameType } from './mux-constants.js';
import { bytes, MuxPair, StreamRecorder } from './mux-pair.test-util.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('mux streams with a protocol id', () => {
  it('the OPEN carries the protocol id; the acceptor sees it, accepts, and the opener learns it', async () => {
    const p = new MuxPair();
    const inbound: MuxStream[] = [];
    p.b.onStream = (s) => inbound.push(s);
    const s = p.a.openStream('/valhalla/saga/1');
    const accepted = s.whenAccepted();
    s.write(bytes('hi'));
    await p.pump(() => p.ab.queue.length > 0);
    const frames = decodeMessage(p.ab.queue[0]);
    expect(frames[0]).toMatchObject({ type: MuxFrameType.OPEN, streamId: 1 });
    expect(Buffer.from(frames[0].body).toString()).toBe('/valhalla/saga/1');
    await p.pump(() => inbound.length > 0);
    expect(inbound[0].protocol).toBe('/valhalla/saga/1');
    expect(s.accepted).toBe(false);
    const rec = new StreamRecorder(inbound[0]);
    inbound[0].accept();
    await p.pump();
    await accepted;
    expect(s.accepted).toBe(true);
    expect(rec.text()).toBe('hi');
    // The acknowledgement is a WINDOW_UPDATE of at least 1 byte (the window here is the initial one).
    expect(s.sendWindow).toBe(INITIAL_WINDOW + 1); // the 2 bytes read are credited with it
    expect(p.errors).toEqual([]);
  });

  it('refuse() answers RST REFUSED: whenAccepted rejects with StreamResetError(REFUSED, remote)', async () => {
    const p = new MuxPair();
    p.b.onStream = (s) => s.refuse();
    const s = p.a.openStream('/nobody/handles/this');
    const rec = new StreamRecorder(s);
    const accepted = s.whenAccepted().then(
      () => undefined,
      (err: unknown) => err,
    );
    s.write(bytes('lost'));
    await p.pump();
    const err = (await accepted) as StreamResetError;
    expect(err).toBeInstanceOf(StreamResetError);
    expect(err.code).toBe(ResetCode.REFUSED);
    expect(err.remote).toBe(true);
    expect(rec.closeErr).toBeInstanceOf(StreamResetError);
    expect(p.a.streamCount).toBe(0);
    expect(p.b.streamCount).toBe(0);
    expect(p.b.stats.streamsAccepted).toBe(1);
    // Only the RST went back: no acknowledgement before it.
    expect(p.ba.delivered).toBe(1);
    expect(p.errors).toEqual([]);
  });

  it('an empty OPEN is the DHT: taken at once, no acknowledgement, same bytes as before', async () => {
    const p = new MuxPair();
    const inbound: MuxStream[] = [];
    p.b.onStream = (s) => inbound.push(s);
    p.a.openStream();
    await p.pump(() => p.ab.queue.length > 0);
    expect(hex(p.ab.queue[0])).toBe('01000000010000');
    await p.pump();
    expect(inbound[0].protocol).toBe('');
    expect(inbound[0].accepted).toBe(true);
    expect(p.ba.delivered).toBe(0);
  });

  it('whenAccepted rejects when the whole mux closes first', async () => {
    const p = new MuxPair();
    p.b.onStream = () => {};
    const s = p.a.openStream('/slow/1');
    const accepted = s.whenAccepted().catch((err: unknown) => err);
    await p.pump();
    p.a.close(new Error('session gone'));
    expect(await accepted).toBeInstanceOf(Error);
  });

  it('a long protocol id waits for a message with room, never splits or overflows one', async () => {
    const p = new MuxPair({ a: { maxMessageBytes: 128 } });
    const inbound: MuxStream[] = [];
    p.b.onStream = (s) => {
      inbound.push(s);
      s.accept();
    };
    const long = `/${'x'.repeat(110)}`;
    const first = p.a.openStream('/a');
    first.write(new Uint8Array(100));
    const second = p.a.openStream(long);
    second.write(bytes('z'));
    await p.pump();
    expect(inbound.map((s) => s.protocol)).toEqual(['/a', long]);
    expect(Math.max(...p.ab.sizes)).toBeLessThanOrEqual(128);
    expect(p.errors).toEqual([]);
  });

  it("bad protocol ids are the caller's mistake (MuxUsageError); bad bytes from a peer a violation", () => {
    const m = new Mux({ send: () => true });
    for (const bad of ['with space', 'caf\u00e9', 'tab\t', 'x'.repeat(256)]) {
      expect(() => m.openStream(bad), bad).toThrow(MuxUsageError);
    }
    expect(() => new Mux({ send: () => true }, { maxMessageBytes: 64 }).openStream('x'.repeat(58))).toThrow(
      MuxUsageError,
    );
    expect(encodeProtocolId('!~')).toEqual(Uint8Array.of(0x21, 0x7e));
    const listener = new Mux({ send: () => true }, { initiator: false });
    listener.onStream = () => {};
    const open = Uint8Array.of(1, 0, 0, 0, 1, 0, 2, 0x2f, 0x80);
    expect(() => listener.receive(open)).toThrow(MuxProtocolIdError);
    expect(listener.closed).toBe(true);
  });
});
