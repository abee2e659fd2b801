/**
 * Connection setup. A dial is a SYN that crosses the network (subject to partitions, loss and
 * fault rules; a lost SYN is retried after synRetryMs, doubling, as TCP does), then either:
 * - nothing listens there: the listening host answers with a refusal, so ConnectionRefusedError
 *   comes one round trip after the SYN went out;
 * - a listener accepts: onConnection runs on the listening host when the SYN arrives, and the
 *   dialer's promise resolves when the SYN-ACK gets back one one-way delay later;
 * - no answer (cut path, unknown IP, SYNs keep getting dropped): DialTimeoutError at timeoutMs.
 * A partition is checked in both directions when each SYN is sent (the SYN-ACK needs the way back).
 *
 * The dialer's retries and timeout are its own events and die with its incarnation. The SYN, the
 * SYN-ACK and the refusal are messages (messages.ts): each side acts only on its own state when
 * one arrives, which is what lets the two ends run in different workers. The dialer's end of the
 * connection comes to exist when the SYN-ACK arrives. A SYN-ACK reaching a host whose dial is gone
 * (it timed out, or the dialer crashed) is answered with a reset, as TCP does.
 */
import {
  type Connection,
  ConnectionRefusedError,
  DialTimeoutError,
  formatAddress,
} from '../stack/runtime.js';
import { SimConnection } from './connection.js';
import type { Fabric } from './fabric.js';
import { FAULT_CUT } from './faults.js';
import type { HostDial, HostState } from './host.js';
import { endKey, MSG_REFUSED, MSG_SYN, MSG_SYN_ACK, NetMessage, REASON_RESET } from './messages.js';
import { KIND_NET, msToNs } from './scheduler.js';
import { Task } from './task.js';

/** One-way delay of a setup message from `from` to `to`, drawn from the sender's stream. */
function oneWayNs(fabric: Fabric, from: HostState, to: HostState): number {
  const link = fabric.link(from, to);
  let ns = link.sampler.sampleNs(from.netRng);
  if (fabric.jitterNs > 0) ns += Math.floor(from.netRng.float() * fabric.jitterNs);
  return ns;
}

export class DialAttempt implements HostDial {
  private done = false;
  private attempt = 0;
  private timeout: Task | null = null;
  private connectionId = 0;
  private localPort = 0;

