/**
 * The scheduler: virtual time, the event queue, and the run loop that drains promise continuations
 * before the clock moves.
 *
 * Time is integer nanoseconds held in a float64 (exact up to 2^53 ns, about 104 days). Every event
 * belongs to an owner: 0 is the controller (scenario timeline, harness), nodes are 1..N. The
 * tie-break key is owner * 2^32 + the owner's own sequence number, so the order of simultaneous
 * events never depends on how events of different nodes interleave globally; it depends only on
 * each node's own history. That is what lets a later version split one simulation across workers
 * and still produce the same order (and trace hash) for any worker count.
 *
 * Crash cancellation: each local event (a timer, an operation a connection end schedules on itself,
 * a dial's retries and timeout) carries the generation (incarnation) of its owner at scheduling
 * time; crashing a node bumps its generation, and stale events are skipped when popped. No heap
 * search, and a crashed node's timers simply never fire. Messages (events one node creates for
 * another: segments, acknowledgements, SYNs, resets; scheduled with atMessage) are not cancelled
 * by the sender's crash: they are already on the wire, and the receiver decides what they mean.
 * That keeps a crash a purely local affair of the crashed node, which is what lets a partitioned
 * simulation (sim/parallel) crash a node without telling the other workers.
 */

import { SimulationError } from './errors.js';
import { EventQueue, type Fireable } from './event-queue.js';
import {
  acquirePromiseHooks,
  promiseActivity,
  releasePromiseHooks,
  whenMicrotasksQuiet,
} from './microtasks.js';
import { TraceHash } from './trace-hash.js';

/** Event kinds (4 bits in the queue's meta word). */
export const KIND_TIMER = 1; // a Clock timer
export const KIND_DELIVERY = 2; // a segment arriving on a connection
export const KIND_NET = 3; // connection setup and teardown (SYN, refusals, drains, resets)
export const KIND_CONTROL = 4; // controller events (sim.schedule)
const KIND_FAULT_BASE = 16; // faults are hashed as kind 16 + fault code
const KIND_MASK = 15;
/** Meta bit of a message: no generation check when it is popped (see the header). */
const META_MESSAGE = 16;
const GEN_SHIFT = 5; // meta = gen << GEN_SHIFT | META_MESSAGE? | kind

/** The owner index of controller events. Nodes are 1..N. */
export const CONTROLLER = 0;

export const TWO_32 = 4294967296;
const MAX_OWNERS = 2 ** 21; // owner * 2^32 + seq must stay below 2^53
const NS_PER_MS = 1e6;
const MAX_SEQ = TWO_32 - 1; // the last value a Uint32Array holds

/** Milliseconds (float) to integer nanoseconds; negative and NaN become 0. */
export function msToNs(ms: number): number {
  return ms > 0 ? Math.round(ms * NS_PER_MS) : 0;
}

export interface RunOptions {
  /** Stop when the next event is later than this virtual time (ms); the clock then reads untilMs. */
  untilMs?: number;
  /** Like untilMs, in integer nanoseconds (exact: the parallel coordinator's window ends). */
  untilNs?: number;
  /** Like untilMs, relative to the current time. */
  forMs?: number;
  /** Stop as soon as this returns true (checked after each event, once its continuations ran). */
  until?: () => boolean;
  /** Stop after this many events in this call. */
  maxEvents?: number;
}

export type StopReason = 'idle' | 'time' | 'until' | 'maxEvents' | 'stopped';

export interface SimStats {
  /** Events that did something (cancelled timers and a crashed node's leftovers are not counted). */
  events: number;
  deliveries: number;
  timers: number;
  faults: number;
  /** Virtual time, ms. */
  timeMs: number;
  traceHash: string;
}

export interface RunStats extends SimStats {
  stoppedBy: StopReason;
  /** Events run by this call. */
  ranEvents: number;
}

interface RunState {
  untilNs: number;
  until: (() => boolean) | null;
  maxEventsTotal: number;
  startEvents: number;
  advanceOnIdle: boolean;
  resolve: (stats: RunStats) => void;
  reject: (err: unknown) => void;
}

const COMPACT_MIN_CANCELLED = 4096; // below this many cancelled timers, compaction is not worth it

export class Scheduler {
  nowNs = 0;
  readonly queue = new EventQueue();
  readonly hash = new TraceHash();
  /** Current generation per owner; events carrying an older one are skipped. */
  gens = new Int32Array(64);
  /** Next sequence number per owner (a Uint32Array: half the cache footprint of float64). */
  private seqs = new Uint32Array(64);
  events = 0;
  deliveries = 0;
  timers = 0;
  faults = 0;
  /** Cancelled timers still in the queue (a hint for compaction). */
  cancelledInQueue = 0;
  /**
   * Count and hash controller events (owner 0) here. In a partitioned simulation every worker runs
   * every controller event (they drive replicated state: partitions, fault rules, the scenario's
   * bookkeeping) but only worker 0 counts them, so the summed hash equals the single-thread one.
   */
  hashController = true;
  private running: RunState | null = null;
  private stopRequested = false;
  /** A controller event failed: the current (or next) run() rejects with this. */
  private pendingError: { err: unknown } | null = null;

