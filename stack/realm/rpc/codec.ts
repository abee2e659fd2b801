/**
 * RPC frame bodies (conformance/spec/realm.md, section 3):
 *   REQUEST  0x01 | u16 len, method | u32 deadline ms (0: none) | u32 len, token (0: none) |
 *            u32 len, params (UTF-8 JSON)
 *   CANCEL   0x02
 *   RESPONSE 0x03 | u8 status | u32 len, body: the result as UTF-8 JSON when status is 0, else
 *            the error message (UTF-8); for REFUSED, u16 len, refusal code, after the message
 */
import { utf8, Writer } from '../../yggdrasil/rpc/bytes.js';
import type { Json } from '../crdt/canonical.js';
import { RealmFrameError } from '../errors.js';
import { decodeWith, readString } from '../frames.js';
import {
  MAX_METHOD_BYTES,
  MAX_RPC_FRAME_BYTES,
  MAX_TOKEN_BYTES,
  RpcFrameType,
  RpcStatus,
  type RpcStatusCode,
} from './constants.js';

export type RpcFrame =
  | { type: 'request'; method: string; deadlineMs: number; token: Uint8Array | undefined; params: Json }
  | { type: 'cancel' }
  | { type: 'response'; status: RpcStatusCode; result?: Json; message?: string; refusal?: string };

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

function jsonText(b: Uint8Array, what: string): Json {
  try {
    return JSON.parse(fatalUtf8.decode(b)) as Json;
  } catch {
    throw new RealmFrameError(`${what}: not UTF-8 JSON`);
  }
}

export function encodeRpcFrame(f: RpcFrame): Uint8Array {
  const w = new Writer(64);
  switch (f.type) {
    case 'request': {
      const m = utf8(f.method);
      const p = utf8(JSON.stringify(f.params ?? null));
      const t = f.token ?? new Uint8Array(0);
      w.u8(RpcFrameType.REQUEST).u16(m.length).bytes(m).u32(f.deadlineMs).u32(t.length).bytes(t);
      w.u32(p.length).bytes(p);
      break;
    }
    case 'cancel':
      w.u8(RpcFrameType.CANCEL);
      break;
    case 'response': {
      w.u8(RpcFrameType.RESPONSE).u8(f.status);
      const body = utf8(f.status === RpcStatus.OK ? JSON.stringify(f.result ?? null) : (f.message ?? ''));
      w.u32(body.length).bytes(body);
      if (f.status === RpcStatus.REFUSED) {
        const r = utf8(f.refusal ?? '');
        w.u16(r.length).bytes(r);
      }
      break;
    }
  }
  return w.finish();
}

export function decodeRpcFrame(body: Uint8Array): RpcFrame {
  return decodeWith(body, 'rpc frame', (r) => {
    const type = r.u8('type');
    switch (type) {
      case RpcFrameType.REQUEST: {
        const method = readString(r, 'method', MAX_METHOD_BYTES);
        if (method.length === 0) throw new RealmFrameError('rpc frame: empty method');
        const deadlineMs = r.u32('deadline');
        const tn = r.u32('token length');
        if (tn > MAX_TOKEN_BYTES)
          throw new RealmFrameError(`rpc frame: token of ${tn} bytes exceeds ${MAX_TOKEN_BYTES}`);
        const token = tn > 0 ? r.bytesView(tn, 'token').slice() : undefined;
        const pn = r.u32('params length');
        if (pn > MAX_RPC_FRAME_BYTES) throw new RealmFrameError('rpc frame: params too large');
        const params = jsonText(r.bytesView(pn, 'params'), 'params');
        return { type: 'request', method, deadlineMs, token, params };
      }
      case RpcFrameType.CANCEL:
        return { type: 'cancel' };
      case RpcFrameType.RESPONSE: {
        const status = r.u8('status');
        if (status > RpcStatus.CANCELLED) throw new RealmFrameError(`rpc frame: unknown status ${status}`);
        const n = r.u32('body length');
        const body = r.bytesView(n, 'body');
        if (status === RpcStatus.OK) return { type: 'response', status, result: jsonText(body, 'result') };
        let message: string;
        try {
          message = fatalUtf8.decode(body);
        } catch {
          throw new RealmFrameError('rpc frame: error message not UTF-8');
        }
        const refusal = status === RpcStatus.REFUSED ? readString(r, 'refusal', 64) : undefined;
        return {
          type: 'response',
          status: status as RpcStatusCode,
          message,
          ...(refusal ? { refusal } : {}),
        };
      }
      default:
        throw new RealmFrameError(`rpc frame: unknown type 0x${type.toString(16).padStart(2, '0')}`);
    }
  });
}