  constructor(
    private readonly fabric: Fabric,
    private readonly src: HostState,
    private readonly gen: number,
    /** undefined: an address no host has (a black hole). */
    private readonly dst: HostState | undefined,
    private readonly port: number,
    private readonly timeoutMs: number,
    private readonly resolve: (conn: Connection) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  start(): void {
    this.timeout = this.after(msToNs(this.timeoutMs), () => this.onTimeout());
    if (this.dst === undefined) return;
    // The id and the ephemeral port are the dialer's, chosen now (as connect() does).
    this.connectionId = this.src.nextConnectionId();
    this.localPort = this.src.allocatePort();
    this.src.dials.set(this.connectionId, this);
    this.sendSyn();
  }

  private after(delayNs: number, fn: () => void): Task {
    const sched = this.fabric.sched;
    const task = new Task(fn);
    sched.at(sched.nowNs + delayNs, this.src.index, this.gen, KIND_NET, task);
    return task;
  }

  private sendSyn(): void {
    if (this.done) return;
    const f = this.fabric;
    const dst = this.dst!;
    let extraNs: number;
    if (f.isCut(this.src, dst) || f.isCut(dst, this.src)) {
      f.sched.recordFault(this.src.index, FAULT_CUT, 0);
      extraNs = -1;
    } else if (f.lossy) {
      extraNs = f.consult(
        'syn',
        this.src,
        dst,
        0,
        undefined,
        f.sched.nowNs,
        this.attempt,
        0,
        this.src.netRng,
      );
    } else {
      extraNs = 0;
    }
    if (extraNs < 0) {
      const retryNs = f.opts.synRetryNs * 2 ** this.attempt++;
      this.after(retryNs, () => this.sendSyn());
      return;
    }
    f.post(
      f.sched.nowNs + extraNs + oneWayNs(f, this.src, dst),
      this.src.index,
      new NetMessage(f, MSG_SYN, dst.index, this.connectionId, this.src.index, this.localPort, this.port),
    );
  }

  /** The listener accepted (SYN-ACK): the dialer's end of the connection comes to exist now. */
  onSynAck(): void {
    this.src.dials.delete(this.connectionId);
    const f = this.fabric;
    const dst = this.dst!;
    const id = this.connectionId;
    const client = new SimConnection(
      f,
      this.src,
      this.gen,
      f.link(this.src, dst),
      formatAddress(this.src.host, this.localPort),
      formatAddress(dst.host, this.port),
      id,
      endKey(id, 0),
      dst,
      endKey(id, 1),
    );
    this.src.resources.add(client);
    this.src.conns.set(client.key, client);
    this.finish(client, null);
  }

  onRefused(): void {
    this.src.dials.delete(this.connectionId);
    this.finish(
      null,
      new ConnectionRefusedError(`nothing listens at ${formatAddress(this.dst!.host, this.port)}`),
    );
  }

  private onTimeout(): void {
    if (this.done) return;
    this.src.dials.delete(this.connectionId);
    this.finish(null, new DialTimeoutError(`dial timed out after ${this.timeoutMs} ms`));
  }

  private finish(conn: SimConnection | null, err: Error | null): void {
    if (this.done) return;
    this.done = true;
    this.timeout?.cancel();
    if (conn !== null) this.resolve(conn);
    else this.reject(err!);
  }
}

/**
 * A SYN reached dst: accept if something listens on the port (onConnection runs now; the server's
 * bytes leave after the SYN-ACK), else refuse. Runs on dst's state only.
 */
export function answerSyn(
  f: Fabric,
  dst: HostState,
  connectionId: number,
  src: HostState,
  srcPort: number,
  dstPort: number,
): void {
  const nowNs = f.sched.nowNs;
  const backNs = oneWayNs(f, dst, src);
  const listener = dst.listeners.get(dstPort);
  if (listener === undefined) {
    f.post(nowNs + backNs, dst.index, new NetMessage(f, MSG_REFUSED, src.index, connectionId, dst.index));
    return;
  }
  // The SYN-ACK is scheduled before onConnection runs, so that at equal times it precedes
  // whatever the server writes at once (same owner, lower sequence number).
  f.post(nowNs + backNs, dst.index, new NetMessage(f, MSG_SYN_ACK, src.index, connectionId, dst.index));
  const serverAddr = formatAddress(dst.host, dstPort);
  const clientAddr = formatAddress(src.host, srcPort);
  const server = new SimConnection(
    f,
    dst,
    listener.gen,
    f.link(dst, src),
    serverAddr,
    clientAddr,
    connectionId,
    endKey(connectionId, 1),
    src,
    endKey(connectionId, 0),
  );
  server.notBefore(nowNs + backNs);
  dst.resources.add(server);
  dst.conns.set(server.key, server);
  try {
    listener.onConnection(server);
  } catch (err) {
    dst.reportHandlerError('onConnection', err);
  }
}

/** The answer from `from` to one of src's SYNs arrived. */
export function dialAnswered(
  f: Fabric,
  src: HostState,
  connectionId: number,
  from: HostState,
  accepted: boolean,
): void {
  const dial = src.dials.get(connectionId);
  if (dial !== undefined) {
    if (accepted) dial.onSynAck();
    else dial.onRefused();
    return;
  }
  // No dial waits for it (it timed out, or the dialing incarnation crashed): a SYN-ACK for a
  // connection this host does not know gets a reset; a refusal needs no answer.
  if (accepted) f.sendReset(src, from, endKey(connectionId, 1), REASON_RESET);
}
