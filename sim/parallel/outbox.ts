/**
 * A worker's outgoing messages for the current window, one packed buffer per destination worker.
 * The Simulation of a partitioned run installs it as its fabric's exporter from the start, so
 * that a driver may dial and write while it builds its part, before the first window.
 */
import type { MessageExporter } from '../fabric.js';
import type { NetMessage } from '../messages.js';
import { KIND_NET } from '../scheduler.js';
import { WireWriter } from './wire.js';

/** The worker that runs node index i (1-based): round robin, so joins staggered by index spread evenly. */
export function workerOf(index: number, workers: number): number {
  return (index - 1) % workers;
}

/** Collects this worker's outgoing messages, one writer per destination worker. */
export class Outbox implements MessageExporter {
  readonly writers: WireWriter[];
  earliestNs = Number.POSITIVE_INFINITY;
  sent = 0;

  constructor(
    private readonly workers: number,
    private readonly me: number,
  ) {
    this.writers = Array.from({ length: workers }, () => new WireWriter());
  }

  arrival(
    timeNs: number,
    key: number,
    kind: number,
    to: number,
    endKey: number,
    arg: Uint8Array | number,
  ): void {
    this.note(timeNs);
    this.writers[workerOf(to, this.workers)]!.arrival(timeNs, key, kind, to, endKey, arg);
  }

  control(timeNs: number, key: number, msg: NetMessage): void {
    this.note(timeNs);
    this.writers[workerOf(msg.to, this.workers)]!.control(timeNs, key, KIND_NET, msg);
  }

  private note(timeNs: number): void {
    this.sent++;
    if (timeNs < this.earliestNs) this.earliestNs = timeNs;
  }

  take(): (ArrayBuffer | null)[] {
    this.earliestNs = Number.POSITIVE_INFINITY;
    return this.writers.map((w, i) => (i === this.me ? null : w.take()));
  }
}
