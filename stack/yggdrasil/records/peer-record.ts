/**
 * Peer records: a node's signed statement "NodeID N, public key P, reachable at these addresses,
 * as of sequence number S". Layout (spec section 4.1):
 *
 *   nodeId(32) publicKey(32) seq(u64) addrCount(1) [addrLen(1) addr]* signature(64)
 *
 * The signature covers DOMAIN_PEER_RECORD || 0x00 || every byte before the signature. A record is
 * valid when the signature verifies under publicKey and nodeId = SHA-256(publicKey); nobody but the
 * key's owner can make one. Rollback is prevented by the holder: a record with a lower or equal seq
 * than the one held never replaces it. Owners use the wall clock in ms as seq (see nextSeq), so a
 * restarted node with the same identity still moves forward.
 *
 * The record keeps its encoded bytes, so re-sending it costs a copy. Decoded records are views
 * into the message until retain() gives them a private copy.
 */
import type { CryptoBackend, SigningKey } from '../../crypto/types.js';
import { DOMAIN_PEER_RECORD, NODE_ID_SIZE, PUBLIC_KEY_SIZE, SIGNATURE_SIZE } from '../constants.js';
import { InvalidRecordError } from '../errors.js';
import { equalBytes, type Reader, toHex, Writer } from '../rpc/bytes.js';
import { readAddresses, writeAddresses } from './addresses.js';
import { signFields, verifyFields } from './signing.js';

/**
 * Retained records are copied into shared 16 KiB slabs rather than each into its own buffer: a
 * small ArrayBuffer costs about as much in bookkeeping (object, backing store) as the ~200 bytes it
 * holds, and a 10,000-node simulation keeps 1.4 million records. A slab lives while any record in
 * it does; tables change slowly, so little is pinned for nothing. (Module state, but only an
 * allocation strategy: it decides nothing and makes nothing observable.)
 */
const SLAB_SIZE = 16 * 1024; // bytes
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

function slabCopy(src: Uint8Array): Uint8Array {
  if (src.length > SLAB_SIZE / 8) return src.slice();
  if (slabUsed + src.length > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + src.length);
  out.set(src);
  slabUsed += src.length;
  return out;
}

/**
 * What retained records of one node share: its NodeID text and bytes, and its latest address list
 * while it does not change. Routing tables, replacement caches and sessions of a 10,000-node
 * simulation hold 1.4 million records of 10,000 nodes; a private copy of each (a 64-character
 * string, a typed array, an array of strings) cost ~250 bytes a record. Same kind of module state
 * as the slab: it decides nothing (equal text either way) and starts over past SHARED_MAX ids.
 */
interface Shared {
  readonly idHex: string;
  readonly nodeId: Uint8Array;
  addrs: readonly string[];
}
const SHARED_MAX = 1 << 17; // distinct NodeIDs remembered
let shared = new Map<string, Shared>();

