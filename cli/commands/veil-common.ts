/**
 * What `valhalla veil listen` and `valhalla veil dial` share: turning flags into an identity, a
 * live Runtime and a peer address, and the two stream services a listener offers (echo and sink).
 * The services are plain application code over the Connection interface of a Veil stream; the
 * benchmarks speak the same sink protocol from their side.
 */

import { createLiveRuntime, LiveLogger, LiveRng, type LiveRuntime } from '../../live/index.js';
import { generateIdentity, type Identity, NodeId, NodeIdError } from '../../stack/identity/index.js';
import { type Address, AddressError, type Connection, parseAddress } from '../../stack/runtime.js';
import { type Parsed, stringFlag } from '../args.js';
import type { Io } from '../command.js';
import { UsageError } from '../errors.js';
import { readIdentityFile } from '../identity-file.js';

/** Sink mode: the listener answers a finished stream with the count of bytes it received. */
export const SINK_COUNT_SIZE = 8; // bytes: u64 big-endian count of payload bytes received

/** The identity from --identity, or a fresh ephemeral one (announced on stderr). */
export function identityFromFlags(parsed: Parsed, io: Io): { identity: Identity; ephemeral: boolean } {
  const file = stringFlag(parsed, 'identity');
  if (file !== undefined && file !== '') return { identity: readIdentityFile(file), ephemeral: false };
  const identity = generateIdentity(new LiveRng());
  io.err(
    `no --identity given: using an ephemeral identity ${identity.nodeId.toString()} (gone when this process exits)\n`,
  );
  return { identity, ephemeral: true };
}

/** A "host:port" flag or positional, checked at the edge. */
export function addressArg(text: string | undefined, what: string, usage: string): Address {
  if (text === undefined || text === '') throw new UsageError(`missing ${what}\nUsage: ${usage}`);
  try {
    parseAddress(text);
  } catch (err) {
    if (err instanceof AddressError) throw new UsageError(`${what}: ${err.message}`);
    throw err;
  }
  return text;
}

/** --expect NODEID: the canonical 64-character lowercase hex form. */
export function nodeIdArg(text: string | undefined, flag: string): NodeId | undefined {
  if (text === undefined) return undefined;
  try {
    return NodeId.parse(text);
  } catch (err) {
    if (err instanceof NodeIdError) throw new UsageError(`--${flag}: ${err.message}`);
    throw err;
  }
}

/** A live Runtime whose log lines go to stderr: warnings only, unless --verbose. */
export function commandRuntime(verbose: boolean): LiveRuntime {
  return createLiveRuntime({ logger: new LiveLogger({ level: verbose ? 'debug' : 'warn' }) });
}

/** Resolves on the first SIGINT or SIGTERM (and then forgets both handlers). */
export function untilSignal(): { done: Promise<NodeJS.Signals>; cancel(): void } {
  let cancel = () => {};
  const done = new Promise<NodeJS.Signals>((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      cancel();
      resolve(signal);
    };
    cancel = () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  return { done, cancel };
}

/**
 * Echo: every byte read is written back on the same stream; the peer's end is answered with
 * ours. Reading pauses while the echo is backed up, so a fast sender is slowed to our pace
 * instead of growing our memory.
 */
export function serveEcho(stream: Connection): void {
  stream.setHandler({
    onData(chunk) {
      if (!stream.write(chunk)) stream.pause();
    },
    onDrain() {
      stream.resume();
    },
    onEnd() {
      stream.end();
    },
  });
}

/**
 * Sink: count the bytes of the stream and, when the peer ends it, answer with the count
 * (SINK_COUNT_SIZE bytes, big-endian) and end. The throughput benchmarks time a transfer up to
 * this answer, so the clock stops only once every byte has reached the receiving application.
 */
export function serveSink(stream: Connection): void {
  let received = 0;
  stream.setHandler({
    borrowsChunks: true, // it only counts: the stream may lend it the session's decryption buffer
    onData(chunk) {
      received += chunk.length;
    },
    onEnd() {
      stream.write(encodeCount(received));
      stream.end();
    },
  });
}

export function encodeCount(n: number): Uint8Array {
  const out = new Uint8Array(SINK_COUNT_SIZE);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** The count in a sink's answer; throws SinkAnswerError unless it is exactly SINK_COUNT_SIZE bytes. */
export function decodeCount(bytes: Uint8Array): number {
  if (bytes.length !== SINK_COUNT_SIZE) {
    throw new SinkAnswerError(`sink answer: expected ${SINK_COUNT_SIZE} bytes, got length=${bytes.length}`);
  }
  return Number(new DataView(bytes.buffer, bytes.byteOffset, SINK_COUNT_SIZE).getBigUint64(0));
}

/** A sink answered with something other than an 8-byte count. */
export class SinkAnswerError extends Error {
  override name = 'SinkAnswerError';
}

/** Concatenate chunks (the answers here are small). */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
