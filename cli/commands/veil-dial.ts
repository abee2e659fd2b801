/**
 * `valhalla veil dial`: connect to a Veil listener over TCP, complete the handshake (optionally
 * insisting on the peer's NodeID), open N streams, send a message on each and check that the
 * echo comes back unchanged. Exit 0 when every stream echoed; exit 1 with the error's name
 * (PeerIdMismatchError, HandshakeTimeoutError, ConnectionRefusedError, EchoMismatchError, ...)
 * otherwise.
 */

import { FrameError, RemoteCloseError } from '../../stack/bifrost/errors.js';
import { CryptoError } from '../../stack/crypto/errors.js';
import { nodeIdToAddress } from '../../stack/identity/index.js';
import { type Clock, NetError } from '../../stack/runtime.js';
import { NoiseError, VeilError } from '../../stack/veil/errors.js';
import { MuxError } from '../../stack/veil/mux-errors.js';
import type { VeilSession } from '../../stack/veil/session.js';
import { Veil } from '../../stack/veil/veil.js';
import { intFlag, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { EXIT_CHECK_FAILED } from '../errors.js';
import { addressArg, commandRuntime, concat, identityFromFlags, nodeIdArg } from './veil-common.js';

const USAGE =
  'valhalla veil dial HOST:PORT [--expect NODEID] [--streams N] [--message TEXT] [--identity FILE] [--json]';
const DEFAULT_MESSAGE = 'hello over veil';
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_STREAMS = 1024; // the mux's default limit of concurrent streams per peer

/** A stream came back with bytes other than the ones sent on it. */
export class EchoMismatchError extends Error {
  override name = 'EchoMismatchError';
}

/** The echoes did not all arrive within --timeout. */
export class EchoTimeoutError extends Error {
  override name = 'EchoTimeoutError';
}

interface StreamResult {
  stream: number;
  echo: string;
  rttMs: number;
}

/** Open a stream, send message, half-close, and collect what comes back until the peer's end. */
function exchange(session: VeilSession, clock: Clock, message: Uint8Array): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const stream = session.openStream();
    const chunks: Uint8Array[] = [];
    const startMs = clock.now();
    let endMs = startMs;
    stream.setHandler({
      onData: (chunk) => void chunks.push(chunk),
      onEnd: () => {
        endMs = clock.now();
      },
      onClose: (err) => {
        if (err) return reject(err);
        const echo = concat(chunks);
        if (!bytesEqual(echo, message)) {
          return reject(
            new EchoMismatchError(
              `stream ${stream.id}: sent ${message.length} bytes, got ${echo.length} back that differ`,
            ),
          );
        }
        resolve({ stream: stream.id, echo: new TextDecoder().decode(echo), rttMs: endMs - startMs });
      },
    });
    stream.write(message);
    stream.end();
  });
}

/**
 * The failures a peer or the path can cause, reported as exit 1 with their name: the network,
 * the framing, Noise and its crypto, the identity binding, the mux, and the echo check.
 */
function isPeerFailure(err: unknown): err is Error {
  return (
    err instanceof NetError ||
    err instanceof FrameError ||
    err instanceof RemoteCloseError ||
    err instanceof VeilError ||
    err instanceof NoiseError ||
    err instanceof CryptoError ||
    err instanceof MuxError ||
    err instanceof EchoMismatchError ||
    err instanceof EchoTimeoutError
  );
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Rejects with EchoTimeoutError after timeoutMs unless work settles first. */
function withTimeout<T>(clock: Clock, timeoutMs: number, work: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimer(timeoutMs, () =>
      reject(new EchoTimeoutError(`streams not all echoed after ${timeoutMs} ms`)),
    );
    work.then(
      (v) => {
        timer.cancel();
        resolve(v);
      },
      (e) => {
        timer.cancel();
        reject(e);
      },
    );
  });
}

