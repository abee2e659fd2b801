/**
 * The iterative Kademlia lookup (spec section 7), independent of what is being looked up: the
 * caller supplies query(peer), which sends FIND_NODE, GET_VALUE or GET_PROVIDERS and returns the
 * contacts of the answer (and may ask the lookup to stop, once a GET has enough records).
 *
 * - alpha requests are in flight at a time, always to the closest candidates not yet asked, and
 *   only to candidates among the max(alpha, beta) closest that have neither failed nor become
 *   slow: farther ones cannot change the result unless one of those fails (then the next moves
 *   up). Without this, every early answer freed a slot for a farther candidate, which cost about
 *   a third more requests, each a Noise handshake when no session was open.
 * - A request without an answer after requestTimeoutMs is "slow": its slot goes to the next
 *   candidate, but a late answer is still merged while the lookup runs. A slow peer does not
 *   count in the termination rule unless its answer arrives.
 * - Termination: the lookup ends when the beta closest candidates that have not failed (and are
 *   not slow) have all answered ("converged"); or when nothing is left to ask and nothing is in
 *   flight, slow requests included ("exhausted"); or when lookupTimeoutMs has passed; or when
 *   query() asked to stop.
 * - A node lookup (findTarget) looks for a peer whose id is the target. Once that peer is a
 *   candidate it is the closest one, so it is asked first; while its request is in flight (and not
 *   slow) no other request starts, and its answer ends the lookup ("found"). Without the rule,
 *   the target's answer brought its own neighbours, each closer than anything asked before, and
 *   the termination rule then asked two of them: two more requests (each a Noise handshake when
 *   no session is open) after the lookup had what it exists for.
 * - Rounds: seeds (from our own table) are round 1; a peer first learned from a round-r answer is
 *   round r+1. hops = the highest round among the beta closest peers that answered: the number of
 *   sequential round trips the result depended on, which equals the round count of a synchronous
 *   lookup ("rounds until the 3 closest answered" in ANCHORS.md).
 */
import type { Clock, Timer } from '../../runtime.js';
import type { PeerRecord } from '../records/peer-record.js';
import { compareDistance } from '../routing-table/distance.js';

export interface QueryAnswer {
  contacts: readonly PeerRecord[];
  /** End the lookup now (a GET that has what it needs). */
  stop?: boolean;
}

export interface LookupInit {
  target: Uint8Array;
  selfIdHex: string;
  seeds: readonly PeerRecord[];
  alpha: number;
  beta: number;
  k: number;
  requestTimeoutMs: number;
  lookupTimeoutMs: number;
  maxCandidates: number;
  clock: Clock;
  /** Ask one peer. Rejects when the peer failed (unreachable, timed out, bad answer). */
  query(peer: PeerRecord): Promise<QueryAnswer>;
  /** A node lookup: ask the target alone once it is known, end when it answers (header). */
  findTarget?: boolean;
}

export interface LookupOutcome {
  /** Peers that answered, closest first, at most k. */
  closest: PeerRecord[];
  hops: number;
  /** Requests sent (including those that failed or were still pending at the end). */
  queries: number;
  failures: number;
  ms: number;
  reason: 'converged' | 'exhausted' | 'timeout' | 'stopped' | 'found';
}

type State = 'waiting' | 'inflight' | 'slow' | 'answered' | 'failed';

interface Candidate {
  record: PeerRecord;
  round: number;
  state: State;
}

export class Lookup {
  private readonly candidates: Candidate[] = [];
  private readonly byId = new Map<string, Candidate>();
  private active = 0;
  /** Requests past the soft timeout, still waiting for a late answer. */
  private slow = 0;
  private queries = 0;
  private failures = 0;
  private done = false;
  /** The candidate whose id is the target (findTarget only), once known. */
  private targetCandidate: Candidate | undefined;
  private readonly startMs: number;
  private readonly timers = new Set<Timer>();
  private resolve!: (o: LookupOutcome) => void;

  constructor(private readonly init: LookupInit) {
    this.startMs = init.clock.now();
  }

  run(): Promise<LookupOutcome> {
    const p = new Promise<LookupOutcome>((resolve) => {
      this.resolve = resolve;
    });
    for (const s of this.init.seeds) this.add(s, 1);
    const overall = this.init.clock.setTimer(this.init.lookupTimeoutMs, () => this.finish('timeout'));
    this.timers.add(overall);
    this.pump();
    return p;
  }

