/**
 * Streams for application protocols (Saga, Realm, TUN, ...) to a peer named by NodeID alone: on
 * the session we already have with it, or else found through the DHT (its signed peer record),
 * dialed with its NodeID checked by the handshake, and the stream opened there. The stream is
 * returned once the peer has taken it, so a refusal is an error of openAppStream, not a surprise
 * on the first write.
 */
import type { Connection } from '../runtime.js';
import type { DhtCore } from './core.js';
import {
  InvalidRecordError,
  LimitError,
  PeerUnreachableError,
  ProtocolRefusedError,
  StreamOpenTimeoutError,
  UnreachableError,
} from './errors.js';
import { findNode } from './query/find-node.js';
import type { PeerRecord } from './records/peer-record.js';
import { toHex } from './rpc/bytes.js';
import type { PeerSession } from './sessions.js';
import { refusedByPeer, type VeilStream } from './veil-port.js';

/** Who is at the other end of a stream, as the Noise handshake authenticated it. */
export interface StreamPeer {
  /** NodeID, canonical text (64 lowercase hex). */
  nodeId: string;
  /** The peer's Ed25519 identity key (nodeId is its SHA-256). */
  identityKey: Uint8Array;
}

export function streamPeer(ps: PeerSession): StreamPeer {
  return { nodeId: ps.idHex, identityKey: ps.veil.remoteIdentityKey };
}

/**
 * Open a stream for protocol to the node target (32 bytes). Rejects with PeerUnreachableError
 * (not found, or no address answered), ProtocolRefusedError, StreamOpenTimeoutError, or
 * LimitError (a local session limit).
 */
export function openAppStream(
  core: DhtCore,
  target: Uint8Array,
  protocol: string,
  timeoutMs: number,
): Promise<Connection> {
  const idHex = toHex(target);
  const short = idHex.slice(0, 16);
  if (idHex === core.selfIdHex) {
    return Promise.reject(
      new PeerUnreachableError(`${short} is this node: open the protocol locally instead`),
    );
  }
  return new Promise<Connection>((resolve, reject) => {
    let done = false;
    let opened: VeilStream | undefined;
    const timer = core.runtime.clock.setTimer(timeoutMs, () => {
      if (done) return;
      done = true;
      core.runtime.metrics.count('app.stream.open_timeout');
      const err = new StreamOpenTimeoutError(`no stream for ${protocol} to ${short} within ${timeoutMs} ms`);
      opened?.close(err);
      reject(err);
    });
    const settle = (err: unknown, stream?: Connection): void => {
      if (done) {
        // Too late: the caller has its timeout error already; do not leave the stream open.
        stream?.close();
        return;
      }
      done = true;
      timer.cancel();
      if (stream) resolve(stream);
      else reject(err);
    };
    open(core, target, idHex, protocol, (s) => {
      opened = s;
      return !done;
    }).then(
      (stream) => settle(undefined, stream),
      (err) => settle(err),
    );
  });
}

async function open(
  core: DhtCore,
  target: Uint8Array,
  idHex: string,
  protocol: string,
  onOpened: (stream: VeilStream) => boolean,
): Promise<Connection> {
  const ps = core.pool.get(idHex) ?? (await connect(core, target, idHex));
  let stream: VeilStream;
  try {
    stream = ps.veil.openStream(protocol);
  } catch (err) {
    // The session closed between the pool handing it out and now: one fresh dial.
    if (!ps.veil.closed) throw err;
    const again = await connect(core, target, idHex);
    return accepted(core, again, again.veil.openStream(protocol), protocol, onOpened);
  }
  return accepted(core, ps, stream, protocol, onOpened);
}

async function accepted(
  core: DhtCore,
  ps: PeerSession,
  stream: VeilStream,
  protocol: string,
  onOpened: (stream: VeilStream) => boolean,
): Promise<Connection> {
  if (!onOpened(stream)) {
    stream.close();
    return stream;
  }
  core.pool.trackOutbound(ps, stream);
  core.runtime.metrics.count('app.stream.opened');
  try {
    await stream.whenAccepted();
  } catch (err) {
    const short = ps.idHex.slice(0, 16);
    if (refusedByPeer(err)) {
      core.runtime.metrics.count('app.stream.refused');
      throw new ProtocolRefusedError(
        `${short} refused a stream for ${protocol}: it does not handle that protocol (or is at its stream limit)`,
        { cause: err },
      );
    }
    throw new PeerUnreachableError(
      `the session to ${short} ended before it took the stream: ${(err as Error).name}`,
      { cause: err },
    );
  }
  return stream;
}

/** A session to target: from the record in our table if we have one, else through a lookup. */
async function connect(core: DhtCore, target: Uint8Array, idHex: string): Promise<PeerSession> {
  const short = idHex.slice(0, 16);
  const known = core.table.get(idHex)?.record;
  let lastError: unknown;
  if (known) {
    try {
      return await dial(core, known);
    } catch (err) {
      if (err instanceof LimitError) throw err;
      lastError = err; // its addresses may have changed: ask the DHT for its current record
    }
  }
  const r = await findNode(core, target);
  if (!r.peer) {
    throw new PeerUnreachableError(
      lastError
        ? `${short} did not answer at its known addresses and a lookup did not find it`
        : `${short} not found through the DHT (asked ${r.queries} peers)`,
      { cause: lastError },
    );
  }
  // The lookup may have connected already (the target answered it).
  const ps = core.pool.get(idHex);
  return ps ?? dial(core, r.peer);
}

async function dial(core: DhtCore, record: PeerRecord): Promise<PeerSession> {
  if (!core.verifies(record)) {
    throw new PeerUnreachableError(`the record of ${record.idHex.slice(0, 16)} does not verify`, {
      cause: new InvalidRecordError('bad signature'),
    });
  }
  try {
    return await core.pool.connect(record);
  } catch (err) {
    if (err instanceof UnreachableError) {
      throw new PeerUnreachableError(`${record.idHex.slice(0, 16)}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