export const command: Command = {
  spec: {
    name: 'veil dial',
    summary: 'open a Veil session to a listener, echo a message on N streams, print the peer NodeID',
    usage: USAGE,
    flags: {
      expect: {
        type: 'string',
        arg: 'NODEID',
        help: 'fail with PeerIdMismatchError unless the peer proves this NodeID (64 hex characters)',
      },
      streams: { type: 'string', arg: 'N', help: `streams to open, 1..${MAX_STREAMS}`, default: '1' },
      message: { type: 'string', arg: 'TEXT', help: 'what to send on each stream', default: DEFAULT_MESSAGE },
      identity: {
        type: 'string',
        arg: 'FILE',
        help: 'identity file (valhalla keygen); without it an ephemeral identity is made',
      },
      timeout: {
        type: 'string',
        arg: 'MS',
        help: 'limit for each of: TCP connect, handshake, all echoes',
        default: String(DEFAULT_TIMEOUT_MS),
      },
      json: {
        type: 'boolean',
        help: 'print {"nodeId","address","remote","handshakeMs","streams":[{"stream","echo","rttMs"}]}',
      },
      verbose: { type: 'boolean', help: 'log session events on stderr' },
    },
    details: [
      'The listener must run in echo mode (valhalla veil listen --echo). The NodeID printed is the',
      "one the peer proved in the handshake (its Ed25519 key signed over the session's Noise key).",
      '',
      'Exit codes: 0 every stream echoed; 1 the dial, the handshake or an echo failed (the error is',
      'named on stderr, e.g. PeerIdMismatchError); 2 bad flags.',
      '',
      'Examples:',
      '  valhalla veil dial 127.0.0.1:7000',
      '  valhalla veil dial 127.0.0.1:7000 --streams 3 --message "hi" --json',
      '  valhalla veil dial 127.0.0.1:7000 --expect $(valhalla id --identity a.key --json | jq -r .nodeId)',
    ].join('\n'),
  },
  async run(parsed, io) {
    const target = addressArg(parsed.positionals[0], 'the address to dial (HOST:PORT)', USAGE);
    const expectedNodeId = nodeIdArg(stringFlag(parsed, 'expect'), 'expect');
    const streamCount = intFlag(parsed, 'streams', { min: 1, max: MAX_STREAMS }) ?? 1;
    const timeoutMs = intFlag(parsed, 'timeout', { min: 1 }) ?? DEFAULT_TIMEOUT_MS;
    const message = new TextEncoder().encode(stringFlag(parsed, 'message') ?? DEFAULT_MESSAGE);
    const { identity } = identityFromFlags(parsed, io);
    const runtime = commandRuntime(parsed.values.verbose === true);
    const veil = new Veil({ runtime, identity }, { handshakeTimeoutMs: timeoutMs });
    try {
      await veil.start();
      const startMs = runtime.clock.now();
      const session = await veil.dial(target, { expectedNodeId, dialTimeoutMs: timeoutMs });
      const handshakeMs = runtime.clock.now() - startMs;
      const exchanges = Array.from({ length: streamCount }, () => exchange(session, runtime.clock, message));
      const streams = await withTimeout(runtime.clock, timeoutMs, Promise.all(exchanges));
      session.close();
      const nodeId = session.remoteNodeId.toString();
      const address = nodeIdToAddress(session.remoteNodeId);
      if (parsed.values.json) {
        io.out(`${JSON.stringify({ nodeId, address, remote: target, handshakeMs, streams })}\n`);
      } else {
        io.out(
          `connected to ${target}: peer ${nodeId} (${address}), handshake ${handshakeMs.toFixed(2)} ms\n`,
        );
        for (const s of streams)
          io.out(`stream ${s.stream}: ${JSON.stringify(s.echo)} (${s.rttMs.toFixed(2)} ms)\n`);
      }
      return 0;
    } catch (err) {
      if (!isPeerFailure(err)) throw err; // anything else is a bug: exit 70 with its stack
      io.err(`valhalla: veil dial ${target} failed: ${err.name}: ${err.message}\n`);
      return EXIT_CHECK_FAILED;
    } finally {
      await veil.stop();
      await runtime.shutdown();
    }
  },
};
