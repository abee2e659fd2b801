/**
 * The records a run keeps, one table per kind. They are written as Apache Arrow IPC files
 * (lookups.arrow, messages.arrow, samples.arrow, faults.arrow) and drawn in report.html. Times are
 * virtual milliseconds since the start of the run; nodes are indexes into the scenario's node list.
 */

/** One DHT lookup issued by the workload. */
export interface LookupRecord {
  tMs: number; // when it was issued
  node: number; // who looked up
  target: number; // whose NodeID was looked up (-1: a random key)
  found: boolean;
  hops: number;
  queries: number;
  ms: number; // how long it took (virtual)
  /** Issuer and target on opposite sides of the scenario's partition (cli/runner/cuts.ts); null/absent: no partition. */
  acrossCut?: boolean | null;
}

/** Traffic between nodes, aggregated per time window and message kind (per-message rows would not fit at 10k nodes). */
export interface MessageRecord {
  tMs: number; // start of the window
  kind: string; // e.g. "dht.find-node", "veil.handshake", "bytes"
  count: number;
  bytes: number;
}

/** A metric sampled over time (success rate per window, routing-table health, nodes alive). */
export interface SampleRecord {
  tMs: number;
  metric: string;
  value: number;
}

/** A fault or timeline event as it happened. */
export interface FaultRecord {
  tMs: number;
  kind: string; // crash, restart, partition, heal, leave, join, degrade
  target: string; // a node index, a group name, "a|b" for a partition
  detail: string;
}

export interface RunRecords {
  lookups: LookupRecord[];
  messages: MessageRecord[];
  samples: SampleRecord[];
  faults: FaultRecord[];
}