function sameAddrs(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sharedOf(idHex: string, nodeId: Uint8Array, addrs: readonly string[]): Shared {
  let e = shared.get(idHex);
  if (e === undefined) {
    if (shared.size >= SHARED_MAX) shared = new Map();
    // Its own copy of the id: a view would pin the 16 KiB slab of the first record retained.
    e = { idHex, nodeId: nodeId.slice(), addrs };
    shared.set(idHex, e);
  } else if (!sameAddrs(e.addrs, addrs)) {
    e.addrs = addrs;
  }
  return e;
}

export class PeerRecord {
  /**
   * Trusted for dialing: its signature and NodeID binding were checked here, or it came from its
   * owner over a Veil session authenticated with the same key (HELLO).
   */
  verified = false;

  private constructor(
    /** The full wire form, signature included (a view into a message until retain()). */
    readonly encoded: Uint8Array,
    readonly nodeId: Uint8Array,
    /** Lower-case hex of nodeId: the key of every map that holds peers. */
    readonly idHex: string,
    readonly seq: number,
    readonly addrs: readonly string[],
    /** True when encoded is a private copy rather than a view into a received message. */
    private readonly owned: boolean,
  ) {}

  /**
   * This record with its bytes in a private buffer: what anything that keeps a record beyond the
   * handling of one message (the routing table, a session) must hold, so that it does not pin the
   * whole response the record arrived in. Decoding does not copy, because most contacts in a
   * response are looked at once and dropped.
   */
  retain(): PeerRecord {
    if (this.owned) return this;
    const encoded = slabCopy(this.encoded);
    const s = sharedOf(this.idHex, this.nodeId, this.addrs);
    const copy = new PeerRecord(encoded, s.nodeId, s.idHex, this.seq, s.addrs, true);
    copy.verified = this.verified;
    return copy;
  }

  get publicKey(): Uint8Array {
    return this.encoded.subarray(NODE_ID_SIZE, NODE_ID_SIZE + PUBLIC_KEY_SIZE);
  }

  get signature(): Uint8Array {
    return this.encoded.subarray(this.encoded.length - SIGNATURE_SIZE);
  }

  /** Read one record from r (structure only; call verifyPeerRecord before trusting it). */
  static read(r: Reader): PeerRecord {
    const start = r.offset;
    r.bytesView(NODE_ID_SIZE, 'peer record nodeId');
    r.bytesView(PUBLIC_KEY_SIZE, 'peer record publicKey');
    const seq = r.u64('peer record seq');
    const addrs = readAddresses(r, 'peer record');
    r.bytesView(SIGNATURE_SIZE, 'peer record signature');
    const encoded = r.viewRange(start, r.offset);
    const nodeId = encoded.subarray(0, NODE_ID_SIZE);
    return new PeerRecord(encoded, nodeId, toHex(nodeId), seq, addrs, false);
  }

  /** Sign a record for our own identity. */
  static create(
    identity: { nodeId: Uint8Array; signingKey: SigningKey },
    seq: number,
    addrs: readonly string[],
  ): PeerRecord {
    const w = new Writer(160);
    w.bytes(identity.nodeId).bytes(identity.signingKey.publicKey).u64(seq);
    writeAddresses(w, addrs);
    const fields = w.finish().slice();
    const signature = signFields(identity.signingKey, DOMAIN_PEER_RECORD, fields);
    const encoded = new Uint8Array(fields.length + SIGNATURE_SIZE);
    encoded.set(fields);
    encoded.set(signature, fields.length);
    const nodeId = encoded.subarray(0, NODE_ID_SIZE);
    const record = new PeerRecord(encoded, nodeId, toHex(nodeId), seq, [...addrs], true);
    record.verified = true;
    return record;
  }

  write(w: Writer): void {
    w.bytes(this.encoded);
  }
}

/**
 * Check a record's signature and NodeID binding once; remembers success on the record. Throws
 * InvalidRecordError when either fails.
 */
export function verifyPeerRecord(crypto: CryptoBackend, record: PeerRecord): void {
  if (record.verified) return;
  const fields = record.encoded.subarray(0, record.encoded.length - SIGNATURE_SIZE);
  if (!equalBytes(crypto.sha256(record.publicKey), record.nodeId)) {
    throw new InvalidRecordError(
      `peer record ${record.idHex.slice(0, 16)}: nodeId is not SHA-256(publicKey)`,
    );
  }
  if (!verifyFields(crypto, record.publicKey, DOMAIN_PEER_RECORD, fields, record.signature)) {
    throw new InvalidRecordError(`peer record ${record.idHex.slice(0, 16)}: signature does not verify`);
  }
  record.verified = true;
}

/** True when candidate should replace held (rollback rule: strictly higher seq only). */
export function isNewer(candidate: PeerRecord, held: PeerRecord | undefined): boolean {
  return held === undefined || candidate.seq > held.seq;
}

/** The seq for a new record of ours: the wall clock in ms, and always above the last one. */
export function nextSeq(wallNowMs: number, lastSeq: number): number {
  return Math.max(Math.floor(wallNowMs), lastSeq + 1);
}
