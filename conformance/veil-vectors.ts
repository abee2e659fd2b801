/**
 * Veil handshake vectors (conformance/spec/veil.md §8): generated from fixed keys by this module
 * and checked by it, both ways. Generation records what our implementation produces; checking
 * recomputes every byte from the inputs and, on the receiving side, feeds the *file's* bytes to
 * the receiver, so a file edited by hand or produced by another implementation is checked in both
 * directions. `writeVeilVectorFile` regenerates conformance/vectors/veil-handshake.json.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { FrameType } from '../stack/bifrost/constants.js';
import { decodeFrames, encodeFrame } from '../stack/bifrost/index.js';
import { defaultCrypto } from '../stack/crypto/index.js';
import type { CryptoBackend } from '../stack/crypto/types.js';
import { Identity } from '../stack/identity/identity.js';
import { type AuthenticatedPeer, authenticatePeer, buildLocalPayload } from '../stack/veil/auth.js';
import { VEIL_PROLOGUE } from '../stack/veil/constants.js';
import { HandshakeState, NOISE_XX_PROTOCOL_NAME } from '../stack/veil/noise/handshake-state.js';
import { TransportCipher } from '../stack/veil/transport.js';
import { VectorFileError, type VectorFileReport, VectorMismatchError } from './noise-vectors.js';
import { payloadCases } from './veil-payload-cases.js';

export interface SideInput {
  identity_seed: string;
  static_private: string;
  ephemeral_private: string;
  listen_addrs: string[];
  rekey_after_messages: number;
}

export interface TransportVector {
  from: 'initiator' | 'responder';
  plaintext: string;
  frame: string;
}

export interface ValidCase {
  name: string;
  initiator: SideInput;
  responder: SideInput;
  expected: {
    initiator_node_id: string;
    responder_node_id: string;
    initiator_payload: string;
    responder_payload: string;
    /** The three handshake messages as complete Bifrost frames. */
    frames: string[];
    handshake_hash: string;
  };
  transport: TransportVector[];
}

export interface PayloadCase {
  name: string;
  remote_static: string;
  payload: string;
  valid: boolean;
  /** Valid cases: the NodeID the payload authenticates. Invalid: the error class name. */
  node_id?: string;
  error?: string;
}

export interface VeilVectorFile {
  protocol_name: string;
  prologue: string;
  valid: ValidCase[];
  payloads: PayloadCase[];
}

export const VEIL_VECTOR_PATH = 'conformance/vectors/veil-handshake.json';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const fill = (byte: number): string => hex(new Uint8Array(32).fill(byte));
const text = (s: string): string => hex(new TextEncoder().encode(s));

/** The fixed inputs: keys are repeated bytes so a reader can tell them apart in a hex dump. */
function caseInputs(): Omit<ValidCase, 'expected'>[] {
  const plan = (froms: ('i' | 'r')[]): TransportVector[] =>
    froms.map((f, k) => ({
      from: f === 'i' ? 'initiator' : 'responder',
      plaintext: text(`${f === 'i' ? 'ping' : 'pong'} ${k}`),
      frame: '',
    }));
  return [
    {
      name: 'basic: rekey every 2 messages initiator-to-responder, every 3 back',
      initiator: side(0x11, 0x12, 0x13, [], 2),
      responder: side(0x21, 0x22, 0x23, ['10.0.0.2:7000', '[fd00::2]:7000'], 3),
      transport: plan(['i', 'i', 'i', 'r', 'r', 'r', 'r', 'i', 'r', 'i']),
    },
    {
      name: 'both sides announce addresses, default rekey interval',
      initiator: side(0x31, 0x32, 0x33, ['192.0.2.1:4000'], 1 << 20),
      responder: side(0x41, 0x42, 0x43, ['198.51.100.7:4000'], 1 << 20),
      transport: plan(['i', 'r', 'i']),
    },
  ];
}

function side(seed: number, stat: number, eph: number, listenAddrs: string[], rekey: number): SideInput {
  return {
    identity_seed: fill(seed),
    static_private: fill(stat),
    ephemeral_private: fill(eph),
    listen_addrs: listenAddrs,
    rekey_after_messages: rekey,
  };
}

interface Party {
  identity: Identity;
  noise: HandshakeState;
  payload: Uint8Array;
  input: SideInput;
}

function party(crypto: CryptoBackend, input: SideInput, initiator: boolean): Party {
  const identity = new Identity(unhex(input.identity_seed), crypto);
  const staticKey = crypto.x25519(unhex(input.static_private));
  const noise = new HandshakeState({
    crypto,
    initiator,
    prologue: new TextEncoder().encode(VEIL_PROLOGUE),
    staticKey,
    ephemeralKey: unhex(input.ephemeral_private),
  });
  const payload = buildLocalPayload(identity, staticKey.publicKey, {
    listenAddrs: input.listen_addrs,
    rekeyAfterMessages: input.rekey_after_messages,
  });
  return { identity, noise, payload, input };
}

/**
 * Run one case. Without `given`, returns what we produce. With it, every value we produce must
 * equal the given one, and every receiver reads the given bytes rather than ours.
 */
