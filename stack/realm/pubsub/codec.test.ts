import { describe, expect, it } from 'vitest';
import { defaultCrypto } from '../../crypto/select.js';
import { identityFromSeed } from '../../identity/index.js';
import { RealmFrameError, RealmFrameTooLargeError } from '../errors.js';
import { FrameReader, frame } from '../frames.js';
import { type ControlFrame, decodeFrame, encodeFrame } from './codec.js';
import { decodeMessage, signMessage, verifyMessage } from './message.js';

const crypto = defaultCrypto();
const id = identityFromSeed(new Uint8Array(32).fill(7));
const hexId = 'ab'.repeat(16);

describe('pubsub codec', () => {
  it('frames round-trip', () => {
    const frames: ControlFrame[] = [
      {
        type: 'sub',
        changes: [
          { subscribe: true, topic: 'a' },
          { subscribe: false, topic: 'ü/b' },
        ],
      },
      { type: 'graft', topic: 'a' },
      { type: 'prune', topic: 'a' },
      { type: 'ihave', topic: 'a', ids: [hexId, '00'.repeat(16)] },
      { type: 'iwant', ids: [hexId] },
    ];
    for (const f of frames) expect(decodeFrame(encodeFrame(f))).toEqual(f);
  });

  it('a signed message verifies, keeps its id, and fails once any byte changes', () => {
    const m = signMessage(id, 'news', 42, new Uint8Array([1, 2, 3]), crypto);
    const back = decodeMessage(m.bytes, crypto);
    expect(back.id).toBe(m.id);
    expect(back.seqno).toBe(42);
    expect(verifyMessage(back, crypto)).toBe(true);
    for (const at of [0 + 3, 10, m.bytes.length - 70, m.bytes.length - 1]) {
      const bad = m.bytes.slice();
      bad[at]! ^= 0x01;
      let ok = false;
      try {
        ok = verifyMessage(decodeMessage(bad, crypto), crypto);
      } catch (err) {
        expect(err).toBeInstanceOf(RealmFrameError);
      }
      expect(ok).toBe(false);
    }
  });

  it('malformed frames are RealmFrameError, never a bare RangeError', () => {
    const bad = [
      new Uint8Array([]),
      new Uint8Array([0x09]),
      new Uint8Array([0x01, 0x00, 0x01, 0x02, 0x00, 0x01, 0x61]), // action 2
      new Uint8Array([0x03, 0x00, 0x05, 0x61]), // truncated topic
      new Uint8Array([0x03, 0x00, 0x00]), // empty topic
      new Uint8Array([0x03, 0x00, 0x02, 0xff, 0xfe]), // not UTF-8
      new Uint8Array([0x06, 0x02, 0x01]), // 513 ids
      new Uint8Array([0x04, 0x00, 0x01, 0x61, 0x00]), // trailing byte
    ];
    for (const b of bad) expect(() => decodeFrame(b), `${[...b]}`).toThrow(RealmFrameError);
    for (let n = 0; n < 80; n++) {
      const m = signMessage(id, 't', 1, new Uint8Array(4), crypto).bytes.subarray(0, n);
      expect(() => decodeMessage(m, crypto)).toThrow(RealmFrameError);
    }
  });

  it('the frame reader reassembles split frames and refuses an oversized length from the header', () => {
    const r = new FrameReader(10);
    const a = frame(new Uint8Array([1, 2, 3]));
    const b = frame(new Uint8Array([4]));
    const both = new Uint8Array([...a, ...b]);
    expect(r.push(both.subarray(0, 2))).toEqual([]);
    expect(r.push(both.subarray(2, 6))).toEqual([]);
    expect(r.push(both.subarray(6))).toEqual([new Uint8Array([1, 2, 3]), new Uint8Array([4])]);
    expect(() => new FrameReader(10).push(new Uint8Array([0, 0, 0, 11]))).toThrow(RealmFrameTooLargeError);
  });
});
