/**
 * A simulated host: the part of a node that outlives its incarnations (name, address, region,
 * port counter, the random stream the network draws from for its segments) plus what the current
 * incarnation has open (listeners, connections, dials in progress).
 *
 * Other nodes reach this host's connection ends and dials only through messages addressed by
 * number (conns, dials), never by holding them: in a partitioned simulation the sender may run in
 * another worker, where these objects do not exist.
 */
import type { Connection, Logger, NetError } from '../stack/runtime.js';
import type { Fireable } from './event-queue.js';
import type { HostInfo } from './latency.js';
import { errorFields } from './logger.js';
import type { SimRng } from './rng.js';

export interface ListenerEntry {
  readonly gen: number;
  readonly onConnection: (conn: Connection) => void;
}

/** Anything on a host that must die with the incarnation (connections). */
export interface HostResource {
  /** The host crashed: drop silently (no callbacks) and tell the peer if there is one. */
  crash(): void;
}

const EPHEMERAL_FIRST = 49152; // IANA dynamic port range
const EPHEMERAL_LAST = 65535;
const DIALS_PER_HOST = 2 ** 31; // connection ids are index * 2^31 + dial number: below 2^52

/** A connection end as the host's table knows it (connection.ts implements it). */
export interface HostEnd extends HostResource, Fireable {
  readonly key: number;
  resetByNetwork(err: NetError): void;
}

/** A dial in progress, as the messages answering its SYN find it (dial.ts implements it). */
export interface HostDial {
  onSynAck(): void;
  onRefused(): void;
}

export class HostState implements HostInfo {
  alive = true;
  gen = 0;
  readonly listeners = new Map<number, ListenerEntry>();
  readonly resources = new Set<HostResource>();
  /**
   * Connection ends that messages may still reach, by end key (connection id * 2 + side): open
   * ones, and crashed ones that still owe their peer a reset. An end leaves when it finishes;
   * what arrives for a key not here is dropped (a finished end would ignore it too).
   */
  readonly conns = new Map<number, HostEnd>();
  /** Dials of the current incarnation waiting for an answer to their SYN, by connection id. */
  readonly dials = new Map<number, HostDial>();
  /** False in a partitioned simulation when another worker runs this host. */
  local = true;
  /** The current incarnation's logger (handler exceptions are reported there). */
  log: Logger;
  /** Exceptions thrown by this host's callbacks (timers, connection handlers). */
  handlerErrors = 0;
  private nextPort = EPHEMERAL_FIRST;
  private dialCount = 0;

  constructor(
    readonly index: number,
    readonly name: string,
    /** The address literal, e.g. "10.0.0.1". */
    readonly host: string,
    readonly region: string,
    readonly bandwidthBytesPerSec: number,
    /** Draws for this host's outgoing segments (latency, jitter, loss): kept apart from the node's Rng. */
    readonly netRng: SimRng,
    log: Logger,
  ) {
    this.log = log;
  }

  /** Does addr's host part name this host? (own address, own name, loopback and wildcard aliases) */
  isOwnHostName(h: string): boolean {
    return (
      h === this.host ||
      h === this.name ||
      h === '0.0.0.0' ||
      h === '127.0.0.1' ||
      h === 'localhost' ||
      h === '::' ||
      h === '::1'
    );
  }

  /** Next ephemeral port not used by a listener (wraps around the dynamic range). */
  allocatePort(): number {
    for (let tries = 0; tries <= EPHEMERAL_LAST - EPHEMERAL_FIRST; tries++) {
      const p = this.nextPort;
      this.nextPort = p === EPHEMERAL_LAST ? EPHEMERAL_FIRST : p + 1;
      if (!this.listeners.has(p)) return p;
    }
    return 0;
  }

  /** A new connection id: unique over the run, and the same whichever worker runs this host. */
  nextConnectionId(): number {
    if (this.dialCount === DIALS_PER_HOST - 1) throw new RangeError(`${this.name} dialed 2^31 times`);
    return this.index * DIALS_PER_HOST + this.dialCount++;
  }

  reportHandlerError(what: string, err: unknown): void {
    this.handlerErrors++;
    this.log.error(`${what} threw`, errorFields(err));
  }
}
