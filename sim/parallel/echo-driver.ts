/**
 * A driver without any stack, for checking sim/parallel itself: every node dials every other one,
 * then every periodMs writes a numbered message on each of its connections, and each node logs
 * what it sees (timer ticks, data, closes) with the virtual time in ns. With a fixed delay equal to
 * the lookahead, every message lands exactly on a window boundary and at the same instant as the
 * receiver's own tick, so the logs show whether ties are ordered the same for any worker count.
 * A crash (node 2, restarted later) and a partition exercise resets and held segments across
 * workers.
 */
import type { Connection } from '../../stack/runtime.js';
import { fixed, lognormal } from '../latency.js';
import type { SimNode } from '../node.js';
import { type PartitionOptions, Simulation } from '../simulation.js';
import type { Part } from './windows.js';

const PORT = 7000;

export interface EchoInput {
  seed: number;
  nodes: number;
  untilMs: number;
  periodMs: number;
  /** 'fixed': every delay is exactly lookaheadMs; 'lognormal': median 3x it, floored at it. */
  latency: 'fixed' | 'lognormal';
  lookaheadMs: number;
  /** Crash node 2 at this time and restart it periodMs * 10 later. */
  crashAtMs?: number;
  /** Cut the first half of the nodes from the rest for periodMs * 5. */
  partitionAtMs?: number;
}

export interface EchoPart {
  /** Per local node (index): what it saw, in order. */
  logs: Record<number, string[]>;
}

const dec = new TextDecoder();
const enc = new TextEncoder();

export function echoNetwork(input: EchoInput, partition: PartitionOptions): Part<EchoPart> {
  const sim = new Simulation({
    seed: input.seed,
    partition,
    network: {
      latency: input.latency === 'fixed' ? fixed(input.lookaheadMs) : lognormal(3 * input.lookaheadMs, 0.6),
      minLatencyMs: input.lookaheadMs,
      loss: input.latency === 'fixed' ? 0 : 0.05,
      stallResetMs: input.periodMs * 8,
    },
  });
  const nodes: SimNode[] = [];
  for (let i = 0; i < input.nodes; i++) nodes.push(sim.addNode());
  const logs: Record<number, string[]> = {};

  const start = (node: SimNode): void => {
    const rt = node.runtime;
    logs[node.index] ??= [];
    const log = logs[node.index]!;
    const note = (what: string) => log.push(`${Math.round(rt.clock.now() * 1e6)} ${what}`);
    const conns: Connection[] = [];
    const watch = (c: Connection, peer: string): void => {
      conns.push(c);
      c.setHandler({
        onData: (d) => note(`data ${dec.decode(d)}`),
        onClose: (err) => note(`close ${peer} ${err?.name ?? 'ok'}`),
      });
    };
    void rt.net.listen(node.addr(PORT), (c) => watch(c, c.remoteAddr));
    for (const other of nodes) {
      if (other === node) continue;
      rt.net.dial(other.addr(PORT)).then(
        (c) => watch(c, other.name),
        (err: Error) => note(`dial ${other.name} ${err.name}`),
      );
    }
    let n = 0;
    const tick = (): void => {
      n++;
      note(`tick ${n}`);
      for (const c of conns) if (!c.closed) c.write(enc.encode(`${node.name}#${n}`));
      if (rt.clock.now() + input.periodMs < input.untilMs) rt.clock.setTimer(input.periodMs, tick);
    };
    rt.clock.setTimer(input.periodMs, tick);
  };

  for (const node of nodes) if (node.local) start(node);
  if (input.crashAtMs !== undefined) {
    const victim = nodes[1]!;
    sim.schedule(input.crashAtMs, () => victim.crash());
    sim.schedule(input.crashAtMs + input.periodMs * 10, () => {
      victim.restart();
      if (victim.local) start(victim);
    });
  }
  if (input.partitionAtMs !== undefined) {
    const half = Math.floor(nodes.length / 2);
    let cut: { heal(): void } | undefined;
    sim.schedule(input.partitionAtMs, () => {
      cut = sim.partition(nodes.slice(0, half), nodes.slice(half));
    });
    sim.schedule(input.partitionAtMs + input.periodMs * 5, () => cut?.heal());
  }
  return { sim, untilMs: input.untilMs, collect: () => ({ logs }) };
}
