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
  count: number;
  startMs: number;
  overMs: number;
}

export type Workload = PingWorkload | LookupWorkload;

export interface StackSpec {
  k?: number;
  alpha?: number;
  requestTimeoutMs?: number;
}

export type Comparator = '>=' | '<=' | '==' | '!=' | '>' | '<';

export interface Assertion {
  /** The text as written, for reports. */
  text: string;
  metric: string;
  op: Comparator;
  value: number;
}

export interface Scenario {
  /** Path of the file it came from (for messages and reproduction commands). */
  file: string;
  name: string;
  description?: string;
  seed: number;
  durationMs: number;
  nodes: { count: number; regions: string[]; joinOverMs: number };
  stack: StackSpec;
  network: NetworkSpec;
  workload: Workload[];
  assertions: Assertion[];
}
