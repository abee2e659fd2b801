/**
 * The Mux's public option, dependency and statistics types (the session codes against these), and
 * the validation of options into the values the Mux runs with.
 */

import type { Logger, Metrics } from '../runtime.js';
import {
  DEFAULT_MAX_STREAMS,
  INITIAL_WINDOW,
  MAX_MESSAGE_SIZE,
  MAX_STREAM_ID,
  MAX_WINDOW,
  MIN_MESSAGE_SIZE,
} from './mux-constants.js';
import { MuxUsageError } from './mux-errors.js';

export interface MuxInit {
  /** Largest plaintext message, both sent and accepted (default and maximum 65519 = 65535 - 16). */
  maxMessageBytes?: number;
  /** Receive window kept open per stream (default and minimum 256 KiB, the spec's initial window). */
  initialWindowBytes?: number;
  /** Streams the peer may have open at once; further OPENs are refused with RST (default 1024). */
  maxStreams?: number;
  /**
   * True on the side that dialed (the Noise initiator): it opens odd stream ids, the other side
   * even ones. Both sides must agree; a mismatch fails the first OPEN with MuxStreamIdError.
   * Default true.
   */
  initiator?: boolean;
}

export interface MuxComponents {
  /** Send one plaintext message down; returns false when the channel is backed up (wait for mux.drained()). */
  send(message: Uint8Array): boolean;
  /**
   * True when send() is done with the message once it returns (the session encrypts it at once):
   * the mux then builds every message in one reused buffer instead of allocating one per message.
   * Leave unset when send() keeps the message (a queue in a test).
   */
  sendConsumesMessage?: boolean;
  log?: Logger;
  metrics?: Metrics;
}

export interface MuxStats {
  streamsOpened: number;
  streamsAccepted: number;
  /** Inbound OPENs answered with RST REFUSED (over maxStreams, or no onStream). */
  streamsRefused: number;
  messagesSent: number;
  messagesReceived: number;
  dataBytesSent: number;
  dataBytesReceived: number;
}

export type MuxConfig = Required<MuxInit>;

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MuxUsageError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

/** MuxInit with defaults applied and ranges checked (MuxUsageError). */
export function muxConfig(init: MuxInit): MuxConfig {
  const maxMessage = init.maxMessageBytes ?? MAX_MESSAGE_SIZE;
  const window = init.initialWindowBytes ?? INITIAL_WINDOW;
  return {
    maxMessageBytes: checkInt('maxMessageBytes', maxMessage, MIN_MESSAGE_SIZE, MAX_MESSAGE_SIZE),
    initialWindowBytes: checkInt('initialWindowBytes', window, INITIAL_WINDOW, MAX_WINDOW),
    maxStreams: checkInt('maxStreams', init.maxStreams ?? DEFAULT_MAX_STREAMS, 0, MAX_STREAM_ID),
    initiator: init.initiator ?? true,
  };
}
