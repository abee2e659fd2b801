/**
 * Encoding and decoding of DHT messages (spec section 3). Pure functions over Uint8Array. The
 * decoder checks every length before reading and throws a DhtDecodeError subclass for any input it
 * rejects; records inside messages are decoded structurally here and verified by their users.
 *
 *   version(1) type(1) requestId(u32) body
 */
import {
  FRAME_HEADER_SIZE,
  KEY_SIZE,
  MAX_CONTACTS,
  MAX_MESSAGE_SIZE,
  MAX_PROVIDERS,
  MESSAGE_HEADER_SIZE,
  NODE_ID_SIZE,
  PROTOCOL_VERSION,
} from '../constants.js';
import {
  InvalidFieldError,
  MessageTooLargeError,
  TruncatedError,
  UnknownMessageTypeError,
  UnsupportedVersionError,
} from '../errors.js';
import { PeerRecord } from '../records/peer-record.js';
import { ProviderRecord } from '../records/provider-record.js';
import { ValueRecord } from '../records/value-record.js';
import { Reader, Writer } from './bytes.js';
import { MAX_STORE_STATUS, type Message, MessageType, type StoreStatusCode } from './messages.js';

const TYPE_BYTE: Record<Message['type'], number> = {
  hello: MessageType.HELLO,
  ping: MessageType.PING,
  'find-node': MessageType.FIND_NODE,
  'get-value': MessageType.GET_VALUE,
  'put-value': MessageType.PUT_VALUE,
  'add-provider': MessageType.ADD_PROVIDER,
  'get-providers': MessageType.GET_PROVIDERS,
  pong: MessageType.PONG,
  nodes: MessageType.NODES,
  value: MessageType.VALUE,
  'put-value-result': MessageType.PUT_VALUE_RESULT,
  'add-provider-result': MessageType.ADD_PROVIDER_RESULT,
  providers: MessageType.PROVIDERS,
  error: MessageType.ERROR,
};
const TYPE_NAME = new Map<number, Message['type']>(
  Object.entries(TYPE_BYTE).map(([name, byte]) => [byte, name as Message['type']]),
);

function writeContacts(w: Writer, contacts: readonly PeerRecord[]): void {
  if (contacts.length > MAX_CONTACTS) {
    throw new InvalidFieldError(`${contacts.length} contacts exceed ${MAX_CONTACTS}`);
  }
  w.u8(contacts.length);
  for (const c of contacts) c.write(w);
}

function readContacts(r: Reader): PeerRecord[] {
  const n = r.u8('contact count');
  if (n > MAX_CONTACTS) throw new InvalidFieldError(`contact count ${n} exceeds ${MAX_CONTACTS}`);
  const out: PeerRecord[] = [];
  for (let i = 0; i < n; i++) out.push(PeerRecord.read(r));
  return out;
}

function readStatus(r: Reader): StoreStatusCode {
  const s = r.u8('store status');
  if (s > MAX_STORE_STATUS) throw new InvalidFieldError(`store status ${s} is not in 0..${MAX_STORE_STATUS}`);
  return s as StoreStatusCode;
}

function writeBody(w: Writer, m: Message): void {
  switch (m.type) {
    case 'hello':
      m.record.write(w);
      return;
    case 'ping':
    case 'pong':
      return;
    case 'find-node':
      checkKey(m.target, 'target');
      w.bytes(m.target);
      return;
    case 'get-value':
    case 'get-providers':
      checkKey(m.key, 'key');
      w.bytes(m.key);
      return;
    case 'put-value':
    case 'add-provider':
      m.record.write(w);
      return;
    case 'nodes':
      writeContacts(w, m.contacts);
      return;
    case 'value':
      w.u8(m.record ? 1 : 0);
      m.record?.write(w);
      writeContacts(w, m.contacts);
      return;
    case 'put-value-result':
    case 'add-provider-result':
      w.u8(m.status);
      return;
    case 'providers':
      if (m.providers.length > MAX_PROVIDERS) {
        throw new InvalidFieldError(`${m.providers.length} providers exceed ${MAX_PROVIDERS}`);
      }
      w.u8(m.providers.length);
      for (const p of m.providers) p.write(w);
      writeContacts(w, m.contacts);
      return;
    case 'error':
      w.u8(m.code);
      return;
  }
}

function checkKey(key: Uint8Array, what: string): void {
  if (key.length !== KEY_SIZE)
    throw new InvalidFieldError(`${what}: expected ${KEY_SIZE} bytes, got ${key.length}`);
}