  private add(record: PeerRecord, round: number): void {
    if (record.idHex === this.init.selfIdHex) return;
    const known = this.byId.get(record.idHex);
    if (known) {
      if (round < known.round) known.round = round;
      if (known.state === 'waiting' && record.seq > known.record.seq) known.record = record;
      return;
    }
    const c: Candidate = { record, round, state: 'waiting' };
    const { target } = this.init;
    let lo = 0;
    let hi = this.candidates.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareDistance(this.candidates[mid].record.nodeId, record.nodeId, target) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.candidates.splice(lo, 0, c);
    this.byId.set(record.idHex, c);
    if (this.init.findTarget && lo === 0 && sameId(record.nodeId, target)) this.targetCandidate = c;
    if (this.candidates.length > this.init.maxCandidates) this.trim();
  }

  /** Forget the farthest candidate that is not in flight and has not answered. */
  private trim(): void {
    for (let i = this.candidates.length - 1; i >= 0; i--) {
      const c = this.candidates[i];
      if (c === this.targetCandidate) continue;
      if (c.state === 'waiting' || c.state === 'failed') {
        this.candidates.splice(i, 1);
        this.byId.delete(c.record.idHex);
        return;
      }
    }
  }

  /** The termination rule: the beta closest candidates that are neither failed nor slow have answered. */
  private converged(): boolean {
    let answered = 0;
    for (const c of this.candidates) {
      // The target itself, when slow (a lost SYN costs a 1 s retry), is the one answer a node
      // lookup exists for: wait for it (up to the hard timeout) instead of converging without it.
      if (c.state === 'slow' && sameId(c.record.nodeId, this.init.target)) return false;
      if (c.state === 'failed' || c.state === 'slow') continue;
      if (c.state !== 'answered') return false;
      if (++answered === this.init.beta) return true;
    }
    return false;
  }

  private pump(): void {
    if (this.done) return;
    if (this.converged()) {
      this.finish('converged');
      return;
    }
    // The target's request is in flight: its answer ends the lookup, so nothing else is asked
    // meanwhile (once it is slow or failed, the lookup goes on as usual).
    if (this.targetCandidate?.state === 'inflight') return;
    // Only the closest max(alpha, beta) candidates still in play are worth asking (header comment).
    const width = Math.max(this.init.alpha, this.init.beta);
    let rank = 0;
    for (const c of this.candidates) {
      if (this.active >= this.init.alpha) break;
      if (c.state === 'failed' || c.state === 'slow') continue;
      if (rank++ >= width) break;
      if (c.state === 'waiting') {
        this.start(c);
        if (c === this.targetCandidate) return; // asked alone (header)
      }
    }
    // Nothing left to ask: end, unless slow peers may still answer (their answers are all we can
    // still learn from, so waiting for them costs nothing that asking others would have saved).
    if (this.active === 0 && this.slow === 0) this.finish('exhausted');
  }

  private start(c: Candidate): void {
    c.state = 'inflight';
    this.active++;
    this.queries++;
    const soft = this.init.clock.setTimer(this.init.requestTimeoutMs, () => {
      this.timers.delete(soft);
      if (c.state !== 'inflight') return;
      c.state = 'slow';
      this.active--;
      this.slow++;
      this.pump();
    });
    this.timers.add(soft);
    const settle = (): boolean => {
      soft.cancel();
      this.timers.delete(soft);
      if (this.done) return false;
      if (c.state === 'inflight') this.active--;
      else if (c.state === 'slow') this.slow--;
      return true;
    };
    this.init.query(c.record).then(
      (answer) => {
        if (!settle()) return;
        c.state = 'answered';
        for (const contact of answer.contacts) this.add(contact, c.round + 1);
        if (answer.stop) this.finish('stopped');
        else if (c === this.targetCandidate) this.finish('found');
        else this.pump();
      },
      () => {
        if (!settle()) return;
        c.state = 'failed';
        this.failures++;
        this.pump();
      },
    );
  }

  private finish(reason: LookupOutcome['reason']): void {
    if (this.done) return;
    this.done = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    const answered = this.candidates.filter((c) => c.state === 'answered');
    let hops = 0;
    for (let i = 0; i < Math.min(this.init.beta, answered.length); i++)
      hops = Math.max(hops, answered[i].round);
    this.resolve({
      closest: answered.slice(0, this.init.k).map((c) => c.record),
      hops,
      queries: this.queries,
      failures: this.failures,
      ms: this.init.clock.now() - this.startMs,
      reason,
    });
  }
}

function sameId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
