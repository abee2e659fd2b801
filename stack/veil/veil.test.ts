import { describe, expect, test } from 'vitest';
import { encodeClose, encodeFrame } from '../bifrost/codec.js';
import { CloseReason, FrameType } from '../bifrost/constants.js';
import { BadMagicError, RemoteCloseError, UnexpectedCloseError } from '../bifrost/errors.js';
import { nobleCrypto, nodeCrypto } from '../crypto/index.js';
import { Identity } from '../identity/identity.js';
import {
  DecryptError,
  HandshakeAbortedError,
  HandshakeTimeoutError,
  PeerIdMismatchError,
  TooManyHandshakesError,
  VeilProtocolError,
  VeilStateError,
} from './errors.js';
import { memoryPair, settle } from './memory-runtime.test-util.js';
import { Veil } from './veil.js';
import { closed, collect, connect, LISTEN_B, rejection, twoNodes } from './veil-test-helpers.test-util.js';

describe.each([nodeCrypto, nobleCrypto])('Veil handshake on $name', (crypto) => {
  test('dial and listen: each side ends with the other authenticated NodeID', async () => {
    const p = await twoNodes({ crypto, initB: { announceAddrs: ['b:7000'] } });
    const [sA, sB] = await connect(p);
    expect(sA.remoteNodeId.equals(p.idB.nodeId)).toBe(true);
    expect(sB.remoteNodeId.equals(p.idA.nodeId)).toBe(true);
    expect(sA.remoteIdentityKey).toEqual(p.idB.publicKey);
    expect(sA.remoteStaticKey).toEqual(p.b.staticPublicKey);
    expect(sB.remoteStaticKey).toEqual(p.a.staticPublicKey);
    expect(sA.handshakeHash).toEqual(sB.handshakeHash);
    expect(sA.remoteListenAddrs).toEqual(['b:7000']);
    expect([sA.initiator, sB.initiator]).toEqual([true, false]);
    expect(p.rtA.metrics.get('veil.handshakes')).toBe(1);
    expect(p.rtB.metrics.get('veil.handshakes')).toBe(1);
  });
});

