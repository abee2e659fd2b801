/** A scenario after validation: typed, units resolved to milliseconds. The core never sees YAML. */

export type LatencyModel =
  | { model: 'fixed'; valueMs: number }
  | { model: 'uniform'; minMs: number; maxMs: number }
  | { model: 'normal'; meanMs: number; stddevMs: number }
  | { model: 'lognormal'; medianMs: number; sigma: number }
  | { model: 'matrix'; regions: string[]; matrixMs: number[][] };

export interface NetworkSpec {
  latency: LatencyModel;
  jitterMs: number;
  bandwidthMbit?: number;
  loss: number;
}

export interface PingWorkload {
  kind: 'ping';
  everyMs: number;
  startMs: number;
  stopMs: number;
}

export interface LookupWorkload {
  kind: 'lookup';
  label?: string;
  count: number;
  startMs: number;
  overMs: number;
}

/** Saga: some nodes publish objects (generated from the seed); some of them lie, stall or crash. */
export interface ContentPublishWorkload {
  kind: 'content.publish';
  label: string;
  /** How many nodes publish (picked by the seed, never node 0), or the nodes of a group. */
  publishers: number;
  group?: string;
  objects: number;
  /** Each object is published by this many publishers (round-robin). */
  copies: number;
  sizeBytes: number;
  chunkSizeBytes?: number;
  atMs: number;
  /** Fractions of the publishers whose content store corrupts every block it serves / never answers. */
  lying: number;
  stalling: number;
  /** Fraction of the publishers that crash at crashAtMs. */
  crashing: number;
  crashAtMs: number;
}

/** Saga: fetchers (distinct nodes, not publishers) each fetch one random object of a publish workload. */
export interface ContentFetchWorkload {
  kind: 'content.fetch';
  /** The label of the content.publish workload whose objects are fetched. */
  label: string;
  fetchers: number;
  startMs: number;
  overMs: number;
  /** Fetchers announce themselves as providers once they hold the object. */
  provide: boolean;
  /** A provider that sends nothing for this long is given up on (default Saga's, 10 s). */
  stallTimeoutMs?: number;
}

/** ping -6 between nodes' overlay addresses through their TUN devices (live backend, stack.tun). */
export interface Ping6Workload {
  kind: 'ping6';
  count: number;
  startMs: number;
  overMs: number;
}

/** TCP transfers of `bytes` between nodes' overlay addresses, one after another (live, stack.tun). */
export interface TcpTransferWorkload {
  kind: 'tcp-transfer';
  count: number;
  bytes: number;
  startMs: number;
  overMs: number;
}

export interface PublishWorkload {
  kind: 'publish';
  topic: string;
  publishers: number;
  count: number;
  sizeBytes: number;
  startMs: number;
  overMs: number;
  label?: string;
}

export interface RpcWorkload {
  kind: 'rpc';
  count: number;
  startMs: number;
  overMs: number;
  timeoutMs: number;
}

export interface CrdtWorkload {
  kind: 'crdt';
  everyMs: number;
  startMs: number;
  stopMs: number;
  antiEntropyMs: number;
}

export type Workload =
  | PingWorkload
  | LookupWorkload
  | ContentPublishWorkload
  | ContentFetchWorkload
  | Ping6Workload
  | TcpTransferWorkload
  | PublishWorkload
  | RpcWorkload
  | CrdtWorkload;

/** Which nodes an event touches. Random picks come from the seed; node 0 is never picked at random. */
export type Selector =
  | { kind: 'all' }
  | { kind: 'group'; group: string }
  | { kind: 'fraction'; fraction: number }
  | { kind: 'count'; count: number }
  | { kind: 'nodes'; nodes: number[] };

export type TimelineEvent =
  | { atMs: number; event: 'crash' | 'restart' | 'leave'; select: Selector }
  | { atMs: number; event: 'partition'; groups: string[] }
  | { atMs: number; event: 'heal' }
  | { atMs: number; event: 'churn'; ratePerMinute: number; untilMs: number }
  | { atMs: number; event: 'degrade'; select: Selector; delayMs: number; loss: number; untilMs: number };

export interface StackSpec {
  k?: number;
  alpha?: number;
  requestTimeoutMs?: number;
  /** Live backend: every node runs with --tun (a TUN device with its overlay address). */
  tun?: boolean;
  tunMtu?: number;
}

export type Comparator = '>=' | '<=' | '==' | '!=' | '>' | '<';

export interface Assertion {
  /** The text as written, for reports. */
  text: string;
  metric: string;
  op: Comparator;
  value: number;
}

/** A `sweep:` block: replicas over seeds and a grid of field values (see scenarios/README.md). */
export interface SweepSpec {
  /** Seeds each grid point runs with; absent: the scenario's seed. */
  seeds?: number[];
  /** One axis of the grid per dotted path; replicas run every combination (cartesian product). */
  parameters: { path: string; values: unknown[]; lines: (number | undefined)[] }[];
}

export interface Scenario {
  /** Path of the file it came from (for messages and reproduction commands). */
  file: string;
  name: string;
  description?: string;
  seed: number;
  durationMs: number;
  nodes: {
    count: number;
    regions: string[];
    joinOverMs: number;
    /** Named groups as inclusive index ranges, resolved against count. */
    groups: Record<string, { from: number; to: number }>;
  };
  timeline: TimelineEvent[];
  /** Interval of the samples over time. */
  sampleMs: number;
  stack: StackSpec;
  network: NetworkSpec;
  workload: Workload[];
  assertions: Assertion[];
  /** The file's sweep block, if any; a single run ignores it. */
  sweep?: SweepSpec;
}
