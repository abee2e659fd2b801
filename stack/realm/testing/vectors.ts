/**
 * The conformance vectors of conformance/vectors/realm.json (conformance/spec/realm.md §5), built
 * from fixed seeds. Ed25519 signatures are deterministic and every encoding here is canonical, so
 * the file is reproducible byte for byte. Valid cases are made with the library's encoders;
 * invalid ones by writing or editing bytes directly (the encoders refuse to make them).
 *
 * Kinds (what a runner does with a vector):
 * - stream: feed `hex` to a frame reader with the limit of `protocol` (pubsub or rpc); valid: the
 *   frame bodies in `decoded.bodies`.
 * - pubsub-frame, rpc-frame: decode the frame body `hex`; valid: `decoded`, and encoding `decoded`
 *   gives `hex` back.
 * - pubsub-message: decode the signed message `hex` (the body of a MSG frame after its type byte)
 *   and check its signature; valid: `decoded` (fields, author NodeID, message id).
 * - crdt-state: parse `json` and decode it as a CRDT state; valid: its canonical encoding, digest
 *   and value in `decoded`.
 * - crdt-delta: decode `hex` as the data of a message on a store's topic; valid: `decoded.key` and
 *   the canonical delta.
 * - crdt-merge: decode `a` and `b` (states) and merge them; `decoded` is the canonical result and
 *   its value, the same for merge(a, b) and merge(b, a).
 * `expect` is "valid", the name of the error class the decoder throws (RealmFrameError,
 * RealmFrameTooLargeError, CrdtDecodeError), or "bad-signature" (the message decodes but its
 * signature does not verify: step 4 of §2.4).
 */
import type { CryptoBackend } from '../../crypto/types.js';
import { bytesToHex, hexToBytes } from '../../identity/hex.js';
import { type Identity, identityFromSeed } from '../../identity/identity.js';
import { concatBytes, utf8, Writer } from '../../yggdrasil/rpc/bytes.js';
import { canonicalJson, type Json } from '../crdt/canonical.js';
import { crdtMerge, crdtValue, decodeState, encodeState, stateDigest } from '../crdt/crdt.js';
import { frame } from '../frames.js';
import { type ControlFrame, encodeFrame } from '../pubsub/codec.js';
import { FrameType, MESSAGE_VERSION, SIGN_CONTEXT } from '../pubsub/constants.js';
import { authorId, decodeMessage, signMessage } from '../pubsub/message.js';
import { decodeDelta, encodeDelta } from '../replica/store.js';
import { encodeRpcFrame, type RpcFrame } from '../rpc/codec.js';
import { RpcStatus } from '../rpc/constants.js';

export type VectorKind =
  | 'stream'
  | 'pubsub-frame'
  | 'pubsub-message'
  | 'rpc-frame'
  | 'crdt-state'
  | 'crdt-delta'
  | 'crdt-merge';

export interface RealmVector {
  name: string;
  description: string;
  kind: VectorKind;
  /** stream: whose frame-size limit applies. */
  protocol?: 'pubsub' | 'rpc';
  /** The bytes under test (stream, frames, messages, deltas), lowercase hex. */
  hex?: string;
  /** crdt-state: the JSON text under test. */
  json?: string;
  /** crdt-merge: the two states. */
  a?: string;
  b?: string;
  /** "valid", an error class name, or "bad-signature". */
  expect: string;
  decoded?: Json;
}

export interface RealmVectorFile {
  description: string;
  version: 1;
  identities: Record<string, { seed: string; publicKey: string; nodeId: string }>;
  vectors: RealmVector[];
}

const SEEDS = { author: 0x41, mallory: 0xee } as const;