describe('Veil handshake', () => {
  test('secure() runs the handshake over connections the caller already has, in both roles', async () => {
    const p = await twoNodes();
    const [c1, c2] = memoryPair(p.net);
    const [sB, sA] = await Promise.all([p.b.secure(c2, 'responder'), p.a.secure(c1, 'initiator')]);
    expect(sA.remoteNodeId.equals(p.idB.nodeId)).toBe(true);
    expect(sB.remoteNodeId.equals(p.idA.nodeId)).toBe(true);
  });

  test('an expected NodeID that matches is accepted', async () => {
    const p = await twoNodes();
    const sA = await p.a.dial(LISTEN_B, { expectedNodeId: p.idB.nodeId });
    expect(sA.remoteNodeId.equals(p.idB.nodeId)).toBe(true);
  });

  test('an expected NodeID that does not match: PeerIdMismatchError, connection closed, no message 3', async () => {
    const p = await twoNodes();
    const someoneElse = new Identity(new Uint8Array(32).fill(9)).nodeId;
    const err = await rejection(p.a.dial(LISTEN_B, { expectedNodeId: someoneElse }));
    expect(err).toBeInstanceOf(PeerIdMismatchError);
    const [dialerConn, listenerConn] = p.net.connections;
    expect(dialerConn.closed && listenerConn.closed).toBe(true);
    expect(dialerConn.sent.length).toBe(2); // message 1 and the CLOSE, never message 3
    expect(dialerConn.sent[1]).toEqual(encodeClose(CloseReason.HANDSHAKE_FAILED));
    expect(p.accepted).toEqual([]);
    expect(p.rtB.metrics.get('veil.handshake_failures')).toBe(1);
  });

  test('a peer that never answers: HandshakeTimeoutError after handshakeTimeoutMs, connection closed', async () => {
    const p = await twoNodes({ initA: { handshakeTimeoutMs: 5_000 } });
    await p.rtB.net.listen('b:9', (conn) => conn.setHandler({ onData() {} })); // accepts, never speaks
    const dialing = p.a.dial('b:9');
    expect(await rejection(dialing)).toBeUndefined();
    p.clock.advance(4_999);
    expect(await rejection(dialing)).toBeUndefined();
    p.clock.advance(1);
    expect(await rejection(dialing)).toBeInstanceOf(HandshakeTimeoutError);
    expect(p.net.connections[0].closed).toBe(true);
  });

  test('the responder times out a dialer that never sends message 1', async () => {
    const p = await twoNodes();
    const conn = await p.rtA.net.dial(LISTEN_B);
    conn.setHandler({ onData() {} });
    await settle();
    p.clock.advance(10_000);
    await settle();
    expect(p.rtB.metrics.get('veil.handshake_failures')).toBe(1);
    expect(conn.closed).toBe(true);
  });

  test('maxPendingHandshakes refuses inbound connections beyond the limit', async () => {
    const p = await twoNodes({ initB: { maxPendingHandshakes: 1 } });
    const first = await p.rtA.net.dial(LISTEN_B);
    const second = await p.rtA.net.dial(LISTEN_B);
    for (const c of [first, second]) c.setHandler({ onData() {} });
    await settle();
    expect(first.closed).toBe(false);
    expect(second.closed).toBe(true);
    expect(p.rtB.metrics.get('veil.handshakes_refused')).toBe(1);
    // The slot frees up when the first handshake ends.
    first.close();
    await settle();
    await connect(p);
  });

  test('a responder refused with TooManyHandshakesError through secure()', async () => {
    const p = await twoNodes({ initB: { maxPendingHandshakes: 0 } });
    const [, c2] = memoryPair(p.net);
    expect(await rejection(p.b.secure(c2, 'responder'))).toBeInstanceOf(TooManyHandshakesError);
  });

  test('a responder that rejects the handshake makes the dialer fail with its CLOSE', async () => {
    const p = await twoNodes();
    const [c1, c2] = memoryPair(p.net);
    c2.setHandler({
      onData: () => {
        c2.write(encodeClose(CloseReason.HANDSHAKE_FAILED));
        c2.close();
      },
    });
    expect(await rejection(p.a.secure(c1, 'initiator'))).toBeInstanceOf(RemoteCloseError);
  });

  test('a dialer that hangs up mid-handshake: HandshakeAbortedError on the responder', async () => {
    const p = await twoNodes();
    const [c1, c2] = memoryPair(p.net);
    const accepting = p.b.secure(c2, 'responder');
    c1.close();
    expect(await rejection(accepting)).toBeInstanceOf(HandshakeAbortedError);
  });

  test('a transport frame during the handshake is answered with UNEXPECTED_FRAME', async () => {
    const p = await twoNodes();
    const [c1, c2] = memoryPair(p.net);
    const accepting = p.b.secure(c2, 'responder');
    c1.write(encodeFrame(FrameType.TRANSPORT, new Uint8Array(20)));
    expect(await rejection(accepting)).toBeInstanceOf(VeilProtocolError);
    expect(c2.sent).toEqual([encodeClose(CloseReason.UNEXPECTED_FRAME)]);
  });

  test('dial before start() is a VeilStateError', async () => {
    const p = await twoNodes();
    const idle = new Veil({ runtime: p.rtA, identity: p.idA });
    await expect(idle.dial(LISTEN_B)).rejects.toBeInstanceOf(VeilStateError);
  });
});