/** Encode a message. Throws InvalidFieldError / MessageTooLargeError for unencodable input. */
export function encodeMessage(m: Message): Uint8Array {
  return encode(m, 0);
}

/**
 * The message with its frame header (rpc/framing.ts) in front, written in one buffer: what goes
 * on a stream, without the extra copy frame(encodeMessage(m)) would make.
 */
export function encodeFramed(m: Message): Uint8Array {
  const bytes = encode(m, FRAME_HEADER_SIZE);
  const len = bytes.length - FRAME_HEADER_SIZE;
  bytes[0] = len >>> 8;
  bytes[1] = len & 0xff;
  return bytes;
}

/** Bytes the records of a message take: the Writer is sized once instead of growing. */
function recordBytes(m: Message): number {
  let n = 0;
  if ('record' in m && m.record) n += m.record.encoded.length;
  if ('contacts' in m) for (const c of m.contacts) n += c.encoded.length;
  if ('providers' in m) for (const p of m.providers) n += p.encoded.length;
  return n;
}

function encode(m: Message, headroom: number): Uint8Array {
  const w = new Writer(headroom + MESSAGE_HEADER_SIZE + 40 + recordBytes(m));
  for (let i = 0; i < headroom; i++) w.u8(0);
  w.u8(PROTOCOL_VERSION).u8(TYPE_BYTE[m.type]).u32(m.id);
  writeBody(w, m);
  const size = w.length - headroom;
  if (size > MAX_MESSAGE_SIZE)
    throw new MessageTooLargeError(`message of ${size} bytes exceeds ${MAX_MESSAGE_SIZE}`);
  return w.finish();
}

function readBody(r: Reader, type: Message['type'], id: number): Message {
  switch (type) {
    case 'hello':
      return { type, id: 0, record: PeerRecord.read(r) };
    case 'ping':
    case 'pong':
      return { type, id };
    case 'find-node':
      return { type, id, target: r.bytesView(NODE_ID_SIZE, 'target').slice() };
    case 'get-value':
    case 'get-providers':
      return { type, id, key: r.bytesView(KEY_SIZE, 'key').slice() };
    case 'put-value':
      return { type, id, record: ValueRecord.read(r) };
    case 'add-provider':
      return { type, id, record: ProviderRecord.read(r) };
    case 'nodes':
      return { type, id, contacts: readContacts(r) };
    case 'value': {
      const present = r.u8('value present flag');
      if (present > 1) throw new InvalidFieldError(`value present flag ${present} is not 0 or 1`);
      const record = present === 1 ? ValueRecord.read(r) : undefined;
      return { type, id, record, contacts: readContacts(r) };
    }
    case 'put-value-result':
    case 'add-provider-result':
      return { type, id, status: readStatus(r) };
    case 'providers': {
      const n = r.u8('provider count');
      if (n > MAX_PROVIDERS) throw new InvalidFieldError(`provider count ${n} exceeds ${MAX_PROVIDERS}`);
      const providers: ProviderRecord[] = [];
      for (let i = 0; i < n; i++) providers.push(ProviderRecord.read(r));
      return { type, id, providers, contacts: readContacts(r) };
    }
    case 'error':
      return { type, id, code: r.u8('error code') };
  }
}

/**
 * Decode one message. maxSize lets a receiver impose a limit below MAX_MESSAGE_SIZE. Throws
 * MessageTooLargeError, TruncatedError, UnsupportedVersionError, UnknownMessageTypeError,
 * InvalidFieldError or TrailingBytesError.
 */
export function decodeMessage(bytes: Uint8Array, maxSize = MAX_MESSAGE_SIZE): Message {
  if (bytes.length > maxSize)
    throw new MessageTooLargeError(`message of ${bytes.length} bytes exceeds ${maxSize}`);
  if (bytes.length < MESSAGE_HEADER_SIZE) {
    throw new TruncatedError(`message header: expected ${MESSAGE_HEADER_SIZE} bytes, got ${bytes.length}`);
  }
  const r = new Reader(bytes);
  const version = r.u8('version');
  if (version !== PROTOCOL_VERSION)
    throw new UnsupportedVersionError(`version ${version}, expected ${PROTOCOL_VERSION}`);
  const typeByte = r.u8('type');
  const type = TYPE_NAME.get(typeByte);
  if (type === undefined) throw new UnknownMessageTypeError(`message type 0x${typeByte.toString(16)}`);
  const id = r.u32('request id');
  if (type === 'hello' ? id !== 0 : id === 0) {
    throw new InvalidFieldError(`request id ${id}: HELLO must carry 0, every other message a non-zero id`);
  }
  const m = readBody(r, type, id);
  r.end(type);
  return m;
}
