/**
 * Connection setup. A dial is a SYN that crosses the network (subject to partitions, loss and
 * fault rules; a lost SYN is retried after synRetryMs, doubling, as TCP does), then either:
 * - nothing listens there: a reset comes back, ConnectionRefusedError one round trip after the
 *   SYN went out;
 * - a listener accepts: onConnection runs on the listening host when the SYN arrives, and the
 *   dialer's promise resolves when the SYN-ACK gets back one one-way delay later;
 * - no answer (cut path, unknown IP, SYNs keep getting dropped): DialTimeoutError at timeoutMs.
 * A partition is checked in both directions when each SYN is sent (the SYN-ACK needs the way back).
 * All of a dial's events belong to the dialing node: if it crashes, the dial silently never ends.
 */
import {
  type Connection,
  ConnectionRefusedError,
  ConnectionResetError,
  DialTimeoutError,
  formatAddress,
} from '../stack/runtime.js';
import { SimConnection } from './connection.js';
import type { Fabric } from './fabric.js';
import { FAULT_CUT } from './faults.js';
import type { HostState } from './host.js';
import { KIND_NET, msToNs } from './scheduler.js';
import { Task } from './task.js';

export class DialAttempt {
  private done = false;
  private attempt = 0;
  private timeout: Task | null = null;

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
    this.sendSyn();
  }

  private after(delayNs: number, fn: () => void): Task {
    const sched = this.fabric.sched;
    const task = new Task(fn);
    sched.at(sched.nowNs + delayNs, this.src.index, this.gen, KIND_NET, task);
    return task;
  }

  private sendSyn(): void {
    if (this.done || this.dst === undefined) return;
    const f = this.fabric;
    const dst = this.dst;
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
    this.after(extraNs + this.oneWayNs(this.src, dst), () => this.onSynArrives(dst));
  }

  private oneWayNs(from: HostState, to: HostState): number {
    const link = this.fabric.link(from, to);
    let ns = link.sampler.sampleNs(from.netRng);
    if (this.fabric.jitterNs > 0) ns += Math.floor(from.netRng.float() * this.fabric.jitterNs);
    return ns;
  }

  private onSynArrives(dst: HostState): void {
    if (this.done) return;
    const listener = dst.listeners.get(this.port);
    const backNs = this.oneWayNs(dst, this.src);
    if (listener === undefined) {
      this.after(backNs, () =>
        this.finish(
          null,
          new ConnectionRefusedError(`nothing listens at ${formatAddress(dst.host, this.port)}`),
        ),
      );
      return;
    }
    const { client, server } = this.connect(dst, listener.gen, backNs);
    try {
      listener.onConnection(server);
    } catch (err) {
      dst.reportHandlerError('onConnection', err);
    }
    this.after(backNs, () => {
      if (this.done) client.close(new ConnectionResetError('dial gave up before the handshake completed'));
      else this.finish(client, null);
    });
  }

  /** Both ends of a new connection; the server's bytes arrive after the SYN-ACK. */
  private connect(
    dst: HostState,
    dstGen: number,
    backNs: number,
  ): { client: SimConnection; server: SimConnection } {
    const f = this.fabric;
    const id = f.nextConnectionId++;
    const clientAddr = formatAddress(this.src.host, this.src.allocatePort());
    const serverAddr = formatAddress(dst.host, this.port);
    const client = new SimConnection(
      f,
      this.src,
      this.gen,
      f.link(this.src, dst),
      clientAddr,
      serverAddr,
      id,
    );
    const server = new SimConnection(f, dst, dstGen, f.link(dst, this.src), serverAddr, clientAddr, id);
    client.peer = server;
    server.peer = client;
    server.notBefore(f.sched.nowNs + backNs);
    this.src.resources.add(client);
    dst.resources.add(server);
    return { client, server };
  }

  private onTimeout(): void {
    if (this.done) return;
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