describe('Veil transport', () => {
  test('several streams in both directions exchange data concurrently', async () => {
    const p = await twoNodes();
    const [sA, sB] = await connect(p);
    const echo = (s: typeof sA) => {
      s.onStream = (stream) => {
        stream.setHandler({ onData: (c) => stream.write(c), onEnd: () => stream.end() });
      };
    };
    echo(sA);
    echo(sB);
    const runs = [];
    for (let i = 0; i < 6; i++) {
      const opener = i % 2 === 0 ? sA : sB;
      const stream = opener.openStream();
      const payload = new Uint8Array(100_000 + i).map((_, k) => (k * 7 + i) & 0xff);
      const result = collect(stream);
      for (let off = 0; off < payload.length; off += 30_000) stream.write(payload.slice(off, off + 30_000));
      stream.end();
      runs.push(result.then((r) => expect(Buffer.from(r.data).equals(Buffer.from(payload))).toBe(true)));
    }
    await settle(5_000);
    await Promise.all(runs);
  });

  test('streams opened before the dialer sets onStream are delivered when it does', async () => {
    const p = await twoNodes();
    const [sA, sB] = await connect(p);
    sB.openStream().write(Uint8Array.of(1, 2, 3));
    await settle();
    const got: number[] = [];
    sA.onStream = (stream) => stream.setHandler({ onData: (c) => got.push(...c) });
    await settle();
    expect(got).toEqual([1, 2, 3]);
  });

  test('rekeying by count: both directions rekey and traffic continues', async () => {
    const p = await twoNodes({ initA: { rekeyAfterMessages: 3 }, initB: { rekeyAfterMessages: 5 } });
    const [sA, sB] = await connect(p);
    const received: number[] = [];
    sB.onStream = (stream) =>
      stream.setHandler({
        onData: (c) => {
          received.push(...c);
          stream.write(c);
        },
      });
    const stream = sA.openStream();
    const echoed: number[] = [];
    stream.setHandler({ onData: (c) => echoed.push(...c) });
    for (let i = 0; i < 40; i++) {
      stream.write(Uint8Array.of(i));
      await settle(50); // one message per write
    }
    await settle();
    const expected = Array.from({ length: 40 }, (_, i) => i);
    expect(received).toEqual(expected);
    expect(echoed).toEqual(expected);
    expect(sA.rekeys.send).toBeGreaterThanOrEqual(10);
    expect(sB.rekeys.recv).toBe(sA.rekeys.send);
    expect(sB.rekeys.send).toBeGreaterThanOrEqual(6);
    expect(sA.rekeys.recv).toBe(sB.rekeys.send);
  });

  test.each([
    ['a small frame', 100],
    ['a full-size frame', 100_000],
  ])(
    'a tampered ciphertext byte in %s: DecryptError, both ends close, the node keeps working',
    async (_what, size) => {
      const p = await twoNodes();
      const [sA, sB] = await connect(p);
      const bClosed = closed(sB);
      const aClosed = closed(sA);
      p.net.tap = (_from, chunk) => {
        if (chunk.length > 6) chunk[chunk.length - 1] ^= 0x40; // the Poly1305 tag at the end of a frame
        return [chunk];
      };
      sA.openStream().write(new Uint8Array(size));
      await settle();
      expect(await bClosed).toBeInstanceOf(DecryptError);
      await aClosed;
      expect(sA.closed && sB.closed).toBe(true);
      expect(p.rtB.metrics.get('veil.decrypt_failures')).toBe(1);
      p.net.tap = (_from, chunk) => [chunk];
      const [again] = await connect(p);
      expect(again.remoteNodeId.equals(p.idB.nodeId)).toBe(true);
    },
  );

  test('a replayed transport frame closes the session with DecryptError', async () => {
    const p = await twoNodes();
    const [sA, sB] = await connect(p);
    const bClosed = closed(sB);
    const [dialerConn, listenerConn] = p.net.connections;
    const before = dialerConn.sent.length;
    sA.openStream().write(Uint8Array.of(1, 2, 3));
    await settle();
    const frame = dialerConn.sent[before]; // one frame, header and ciphertext, per write
    expect(frame[3]).toBe(FrameType.TRANSPORT);
    expect(frame.length).toBe(6 + ((frame[4] << 8) | frame[5]));
    listenerConn.inject(frame);
    expect(await bClosed).toBeInstanceOf(DecryptError);
  });

  test('garbage after the handshake closes the session with the FrameError', async () => {
    const p = await twoNodes();
    const [, sB] = await connect(p);
    const bClosed = closed(sB);
    p.net.connections[1].inject(Uint8Array.of(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06));
    expect(await bClosed).toBeInstanceOf(BadMagicError);
  });

  test('a clear CLOSE after the handshake is a violation', async () => {
    const p = await twoNodes();
    const [, sB] = await connect(p);
    const bClosed = closed(sB);
    p.net.connections[1].inject(encodeClose(CloseReason.HANDSHAKE_FAILED));
    expect(await bClosed).toBeInstanceOf(UnexpectedCloseError);
  });

  test('a HANDSHAKE frame after the handshake is a VeilProtocolError', async () => {
    const p = await twoNodes();
    const [, sB] = await connect(p);
    const bClosed = closed(sB);
    p.net.connections[1].inject(encodeFrame(FrameType.HANDSHAKE, new Uint8Array(32)));
    expect(await bClosed).toBeInstanceOf(VeilProtocolError);
  });

  test('close() is orderly: streams end and the peer session closes without error', async () => {
    const p = await twoNodes();
    const [sA, sB] = await connect(p);
    const bClosed = closed(sB);
    const aClosed = closed(sA);
    sA.close();
    expect(await aClosed).toBeUndefined();
    expect(await bClosed).toBeUndefined();
    expect(() => sA.openStream()).toThrow(VeilStateError);
  });

  test('stop() closes sessions and listeners', async () => {
    const p = await twoNodes();
    const [sA] = await connect(p);
    const aClosed = closed(sA);
    await p.b.stop();
    await aClosed;
    expect(p.b.sessionCount).toBe(0);
    await expect(p.a.dial(LISTEN_B)).rejects.toThrow();
  });
});