function runCase(crypto: CryptoBackend, c: Omit<ValidCase, 'expected'>, given?: ValidCase): ValidCase {
  const check = (what: string, ours: string, theirs: string | undefined): string => {
    if (theirs !== undefined && ours !== theirs)
      throw new VectorMismatchError(`${what}: expected ${theirs}, got ${ours}`);
    return theirs ?? ours;
  };
  const i = party(crypto, c.initiator, true);
  const r = party(crypto, c.responder, false);
  const frames: string[] = [];
  const peers: AuthenticatedPeer[] = [];
  const writer = [i, r, i];
  for (let m = 0; m < 3; m++) {
    const [from, to] = m % 2 === 0 ? [i, r] : [r, i];
    const ours = encodeFrame(
      FrameType.HANDSHAKE,
      from.noise.writeMessage(m === 0 ? new Uint8Array(0) : writer[m].payload),
    );
    const wire = check(`handshake frame ${m + 1}`, hex(ours), given?.expected.frames[m]);
    frames.push(wire);
    const [frame] = decodeFrames(unhex(wire));
    const payload = to.noise.readMessage(frame.payload);
    if (m === 0 && payload.length !== 0) throw new VectorMismatchError('message 1 payload must be empty');
    if (m > 0) peers.push(authenticatePeer(crypto, payload, to.noise.remoteStaticKey!));
  }
  const [responderSeen, initiatorSeen] = peers;
  check(
    'responder node id (as authenticated)',
    responderSeen.nodeId.toString(),
    r.identity.nodeId.toString(),
  );
  check(
    'initiator node id (as authenticated)',
    initiatorSeen.nodeId.toString(),
    i.identity.nodeId.toString(),
  );
  check(
    'handshake hash (responder vs initiator)',
    hex(r.noise.getHandshakeHash()),
    hex(i.noise.getHandshakeHash()),
  );
  const expected = {
    initiator_node_id: check(
      'initiator node id',
      i.identity.nodeId.toString(),
      given?.expected.initiator_node_id,
    ),
    responder_node_id: check(
      'responder node id',
      r.identity.nodeId.toString(),
      given?.expected.responder_node_id,
    ),
    initiator_payload: check('initiator payload', hex(i.payload), given?.expected.initiator_payload),
    responder_payload: check('responder payload', hex(r.payload), given?.expected.responder_payload),
    frames,
    handshake_hash: check('handshake hash', hex(i.noise.getHandshakeHash()), given?.expected.handshake_hash),
  };
  const ik = i.noise.transportKeys();
  const rk = r.noise.transportKeys();
  // Each direction rekeys at the interval its sender announced, as the receiver read it from the payload.
  const iSend = new TransportCipher(ik.send, c.initiator.rekey_after_messages);
  const rRecv = new TransportCipher(rk.recv, initiatorSeen.rekeyAfterMessages);
  const rSend = new TransportCipher(rk.send, c.responder.rekey_after_messages);
  const iRecv = new TransportCipher(ik.recv, responderSeen.rekeyAfterMessages);
  const transport = c.transport.map((t, k) => {
    const [send, recv] = t.from === 'initiator' ? [iSend, rRecv] : [rSend, iRecv];
    const ours = hex(encodeFrame(FrameType.TRANSPORT, send.encrypt(unhex(t.plaintext))));
    const wire = check(`transport frame ${k + 1}`, ours, given?.transport[k]?.frame);
    const [frame] = decodeFrames(unhex(wire));
    check(`transport frame ${k + 1} decrypted`, hex(recv.decrypt(frame.payload)), t.plaintext);
    return { from: t.from, plaintext: t.plaintext, frame: wire };
  });
  return { name: c.name, initiator: c.initiator, responder: c.responder, expected, transport };
}

/** The whole vector file, computed with one backend. */
export function generateVeilVectors(crypto: CryptoBackend = defaultCrypto()): VeilVectorFile {
  return {
    protocol_name: NOISE_XX_PROTOCOL_NAME,
    prologue: text(VEIL_PROLOGUE),
    valid: caseInputs().map((c) => runCase(crypto, c)),
    payloads: payloadCases(crypto),
  };
}

export function writeVeilVectorFile(path = VEIL_VECTOR_PATH, crypto?: CryptoBackend): void {
  writeFileSync(path, `${JSON.stringify(generateVeilVectors(crypto), null, 2)}\n`);
}

/** Check every case of a vector file. Throws VectorFileError when the file cannot be read. */
export function runVeilVectorFile(path: string, opts: { crypto?: CryptoBackend } = {}): VectorFileReport {
  const crypto = opts.crypto ?? defaultCrypto();
  let file: VeilVectorFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new VectorFileError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(file?.valid) || !Array.isArray(file?.payloads)) {
    throw new VectorFileError(`${path}: expected "valid" and "payloads" arrays`);
  }
  const report: VectorFileReport = { results: [], passed: 0, failed: 0, skipped: 0 };
  const record = (name: string, body: () => void): void => {
    try {
      body();
      report.results.push({ name, ok: true });
      report.passed++;
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      report.results.push({ name, ok: false, error });
      report.failed++;
    }
  };
  record('prologue', () => {
    if (file.prologue !== text(VEIL_PROLOGUE))
      throw new VectorMismatchError(`prologue: got ${file.prologue}`);
  });
  for (const c of file.valid) record(`valid: ${c.name}`, () => runCase(crypto, c, c));
  for (const p of file.payloads) record(`payload: ${p.name}`, () => checkPayloadCase(crypto, p));
  return report;
}

function checkPayloadCase(crypto: CryptoBackend, p: PayloadCase): void {
  let outcome: { nodeId?: string; error?: string };
  try {
    outcome = {
      nodeId: authenticatePeer(crypto, unhex(p.payload), unhex(p.remote_static)).nodeId.toString(),
    };
  } catch (err) {
    outcome = { error: err instanceof Error ? err.name : String(err) };
  }
  if (p.valid && (outcome.error !== undefined || outcome.nodeId !== p.node_id)) {
    throw new VectorMismatchError(
      `expected acceptance as ${p.node_id}, got ${outcome.nodeId ?? outcome.error}`,
    );
  }
  if (!p.valid && outcome.error !== p.error) {
    throw new VectorMismatchError(
      `expected ${p.error}, got ${outcome.error ?? `acceptance as ${outcome.nodeId}`}`,
    );
  }
}