function seed(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

const hex = bytesToHex;

// ---------------------------------------------------------------------------------------------
// JSON views of decoded values (what a vector's `decoded` holds)
// ---------------------------------------------------------------------------------------------

export function pubsubFrameJson(f: ControlFrame): Json {
  if (f.type === 'msg') return { type: 'msg', message: hex(f.message) };
  if (f.type === 'sub') return { type: 'sub', changes: f.changes.map((c) => ({ ...c })) };
  return { ...f } as Json;
}

export function pubsubFrameFromJson(j: Json): ControlFrame {
  const o = j as { type: string; message?: string };
  if (o.type === 'msg') return { type: 'msg', message: hexToBytes(o.message!) };
  return j as unknown as ControlFrame;
}

export function rpcFrameJson(f: RpcFrame): Json {
  if (f.type === 'request')
    return {
      type: 'request',
      method: f.method,
      deadlineMs: f.deadlineMs,
      token: f.token ? hex(f.token) : null,
      params: f.params,
    };
  return { ...f } as Json;
}

export function rpcFrameFromJson(j: Json): RpcFrame {
  const o = j as { type: string; token?: string | null };
  if (o.type === 'request') {
    const r = j as unknown as { method: string; deadlineMs: number; params: Json };
    return {
      type: 'request',
      method: r.method,
      deadlineMs: r.deadlineMs,
      token: o.token ? hexToBytes(o.token) : undefined,
      params: r.params,
    };
  }
  return j as unknown as RpcFrame;
}

export function messageJson(bytes: Uint8Array, crypto: CryptoBackend): Json {
  const m = decodeMessage(bytes, crypto);
  return {
    version: bytes[0]!,
    topic: m.topic,
    authorKey: hex(m.authorKey),
    authorId: authorId(m, crypto),
    seqno: m.seqno,
    data: hex(m.data),
    signature: hex(m.signature),
    id: m.id,
  };
}

export function stateJson(text: string, crypto: CryptoBackend): Json {
  const s = decodeState(JSON.parse(text));
  return { canonical: encodeState(s), digest: stateDigest(s, crypto), value: crdtValue(s) };
}

export function mergeJson(a: string, b: string): Json {
  const m = crdtMerge(decodeState(JSON.parse(a)), decodeState(JSON.parse(b)));
  return { canonical: encodeState(m), value: crdtValue(m) };
}

export function deltaJson(bytes: Uint8Array): Json {
  const d = decodeDelta(bytes);
  return { key: d.key, delta: encodeState(d.delta) };
}

// ---------------------------------------------------------------------------------------------
// Raw builders for bytes the encoders refuse to make
// ---------------------------------------------------------------------------------------------

function bytesOf(build: (w: Writer) => void): Uint8Array {
  const w = new Writer(64);
  build(w);
  return w.finish();
}

/** u16 length + raw bytes (a "string" field whose bytes need not be valid). */
function str(w: Writer, b: Uint8Array | string): Writer {
  const bytes = typeof b === 'string' ? utf8(b) : b;
  return w.u16(bytes.length).bytes(bytes);
}

/** The signed part of a message, fields as given (no checks). */
function unsignedMessage(o: {
  version?: number;
  topic: Uint8Array | string;
  key: Uint8Array;
  seqnoHi?: number;
  seqnoLo?: number;
  seqno?: number;
  data: Uint8Array;
  dataLength?: number;
}): Uint8Array {
  return bytesOf((w) => {
    str(w.u8(o.version ?? MESSAGE_VERSION), o.topic).bytes(o.key);
    if (o.seqno !== undefined) w.u64(o.seqno);
    else w.u32(o.seqnoHi ?? 0).u32(o.seqnoLo ?? 0);
    w.u32(o.dataLength ?? o.data.length).bytes(o.data);
  });
}

function signRaw(id: Identity, unsigned: Uint8Array, context = SIGN_CONTEXT): Uint8Array {
  return concatBytes([unsigned, id.sign(concatBytes([utf8(context), unsigned]))]);
}

// ---------------------------------------------------------------------------------------------
// The vectors
// ---------------------------------------------------------------------------------------------

export function buildVectors(crypto: CryptoBackend): RealmVectorFile {
  const author = identityFromSeed(seed(SEEDS.author), crypto);
  const mallory = identityFromSeed(seed(SEEDS.mallory), crypto);
  const vectors: RealmVector[] = [];
  const add = (v: RealmVector): void => {
    vectors.push(v);
  };

  // --- Framing -------------------------------------------------------------------------------
  const sub = encodeFrame({ type: 'sub', changes: [{ subscribe: true, topic: 'news' }] });
  const graft = encodeFrame({ type: 'graft', topic: 'news' });
  add({
    name: 'stream-two-frames',
    description: 'two length-prefixed frames back to back (SUB, then GRAFT)',
    kind: 'stream',
    protocol: 'pubsub',
    hex: hex(concatBytes([frame(sub), frame(graft)])),
    expect: 'valid',
    decoded: { bodies: [hex(sub), hex(graft)] },
  });
  add({
    name: 'stream-empty-body',
    description: 'a frame of length 0 is a frame (its empty body is then refused by the protocol decoder)',
    kind: 'stream',
    protocol: 'rpc',
    hex: '00000000',
    expect: 'valid',
    decoded: { bodies: [''] },
  });
  add({
    name: 'stream-pubsub-over-limit',
    description: 'a pub/sub frame header announcing 262,145 bytes: refused from the header alone',
    kind: 'stream',
    protocol: 'pubsub',
    hex: '00040001',
    expect: 'RealmFrameTooLargeError',
  });
  add({
    name: 'stream-rpc-over-limit',
    description: 'an RPC frame header announcing 1,048,577 bytes: refused from the header alone',
    kind: 'stream',
    protocol: 'rpc',
    hex: '00100001',
    expect: 'RealmFrameTooLargeError',
  });
  add({
    name: 'stream-over-limit-after-a-frame',
    description: 'a good frame, then a header over the pub/sub limit: the stream is refused',
    kind: 'stream',
    protocol: 'pubsub',
    hex: hex(concatBytes([frame(graft), Uint8Array.of(0xff, 0xff, 0xff, 0xff)])),
    expect: 'RealmFrameTooLargeError',
  });

  // --- Pub/sub messages ----------------------------------------------------------------------
  const hello = signMessage(author, 'news', 1_800_000_000_000 * 1024, utf8('hello, realm'), crypto);
  const empty = signMessage(author, 'news', 7, new Uint8Array(0), crypto);
  const unicode = signMessage(author, 'ニュース/今日', 2 ** 53 - 1, Uint8Array.of(0, 1, 2, 0xff), crypto);
  for (const [name, description, m] of [
    ['message-hello', 'a message with a wall-clock seqno (ms x 1024) and UTF-8 data', hello],
    ['message-empty-data', 'a message with no data', empty],
    ['message-unicode-topic-max-seqno', 'a UTF-8 topic, seqno 2^53-1 and binary data', unicode],
  ] as const) {
    add({
      name,
      description,
      kind: 'pubsub-message',
      hex: hex(m.bytes),
      expect: 'valid',
      decoded: messageJson(m.bytes, crypto),
    });
  }
  const helloData = utf8('hello, realm');
  const base = { topic: 'news', key: author.publicKey, seqno: 1, data: helloData };
  const flip = (b: Uint8Array, at: number): Uint8Array => {
    const c = b.slice();
    c[at < 0 ? c.length + at : at]! ^= 0x01;
    return c;
  };
  const good = signRaw(author, unsignedMessage(base));
  const badMessages: [string, string, Uint8Array, string][] = [
    ['message-bad-signature', 'the last signature bit flipped', flip(good, -1), 'bad-signature'],
    [
      'message-data-altered',
      'a data byte changed after signing',
      flip(good, 1 + 2 + 4 + 32 + 8 + 4),
      'bad-signature',
    ],
    [
      'message-wrong-author-key',
      "signed by mallory, carrying the author's key",
      signRaw(mallory, unsignedMessage(base)),
      'bad-signature',
    ],
    [
      'message-no-context',
      'signed over the fields without the "valhalla/pubsub/1 message" prefix',
      signRaw(author, unsignedMessage(base), ''),
      'bad-signature',
    ],
    [
      'message-version-2',
      'version byte 2',
      signRaw(author, unsignedMessage({ ...base, version: 2 })),
      'RealmFrameError',
    ],
    [
      'message-empty-topic',
      'a topic of 0 bytes',
      signRaw(author, unsignedMessage({ ...base, topic: '' })),
      'RealmFrameError',
    ],
    [
      'message-topic-257-bytes',
      'a topic of 257 bytes (the limit is 256)',
      signRaw(author, unsignedMessage({ ...base, topic: 'x'.repeat(257) })),
      'RealmFrameError',
    ],
    [
      'message-topic-not-utf8',
      'a topic that is not UTF-8 (0xff)',
      signRaw(author, unsignedMessage({ ...base, topic: Uint8Array.of(0x6e, 0xff) })),
      'RealmFrameError',
    ],
    [
      'message-seqno-2^53',
      'seqno 2^53 (u64 values must be at most 2^53-1)',
      signRaw(author, unsignedMessage({ ...base, seqno: undefined, seqnoHi: 0x0020_0000, seqnoLo: 0 })),
      'RealmFrameError',
    ],
    [
      'message-data-over-limit',
      'a data length of 65,537 (the limit is 65,536), refused from the length field',
      unsignedMessage({ ...base, data: new Uint8Array(0), dataLength: 65_537 }),
      'RealmFrameError',
    ],
    [
      'message-truncated-signature',
      'the last byte of the signature missing',
      good.subarray(0, good.length - 1),
      'RealmFrameError',
    ],
    [
      'message-trailing-byte',
      'one byte after the signature',
      concatBytes([good, Uint8Array.of(0)]),
      'RealmFrameError',
    ],
  ];
  for (const [name, description, bytes, expect] of badMessages)
    add({ name, description, kind: 'pubsub-message', hex: hex(bytes), expect });

  // --- Pub/sub frames ------------------------------------------------------------------------
  const ids = [hello.id, empty.id, unicode.id];
  const validFrames: [string, string, ControlFrame][] = [
    [
      'sub-two-changes',
      'SUB: subscribe to one topic, unsubscribe from another',
      {
        type: 'sub',
        changes: [
          { subscribe: true, topic: 'news' },
          { subscribe: false, topic: 'old/news' },
        ],
      },
    ],
    ['sub-none', 'SUB with no changes', { type: 'sub', changes: [] }],
    ['msg', 'MSG carrying a signed message', { type: 'msg', message: hello.bytes }],
    ['graft', 'GRAFT', { type: 'graft', topic: 'news' }],
    ['prune-unicode', 'PRUNE of a UTF-8 topic', { type: 'prune', topic: 'ニュース/今日' }],
    ['ihave', 'IHAVE with three message ids', { type: 'ihave', topic: 'news', ids }],
    ['iwant', 'IWANT with two message ids', { type: 'iwant', ids: ids.slice(0, 2) }],
    ['iwant-none', 'IWANT with no ids', { type: 'iwant', ids: [] }],
  ];
  for (const [name, description, f] of validFrames) {
    const body = encodeFrame(f);
    add({
      name: `pubsub-${name}`,
      description,
      kind: 'pubsub-frame',
      hex: hex(body),
      expect: 'valid',
      decoded: pubsubFrameJson(f),
    });
  }
  const id0 = hexToBytes(hello.id);
  const badFrames: [string, string, Uint8Array][] = [
    ['pubsub-empty-body', 'a frame body of 0 bytes', new Uint8Array(0)],
    ['pubsub-type-0x00', 'frame type 0x00', Uint8Array.of(0x00)],
    ['pubsub-type-0x07', 'frame type 0x07', str(new Writer(8).u8(0x07), 'news').finish()],
    [
      'pubsub-sub-action-2',
      'SUB with action 2',
      bytesOf((w) => str(w.u8(FrameType.SUB).u16(1).u8(2), 'news')),
    ],
    [
      'pubsub-sub-129-changes',
      'SUB announcing 129 changes (the limit is 128), refused from the count',
      bytesOf((w) => w.u8(FrameType.SUB).u16(129)),
    ],
    [
      'pubsub-sub-truncated',
      'SUB announcing 2 changes and carrying 1',
      bytesOf((w) => str(w.u8(FrameType.SUB).u16(2).u8(1), 'news')),
    ],
    ['pubsub-graft-empty-topic', 'GRAFT of an empty topic', bytesOf((w) => str(w.u8(FrameType.GRAFT), ''))],
    [
      'pubsub-prune-topic-257',
      'PRUNE of a 257-byte topic',
      bytesOf((w) => str(w.u8(FrameType.PRUNE), 'p'.repeat(257))),
    ],
    [
      'pubsub-graft-not-utf8',
      'GRAFT of a topic that is not UTF-8 (a lone continuation byte)',
      bytesOf((w) => str(w.u8(FrameType.GRAFT), Uint8Array.of(0x80))),
    ],
    [
      'pubsub-prune-trailing',
      'PRUNE with one byte after the topic',
      bytesOf((w) => str(w.u8(FrameType.PRUNE), 'news').u8(0)),
    ],
    [
      'pubsub-ihave-short-id',
      'IHAVE whose only id is 15 bytes',
      bytesOf((w) => str(w.u8(FrameType.IHAVE), 'news').u16(1).bytes(id0.subarray(0, 15))),
    ],
    [
      'pubsub-iwant-513-ids',
      'IWANT announcing 513 ids (the limit is 512), refused from the count',
      bytesOf((w) => w.u8(FrameType.IWANT).u16(513)),
    ],
  ];
  for (const [name, description, body] of badFrames)
    add({ name, description, kind: 'pubsub-frame', hex: hex(body), expect: 'RealmFrameError' });

  // --- RPC frames ----------------------------------------------------------------------------
  const validRpc: [string, string, RpcFrame][] = [
    [
      'rpc-request',
      'REQUEST without deadline or token',
      { type: 'request', method: 'realm.echo', deadlineMs: 0, token: undefined, params: { x: [1, 2] } },
    ],
    [
      'rpc-request-token-deadline',
      'REQUEST with a 5 s deadline and a token (opaque bytes to the codec; Rune checks them)',
      {
        type: 'request',
        method: 'files.delete',
        deadlineMs: 5_000,
        token: Uint8Array.of(0xa2, 0x61, 0x70, 0xa0, 0x61, 0x73, 0x40),
        params: { path: '/a' },
      },
    ],
    [
      'rpc-request-null-params',
      'REQUEST whose params are JSON null',
      { type: 'request', method: 'm', deadlineMs: 1, token: undefined, params: null },
    ],
    ['rpc-cancel', 'CANCEL', { type: 'cancel' }],
    [
      'rpc-response-ok',
      'RESPONSE OK with a JSON result',
      { type: 'response', status: 0, result: { ok: true } },
    ],
    [
      'rpc-response-not-found',
      'RESPONSE NOT_FOUND with a message',
      { type: 'response', status: RpcStatus.NOT_FOUND, message: 'no method nope' },
    ],
    [
      'rpc-response-refused',
      'RESPONSE REFUSED with the refusal code missing-token',
      { type: 'response', status: RpcStatus.REFUSED, message: 'token required', refusal: 'missing-token' },
    ],
    [
      'rpc-response-refused-expired',
      "RESPONSE REFUSED with Rune's code expired",
      { type: 'response', status: RpcStatus.REFUSED, message: 'token expired', refusal: 'expired' },
    ],
    ...(
      [
        ['timed-out', 'TIMED_OUT', RpcStatus.TIMED_OUT, 'deadline of 5000 ms passed'],
        ['overloaded', 'OVERLOADED', RpcStatus.OVERLOADED, '32 calls in flight'],
        ['internal', 'INTERNAL', RpcStatus.INTERNAL, 'boom'],
        ['bad-request', 'BAD_REQUEST with an empty message', RpcStatus.BAD_REQUEST, ''],
        ['cancelled', 'CANCELLED', RpcStatus.CANCELLED, 'cancelled by the caller'],
      ] as const
    ).map(([name, what, status, message]): [string, string, RpcFrame] => [
      `rpc-response-${name}`,
      `RESPONSE ${what}`,
      { type: 'response', status, message },
    ]),
  ];
  for (const [name, description, f] of validRpc) {
    add({
      name,
      description,
      kind: 'rpc-frame',
      hex: hex(encodeRpcFrame(f)),
      expect: 'valid',
      decoded: rpcFrameJson(f),
    });
  }
  const request = (o: { method?: Uint8Array | string; tokenLength?: number; params?: Uint8Array }) =>
    bytesOf((w) => {
      str(w.u8(0x01), o.method ?? 'm')
        .u32(0)
        .u32(o.tokenLength ?? 0);
      const p = o.params ?? utf8('{}');
      w.u32(p.length).bytes(p);
    });
  const response = (status: number, body: Uint8Array, refusal?: Uint8Array) =>
    bytesOf((w) => {
      w.u8(0x03).u8(status).u32(body.length).bytes(body);
      if (refusal) str(w, refusal);
    });
  const badRpc: [string, string, Uint8Array][] = [
    ['rpc-empty-body', 'a frame body of 0 bytes', new Uint8Array(0)],
    ['rpc-type-0x04', 'frame type 0x04', Uint8Array.of(0x04)],
    ['rpc-request-empty-method', 'REQUEST with an empty method', request({ method: '' })],
    [
      'rpc-request-method-129',
      'REQUEST with a 129-byte method (the limit is 128)',
      request({ method: 'm'.repeat(129) }),
    ],
    [
      'rpc-request-token-over-limit',
      'REQUEST announcing a token of 65,537 bytes (the limit is 65,536)',
      request({ tokenLength: 65_537 }),
    ],
    ['rpc-request-params-not-json', 'REQUEST whose params are not JSON', request({ params: utf8('{x') })],
    [
      'rpc-request-params-not-utf8',
      'REQUEST whose params are not UTF-8',
      request({ params: Uint8Array.of(0x22, 0xff, 0x22) }),
    ],
    ['rpc-request-truncated', 'REQUEST cut inside the params', request({}).subarray(0, 10)],
    ['rpc-cancel-trailing', 'CANCEL with a byte after it', Uint8Array.of(0x02, 0x00)],
    ['rpc-response-status-8', 'RESPONSE with status 8', response(8, utf8('?'))],
    ['rpc-response-ok-not-json', 'RESPONSE OK whose result is not JSON', response(0, utf8('ok'))],
    [
      'rpc-response-message-not-utf8',
      'RESPONSE INTERNAL whose message is not UTF-8',
      response(RpcStatus.INTERNAL, Uint8Array.of(0xc3)),
    ],
    [
      'rpc-response-refused-no-code',
      'RESPONSE REFUSED without its refusal code',
      response(RpcStatus.REFUSED, utf8('no')),
    ],
    [
      'rpc-response-refusal-65',
      'RESPONSE REFUSED with a 65-byte refusal code (the limit is 64)',
      response(RpcStatus.REFUSED, utf8('no'), utf8('r'.repeat(65))),
    ],
  ];
  for (const [name, description, body] of badRpc)
    add({ name, description, kind: 'rpc-frame', hex: hex(body), expect: 'RealmFrameError' });

  // --- CRDT states, deltas and merges ---------------------------------------------------------
  const r1 = 'a1b2c3d4e5f60718';
  const r2 = 'ffee000011112222.1';
  const states: [string, string, Json][] = [
    [
      'state-gcounter',
      'G-Counter: per-replica counts; the value is their sum',
      { t: 'gcounter', c: { [r1]: 3, [r2]: 4 } },
    ],
    [
      'state-pncounter',
      'PN-Counter: increments p and decrements n; the value is sum(p) - sum(n)',
      { t: 'pncounter', p: { [r1]: 10 }, n: { [r1]: 2, [r2]: 5 } },
    ],
    [
      'state-lww',
      'LWW-Register: value, timestamp (ms) and the writer replica',
      { t: 'lww', v: { title: 'Valhalla', tags: ['a', 'b'] }, ts: 1_800_000_000_000, r: r1 },
    ],
    ['state-lww-unwritten', 'an LWW-Register never written', { t: 'lww', v: null, ts: 0, r: '' }],
    [
      'state-orset',
      'OR-Set: elements (keys in canonical JSON) with their dots, and the causal context (vv + cloud)',
      {
        t: 'orset',
        e: { '"x"': [`${r1}@1`], '{"a":1}': [`${r1}@3`, `${r2}@2`] },
        vv: { [r1]: 3, [r2]: 1 },
        cloud: [`${r2}@3`],
      },
    ],
    [
      'state-orset-normalised',
      'non-canonical input: keys out of order, a dot listed twice, a cloud dot that extends vv (folded into it) and one vv already covers (dropped)',
      JSON.parse(
        `{"vv":{"${r1}":1},"t":"orset","cloud":["${r1}@2","${r1}@1"],"e":{"1":["${r1}@2","${r1}@2"]}}`,
      ) as Json,
    ],
    [
      'state-map',
      'a map: an OR-Set of keys and a CRDT per key (nested maps allowed); a key removed from the set keeps its state hidden',
      {
        t: 'map',
        keys: { t: 'orset', e: { '"hits"': [`${r1}@1`], '"meta"': [`${r1}@2`] }, vv: { [r1]: 3 }, cloud: [] },
        v: {
          hits: { t: 'gcounter', c: { [r1]: 9 } },
          meta: { t: 'map', keys: { t: 'orset', e: {}, vv: {}, cloud: [] }, v: {} },
          gone: { t: 'lww', v: 'hidden', ts: 5, r: r1 },
        },
      },
    ],
  ];
  for (const [name, description, s] of states) {
    const json = name === 'state-orset-normalised' ? JSON.stringify(s) : canonicalJson(s);
    add({ name, description, kind: 'crdt-state', json, expect: 'valid', decoded: stateJson(json, crypto) });
  }
  const nest = (depth: number): Json =>
    depth === 0
      ? { t: 'gcounter', c: {} }
      : { t: 'map', keys: { t: 'orset', e: {}, vv: {}, cloud: [] }, v: { k: nest(depth - 1) } };
  const badStates: [string, string, string][] = [
    ['state-not-object', 'a JSON array', '[1,2]'],
    ['state-unknown-type', 'type "mvreg"', '{"t":"mvreg"}'],
    ['state-gcounter-negative', 'a negative count', `{"t":"gcounter","c":{"${r1}":-1}}`],
    ['state-gcounter-fraction', 'a count of 1.5', `{"t":"gcounter","c":{"${r1}":1.5}}`],
    ['state-gcounter-unsafe', 'a count of 2^53', `{"t":"gcounter","c":{"${r1}":9007199254740992}}`],
    ['state-gcounter-bad-replica', 'a replica id with "@" in it', '{"t":"gcounter","c":{"a@b":1}}'],
    ['state-pncounter-missing-n', 'a PN-Counter without n', `{"t":"pncounter","p":{"${r1}":1}}`],
    ['state-lww-negative-ts', 'a negative timestamp', `{"t":"lww","v":1,"ts":-1,"r":"${r1}"}`],
    ['state-lww-no-value', 'an LWW-Register without v', `{"t":"lww","ts":1,"r":"${r1}"}`],
    ['state-lww-bad-replica', 'a writer id with a space', '{"t":"lww","v":1,"ts":1,"r":"a b"}'],
    [
      'state-orset-noncanonical-element',
      'an element key that is not canonical JSON',
      `{"t":"orset","e":{"{\\"b\\":1,\\"a\\":2}":["${r1}@1"]},"vv":{"${r1}":1},"cloud":[]}`,
    ],
    ['state-orset-dot-no-at', 'a dot without "@"', `{"t":"orset","e":{"1":["${r1}"]},"vv":{},"cloud":[]}`],
    ['state-orset-dot-zero', 'a dot with counter 0', `{"t":"orset","e":{},"vv":{},"cloud":["${r1}@0"]}`],
    [
      'state-map-keys-not-orset',
      'a map whose keys are a G-Counter',
      '{"t":"map","keys":{"t":"gcounter","c":{}},"v":{}}',
    ],
    ['state-map-too-deep', 'maps nested 9 deep (the limit is 8)', canonicalJson(nest(9))],
  ];
  for (const [name, description, json] of badStates)
    add({ name, description, kind: 'crdt-state', json, expect: 'CrdtDecodeError' });

  const delta = { t: 'pncounter', p: {}, n: { [r1]: 1 } } as const;
  for (const [name, description, key] of [
    ['delta-pncounter', 'a delta on key "stock": one decrement', 'stock'],
    ['delta-unicode-key', 'a delta on a UTF-8 key', 'ключ/🔑'],
  ] as const) {
    const bytes = encodeDelta(key, decodeState(delta));
    add({
      name,
      description,
      kind: 'crdt-delta',
      hex: hex(bytes),
      expect: 'valid',
      decoded: deltaJson(bytes),
    });
  }
  const badDeltas: [string, string, Uint8Array][] = [
    ['delta-not-json', 'data that is not JSON', utf8('{"key":')],
    ['delta-not-utf8', 'data that is not UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d)],
    ['delta-key-not-string', 'a numeric key', utf8(`{"key":1,"delta":${canonicalJson(delta)}}`)],
    ['delta-no-delta', 'no delta', utf8('{"key":"k"}')],
    [
      'delta-bad-state',
      'a delta that is not a valid state',
      utf8('{"key":"k","delta":{"t":"gcounter","c":{"x":-2}}}'),
    ],
  ];
  for (const [name, description, bytes] of badDeltas)
    add({ name, description, kind: 'crdt-delta', hex: hex(bytes), expect: 'CrdtDecodeError' });

  const merges: [string, string, Json, Json][] = [
    [
      'merge-gcounter',
      'G-Counter: per-replica maximum',
      { t: 'gcounter', c: { [r1]: 3, [r2]: 1 } },
      { t: 'gcounter', c: { [r1]: 2, [r2]: 5 } },
    ],
    [
      'merge-lww-tie',
      'LWW-Register: equal timestamps, the greater replica id wins',
      { t: 'lww', v: 'from r1', ts: 100, r: r1 },
      { t: 'lww', v: 'from r2', ts: 100, r: r2 },
    ],
    [
      'merge-orset-add-wins',
      'OR-Set: r1 removed "x" (its context covers r1@1) while r2 added it again (r2@1): the add wins',
      { t: 'orset', e: {}, vv: { [r1]: 1 }, cloud: [] },
      { t: 'orset', e: { '"x"': [`${r1}@1`, `${r2}@1`] }, vv: { [r1]: 1, [r2]: 1 }, cloud: [] },
    ],
    [
      'merge-map-type-conflict',
      'a map key holding a different type on each side: the type whose name sorts last wins (pncounter over lww)',
      {
        t: 'map',
        keys: { t: 'orset', e: { '"k"': [`${r1}@1`] }, vv: { [r1]: 1 }, cloud: [] },
        v: { k: { t: 'lww', v: 1, ts: 1, r: r1 } },
      },
      {
        t: 'map',
        keys: { t: 'orset', e: { '"k"': [`${r2}@1`] }, vv: { [r2]: 1 }, cloud: [] },
        v: { k: { t: 'pncounter', p: { [r2]: 2 }, n: {} } },
      },
    ],
  ];
  for (const [name, description, a, b] of merges) {
    const [ta, tb] = [canonicalJson(a), canonicalJson(b)];
    add({ name, description, kind: 'crdt-merge', a: ta, b: tb, expect: 'valid', decoded: mergeJson(ta, tb) });
  }

  const ident = (id: Identity, byte: number) => ({
    seed: hex(seed(byte)),
    publicKey: hex(id.publicKey),
    nodeId: id.nodeId.toString(),
  });
  return {
    description:
      'Valhalla Realm wire formats (conformance/spec/realm.md section 5): frames, pub/sub frames and signed messages, RPC frames, CRDT states, deltas and merges. "expect" is "valid", the error class the decoder must throw, or "bad-signature". Generated by stack/realm/testing/vectors.ts from fixed seeds.',
    version: 1,
    identities: { author: ident(author, SEEDS.author), mallory: ident(mallory, SEEDS.mallory) },
    vectors,
  };
}