  /** Make room for owner index `owner` (0..2^21-1). */
  ensureOwner(owner: number): void {
    if (owner >= MAX_OWNERS) throw new SimulationError(`too many owners: ${owner} >= ${MAX_OWNERS}`);
    if (owner < this.gens.length) return;
    let cap = this.gens.length;
    while (cap <= owner) cap *= 2;
    const gens = new Int32Array(cap);
    gens.set(this.gens);
    const seqs = new Uint32Array(cap);
    seqs.set(this.seqs);
    this.gens = gens;
    this.seqs = seqs;
  }

  /** A fresh tie-break key for owner. */
  nextKey(owner: number): number {
    const s = this.seqs[owner];
    if (s === MAX_SEQ) throw new SimulationError(`owner ${owner} scheduled more than 2^32 events`);
    this.seqs[owner] = s + 1;
    return owner * TWO_32 + s;
  }

  /** Schedule target.fire(arg) at timeNs (>= now) on behalf of owner's incarnation gen. */
  at(timeNs: number, owner: number, gen: number, kind: number, target: Fireable, arg?: unknown): void {
    const s = this.seqs[owner];
    if (s === MAX_SEQ) throw new SimulationError(`owner ${owner} scheduled more than 2^32 events`);
    this.seqs[owner] = s + 1;
    this.queue.push(timeNs, owner * TWO_32 + s, (gen << GEN_SHIFT) | kind, target, arg);
  }

  /** Schedule a message from owner to another node: it fires even if owner crashes meanwhile. */
  atMessage(timeNs: number, owner: number, kind: number, target: Fireable, arg?: unknown): void {
    const s = this.seqs[owner];
    if (s === MAX_SEQ) throw new SimulationError(`owner ${owner} scheduled more than 2^32 events`);
    this.seqs[owner] = s + 1;
    this.queue.push(timeNs, owner * TWO_32 + s, META_MESSAGE | kind, target, arg);
  }

  /** Queue a message another worker created (its key was allocated there, by its owner). */
  importMessage(timeNs: number, key: number, kind: number, target: Fireable, arg?: unknown): void {
    if (timeNs <= this.nowNs && this.nowNs > 0) {
      throw new SimulationError(
        `a message for ${timeNs} ns arrived at ${this.nowNs} ns: the lookahead was violated`,
      );
    }
    this.queue.push(timeNs, key, META_MESSAGE | kind, target, arg);
  }

  /** Time of the earliest queued event (ns), or Infinity when there is none. */
  nextEventNs(): number {
    return this.queue.size === 0 ? Number.POSITIVE_INFINITY : this.queue.peekTime();
  }

  /** The next sequence number of owner (the parallel coordinator checks controllers agree). */
  seqOf(owner: number): number {
    return this.seqs[owner];
  }

  /** Count and hash a fault (a dropped or delayed segment, a cut path) caused by owner. */
  recordFault(owner: number, code: number, size: number): void {
    this.faults++;
    this.hash.add(this.nowNs, this.nextKey(owner), KIND_FAULT_BASE + code, size);
  }

  /** Invalidate everything owner has scheduled so far. Returns the new generation. */
  bumpGeneration(owner: number): number {
    return ++this.gens[owner];
  }

  /** A timer was cancelled while queued: compact once they are a large share of the queue. */
  noteCancelled(): void {
    const n = ++this.cancelledInQueue;
    if (n >= COMPACT_MIN_CANCELLED && n * 2 > this.queue.size) this.compact();
  }

  private compact(): void {
    const gens = this.gens;
    this.queue.compact(
      (key, meta, payload) =>
        payload.cancelled !== true &&
        ((meta & META_MESSAGE) !== 0 || meta >> GEN_SHIFT === gens[(key / TWO_32) | 0]),
    );
    this.cancelledInQueue = 0;
  }

