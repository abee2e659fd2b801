import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Mux,
  MuxClosedError,
  MuxError,
  MuxFlowControlError,
  MuxMessageError,
  type MuxStream,
  MuxStreamIdError,
  MuxStreamStateError,
} from '../stack/veil/mux.js';
import { decodeMessage, encodeMessage, type MuxFrame } from '../stack/veil/mux-codec.js';
import { INITIAL_WINDOW, MAX_MESSAGE_SIZE, MuxFrameType } from '../stack/veil/mux-constants.js';
import { MuxPair, StreamRecorder, tick } from '../stack/veil/mux-pair.test-util.js';

interface VFrame {
  type: number;
  streamId: number;
  body: string;
}
const vectors = JSON.parse(readFileSync(new URL('./vectors/veil-mux.json', import.meta.url), 'utf8')) as {
  valid: { name: string; message: string; maxMessageBytes?: number; frames: VFrame[] }[];
  invalid: { name: string; message: string; maxMessageBytes?: number; error: string }[];
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

const { OPEN, DATA, WINDOW_UPDATE: WU, FIN, RST } = MuxFrameType;
const f = (type: MuxFrameType, streamId: number, body: Uint8Array = new Uint8Array(0)): MuxFrame => ({
  type,
  streamId,
  body,
});
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
const msg = (...frames: MuxFrame[]) => encodeMessage(frames);

/** A listener-side mux (even ids) that accepts and records every inbound stream. */
function listener() {
  const sent: Uint8Array[] = [];
  const mux = new Mux({ send: (m) => sent.push(m) > 0 }, { initiator: false });
  const inbound: StreamRecorder[] = [];
  mux.onStream = (s) => inbound.push(new StreamRecorder(s));
  return { mux, inbound, sent };
}

function expectViolation(mux: Mux, message: Uint8Array, cls: new (...a: never[]) => MuxError) {
  let thrown: unknown;
  try {
    mux.receive(message);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(cls);
  expect(mux.closed).toBe(true);
  return thrown as MuxError;
}

describe('veil-mux conformance vectors', () => {
  for (const v of vectors.valid) {
    it(`valid: ${v.name}`, () => {
      const frames = decodeMessage(unhex(v.message), v.maxMessageBytes ?? MAX_MESSAGE_SIZE);
      expect(frames.map((x) => ({ type: x.type, streamId: x.streamId, body: hex(x.body) }))).toEqual(
        v.frames.map((x) => ({ type: x.type, streamId: x.streamId, body: x.body })),
      );
      expect(hex(encodeMessage(frames))).toBe(v.message);
    });
  }
  for (const v of vectors.invalid) {
    it(`invalid: ${v.name} -> ${v.error}`, () => {
      const message = unhex(v.message);
      expect(() => decodeMessage(message, v.maxMessageBytes ?? MAX_MESSAGE_SIZE)).toThrow(MuxError);
      try {
        decodeMessage(message, v.maxMessageBytes ?? MAX_MESSAGE_SIZE);
      } catch (err) {
        expect((err as Error).name).toBe(v.error);
      }
      // A Mux rejects it the same way, as a whole: the OPEN before a bad frame never took effect.
      const { mux, inbound } = listener();
      const m = new Mux({ send: () => true }, { initiator: false, maxMessageBytes: v.maxMessageBytes });
      m.onStream = () => inbound.push(new StreamRecorder());
      expect(() => m.receive(message)).toThrow(MuxError);
      expect(inbound).toHaveLength(0);
      expect(mux.closed).toBe(false);
    });
  }
  it('a full-size 65519-byte message is accepted, one byte more is not', () => {
    const full = msg(f(DATA, 1, new Uint8Array(MAX_MESSAGE_SIZE - 7)));
    expect(decodeMessage(full)).toHaveLength(1);
    expect(() => decodeMessage(msg(f(DATA, 1, new Uint8Array(MAX_MESSAGE_SIZE - 6))))).toThrow(
      MuxMessageError,
    );
  });
});

describe('Mux violations (need stream state) are fatal and named', () => {
  it('OPEN with our parity, and a hint at mismatched roles', () => {
    const { mux } = listener();
    const err = expectViolation(mux, msg(f(OPEN, 2)), MuxStreamIdError);
    expect(err.message).toContain('initiator');
  });

  it('two dialers (both initiator: true) fail on the first OPEN', async () => {
    const p = new MuxPair({ b: { initiator: true } });
    p.b.onStream = () => {};
    p.a.openStream();
    await p.pump();
    expect(p.errors[0].err).toBeInstanceOf(MuxStreamIdError);
  });

  it('OPEN ids must increase: no reuse, no going back', () => {
    const { mux } = listener();
    mux.receive(msg(f(OPEN, 3)));
    expectViolation(mux, msg(f(OPEN, 1)), MuxStreamIdError);
    const second = listener();
    second.mux.receive(msg(f(OPEN, 1)));
    expectViolation(second.mux, msg(f(OPEN, 1)), MuxStreamIdError);
  });

  it("frames for ids never opened: the peer's future ids, and ours not yet announced", () => {
    expectViolation(listener().mux, msg(f(DATA, 5, Uint8Array.of(1))), MuxStreamIdError);
    expectViolation(listener().mux, msg(f(FIN, 2)), MuxStreamIdError);
    const { mux } = listener();
    mux.openStream(); // id 2, its OPEN is still waiting for the flush microtask
    expectViolation(mux, msg(f(WU, 2, u32(1))), MuxStreamIdError);
  });

  it('DATA beyond the window', () => {
    const { mux, inbound } = listener();
    mux.receive(msg(f(OPEN, 1)));
    inbound[0].stream!.pause(); // no consumption, so no credit comes back
    const chunk = new Uint8Array(32_768);
    for (let sent = 0; sent < INITIAL_WINDOW; sent += chunk.length) mux.receive(msg(f(DATA, 1, chunk)));
    expectViolation(mux, msg(f(DATA, 1, Uint8Array.of(1))), MuxFlowControlError);
  });

  it('WINDOW_UPDATE that takes a window past 2^32-1', () => {
    const { mux } = listener();
    mux.receive(msg(f(OPEN, 1)));
    mux.receive(msg(f(WU, 1, u32(0xffffffff - INITIAL_WINDOW))));
    expectViolation(mux, msg(f(WU, 1, u32(1))), MuxFlowControlError);
  });

  it("DATA or FIN after the peer's FIN", () => {
    const a = listener();
    a.mux.receive(msg(f(OPEN, 1), f(FIN, 1)));
    expectViolation(a.mux, msg(f(DATA, 1, Uint8Array.of(1))), MuxStreamStateError);
    const b = listener();
    b.mux.receive(msg(f(OPEN, 1), f(FIN, 1)));
    expectViolation(b.mux, msg(f(FIN, 1)), MuxStreamStateError);
  });

  it('a violation fails every stream with MuxClosedError (cause: the violation); later messages are ignored', async () => {
    const { mux, inbound } = listener();
    mux.receive(msg(f(OPEN, 1), f(OPEN, 3)));
    const err = expectViolation(mux, msg(f(OPEN, 1)), MuxStreamIdError);
    await tick();
    for (const r of inbound) {
      expect(r.closeErr).toBeInstanceOf(MuxClosedError);
      expect(r.closeErr!.cause).toBe(err);
    }
    expect(() => mux.receive(msg(f(OPEN, 99)))).not.toThrow();
  });
});

describe('Mux tolerates what honest peers do', () => {
  it('ignores DATA, WINDOW_UPDATE, FIN and RST that cross our RST', async () => {
    const { mux, inbound } = listener();
    mux.receive(msg(f(OPEN, 1), f(DATA, 1, Uint8Array.of(1))));
    inbound[0].stream!.close(new Error('no thanks'));
    await tick();
    expect(() =>
      mux.receive(
        msg(f(DATA, 1, Uint8Array.of(2)), f(WU, 1, u32(10)), f(FIN, 1), f(RST, 1, Uint8Array.of(1))),
      ),
    ).not.toThrow();
    expect(mux.closed).toBe(false);
  });

  it('an inbound stream whose onStream throws is reset; the mux goes on', async () => {
    const sent: Uint8Array[] = [];
    const mux = new Mux({ send: (m) => sent.push(m) > 0 }, { initiator: false });
    mux.onStream = (s: MuxStream) => {
      if (s.id === 1) throw new Error('acceptor bug');
    };
    mux.receive(msg(f(OPEN, 1), f(OPEN, 3)));
    await tick();
    const frames = sent.flatMap((m) => decodeMessage(m));
    expect(frames.map((x) => [x.type, x.streamId])).toEqual([[RST, 1]]);
    expect(mux.streamCount).toBe(1);
  });
});
