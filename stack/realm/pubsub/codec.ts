/**
 * Pub/sub frame bodies: a type byte, then the fields (conformance/spec/realm.md):
 *   SUB   0x01 | u16 n | n x (u8 subscribe(1)/unsubscribe(0) | u16 len | topic)
 *   MSG   0x02 | signed message (message.ts)
 *   GRAFT 0x03 | u16 len | topic
 *   PRUNE 0x04 | u16 len | topic
 *   IHAVE 0x05 | u16 len | topic | u16 n | n x 16-byte message id
 *   IWANT 0x06 | u16 n | n x 16-byte message id
 */

import type { Reader } from '../../yggdrasil/rpc/bytes.js';
import { fromHex, toHex, utf8, Writer } from '../../yggdrasil/rpc/bytes.js';
import { RealmFrameError } from '../errors.js';
import { decodeWith, readString } from '../frames.js';
import {
  FrameType,
  MAX_IDS_PER_FRAME,
  MAX_SUBS_PER_FRAME,
  MAX_TOPIC_BYTES,
  MESSAGE_ID_SIZE,
} from './constants.js';

export type ControlFrame =
  | { type: 'sub'; changes: { subscribe: boolean; topic: string }[] }
  | { type: 'msg'; message: Uint8Array }
  | { type: 'graft'; topic: string }
  | { type: 'prune'; topic: string }
  | { type: 'ihave'; topic: string; ids: string[] }
  | { type: 'iwant'; ids: string[] };

function topicField(w: Writer, topic: string): Writer {
  const t = utf8(topic);
  return w.u16(t.length).bytes(t);
}

function idsField(w: Writer, ids: readonly string[]): Writer {
  w.u16(ids.length);
  for (const id of ids) w.bytes(fromHex(id));
  return w;
}

export function encodeFrame(f: ControlFrame): Uint8Array {
  const w = new Writer(64);
  switch (f.type) {
    case 'sub':
      w.u8(FrameType.SUB).u16(f.changes.length);
      for (const c of f.changes) topicField(w.u8(c.subscribe ? 1 : 0), c.topic);
      break;
    case 'msg':
      w.u8(FrameType.MSG).bytes(f.message);
      break;
    case 'graft':
      topicField(w.u8(FrameType.GRAFT), f.topic);
      break;
    case 'prune':
      topicField(w.u8(FrameType.PRUNE), f.topic);
      break;
    case 'ihave':
      idsField(topicField(w.u8(FrameType.IHAVE), f.topic), f.ids);
      break;
    case 'iwant':
      idsField(w.u8(FrameType.IWANT), f.ids);
      break;
  }
  return w.finish();
}

function readTopic(r: Reader): string {
  const t = readString(r, 'topic', MAX_TOPIC_BYTES);
  if (t.length === 0) throw new RealmFrameError('pubsub frame: empty topic');
  return t;
}

function readIds(r: Reader): string[] {
  const n = r.u16('id count');
  if (n > MAX_IDS_PER_FRAME) throw new RealmFrameError(`pubsub frame: ${n} ids exceeds ${MAX_IDS_PER_FRAME}`);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(toHex(r.bytesView(MESSAGE_ID_SIZE, 'message id')));
  return ids;
}

/** Decode a frame body. Throws RealmFrameError (unknown type, truncation, limits, trailing bytes). */
export function decodeFrame(body: Uint8Array): ControlFrame {
  if (body.length === 0) throw new RealmFrameError('pubsub frame: empty body');
  if (body[0] === FrameType.MSG) return { type: 'msg', message: body.subarray(1) };
  return decodeWith(body, 'pubsub frame', (r) => {
    const type = r.u8('type');
    switch (type) {
      case FrameType.SUB: {
        const n = r.u16('change count');
        if (n > MAX_SUBS_PER_FRAME)
          throw new RealmFrameError(`pubsub frame: ${n} changes exceeds ${MAX_SUBS_PER_FRAME}`);
        const changes: { subscribe: boolean; topic: string }[] = [];
        for (let i = 0; i < n; i++) {
          const action = r.u8('action');
          if (action > 1) throw new RealmFrameError(`pubsub frame: action ${action} is neither 0 nor 1`);
          changes.push({ subscribe: action === 1, topic: readTopic(r) });
        }
        return { type: 'sub', changes };
      }
      case FrameType.GRAFT:
        return { type: 'graft', topic: readTopic(r) };
      case FrameType.PRUNE:
        return { type: 'prune', topic: readTopic(r) };
      case FrameType.IHAVE: {
        const topic = readTopic(r);
        return { type: 'ihave', topic, ids: readIds(r) };
      }
      case FrameType.IWANT:
        return { type: 'iwant', ids: readIds(r) };
      default:
        throw new RealmFrameError(`pubsub frame: unknown type 0x${type.toString(16).padStart(2, '0')}`);
    }
  });
}