  stats(): SimStats {
    return {
      events: this.events,
      deliveries: this.deliveries,
      timers: this.timers,
      faults: this.faults,
      timeMs: this.nowNs / NS_PER_MS,
      traceHash: this.hash.hex(),
    };
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  /** Ask the current run() to return after the event being handled. */
  requestStop(): void {
    if (this.running !== null) this.stopRequested = true;
  }

  /** Fail the current run (or the next, if none is running) with err. */
  abort(err: unknown): void {
    this.pendingError ??= { err };
    this.stopRequested = true;
  }

  run(opts: RunOptions = {}): Promise<RunStats> {
    if (this.running !== null) return Promise.reject(new SimulationError('run() is already in progress'));
    if (this.pendingError !== null) {
      const { err } = this.pendingError;
      this.pendingError = null;
      this.stopRequested = false;
      return Promise.reject(err);
    }
    let untilNs = Number.POSITIVE_INFINITY;
    if (opts.untilNs !== undefined) untilNs = Math.max(this.nowNs, opts.untilNs);
    else if (opts.untilMs !== undefined) untilNs = Math.max(this.nowNs, msToNs(opts.untilMs));
    else if (opts.forMs !== undefined) untilNs = this.nowNs + msToNs(opts.forMs);
    if (opts.untilMs === Number.POSITIVE_INFINITY || opts.forMs === Number.POSITIVE_INFINITY) {
      untilNs = Number.POSITIVE_INFINITY;
    }
    const maxEvents = opts.maxEvents ?? Number.POSITIVE_INFINITY;
    return new Promise<RunStats>((resolve, reject) => {
      this.running = {
        untilNs,
        until: opts.until ?? null,
        maxEventsTotal: this.events + maxEvents,
        startEvents: this.events,
        advanceOnIdle: opts.until === undefined && untilNs !== Number.POSITIVE_INFINITY,
        resolve,
        reject,
      };
      acquirePromiseHooks();
      // The caller may have continuations pending (it just created the promise it waits for):
      // let them run at the current instant before the first event.
      whenMicrotasksQuiet(this.resume);
    });
  }

  private readonly resume = (): void => {
    const r = this.running;
    if (r === null) return;
    let stop: StopReason | null;
    try {
      if (this.stopRequested) stop = 'stopped';
      else if (r.until?.()) stop = 'until';
      else stop = this.pump(r);
    } catch (err) {
      this.fail(r, err);
      return;
    }
    if (stop === 'stopped') this.stopNow(r);
    else if (stop !== null) this.finish(r, stop);
  };

  /**
   * The hot loop. Returns why the run ends, or null when a handler left promise work to drain
   * (the loop then resumes from whenMicrotasksQuiet).
   */
  private pump(r: RunState): StopReason | null {
    const q = this.queue;
    const activity = promiseActivity;
    const hash = this.hash;
    const until = r.until;
    const untilNs = r.untilNs;
    const maxEvents = r.maxEventsTotal;
    for (;;) {
      if (this.stopRequested) return 'stopped';
      if (q.size === 0) {
        if (r.advanceOnIdle) this.nowNs = untilNs;
        return 'idle';
      }
      const t = q.peekTime();
      if (t > untilNs) {
        this.nowNs = untilNs;
        return 'time';
      }
      if (this.events >= maxEvents) return 'maxEvents';
      const slot = q.pop();
      const key = q.topKey;
      const meta = q.metas[slot];
      const target = q.payloads[slot]!;
      const arg = q.args[slot];
      q.release(slot);
      const owner = (key / TWO_32) | 0;
      if ((meta & META_MESSAGE) === 0 && meta >> GEN_SHIFT !== this.gens[owner]) continue; // owner crashed since
      const prevNs = this.nowNs;
      this.nowNs = t;
      const before = activity.n;
      const kind = meta & KIND_MASK;
      // One call site per hot kind: each stays monomorphic (connections, timers) and can be
      // inlined, instead of one megamorphic site for every payload class.
      let size: number;
      if (kind === KIND_DELIVERY) size = target.fire(arg);
      else if (kind === KIND_TIMER) size = target.fire(arg);
      else size = target.fire(arg);
      if (size >= 0) {
        if (owner !== CONTROLLER || this.hashController) {
          this.events++;
          if (kind === KIND_DELIVERY) this.deliveries++;
          else if (kind === KIND_TIMER) this.timers++;
          hash.addStamped(q, kind, size);
        }
      } else {
        this.nowNs = prevNs; // a cancelled event: as if it never was (the clock shows real events)
      }
      if (activity.n !== before) {
        whenMicrotasksQuiet(this.resume);
        return null;
      }
      if (until?.()) return 'until';
    }
  }

  private stopNow(r: RunState): void {
    const pending = this.pendingError;
    this.pendingError = null;
    if (pending !== null) this.fail(r, pending.err);
    else this.finish(r, 'stopped');
  }

  private finish(r: RunState, stoppedBy: StopReason): void {
    this.running = null;
    this.stopRequested = false;
    releasePromiseHooks();
    r.resolve({ ...this.stats(), stoppedBy, ranEvents: this.events - r.startEvents });
  }

  private fail(r: RunState, err: unknown): void {
    this.running = null;
    this.stopRequested = false;
    releasePromiseHooks();
    r.reject(err);
  }
}
