/**
 * sim/parallel: one simulation split over 1, 2 and 4 worker threads gives the same trace hash,
 * the same counts and the same results. Workers load dist/ (npm test builds it first).
 */
import { describe, expect, test } from 'vitest';
import { type DhtNetInput, type DhtNetPart, mergeDhtParts } from '../bench/parallel-dht.js';
import { fixed, Simulation, SimulationError } from '../sim/index.js';
import type { EchoInput, EchoPart } from '../sim/parallel/echo-driver.js';
import { ParallelRunError, type ParallelRunResult, runPartitioned } from '../sim/parallel/index.js';
import { importWire, WireWriter } from '../sim/parallel/wire.js';

const DHT = { url: new URL('../bench/parallel-dht.ts', import.meta.url), exportName: 'dhtNetwork' };
const ECHO = { url: new URL('../sim/parallel/echo-driver.ts', import.meta.url), exportName: 'echoNetwork' };

/** What must not depend on the worker count. */
function fingerprint<R>(r: ParallelRunResult<R>) {
  const { traceHash, events, deliveries, timers, faults, virtualTimeMs } = r;
  return { traceHash, events, deliveries, timers, faults, virtualTimeMs };
}

function mergeLogs(parts: EchoPart[]): Record<number, string[]> {
  const all: Record<number, string[]> = {};
  for (const p of parts) Object.assign(all, p.logs);
  return all;
}

describe('a DHT network split across workers', () => {
  // 200 nodes with real handshakes: joins over 6 s, 200 lookups, 5 crashes and restarts, a
  // partition and a heal, 1% loss, lognormal delays (floored at 5 ms: the lookahead).
  const input: DhtNetInput = {
    seed: 11,
    nodes: 200,
    joinOverMs: 6000,
    lookups: 200,
    lookupStartMs: 9000,
    lookupOverMs: 12_000,
    untilMs: 24_000,
    latencyMedianMs: 40,
    latencySigma: 0.5,
    minLatencyMs: 5,
    loss: 0.01,
    crash: { count: 5, atMs: 10_000, restartAtMs: 14_000 },
    partition: { atMs: 16_000, healAtMs: 18_000 },
  };

  test('workers 1, 2 and 4: same trace hash, counts, lookups and metrics', async () => {
    const runs: ParallelRunResult<DhtNetPart>[] = [];
    for (const workers of [1, 2, 4])
      runs.push(await runPartitioned<DhtNetInput, DhtNetPart>({ driver: DHT, input, workers }));
    const [one, two, four] = runs.map((r) => ({ ...fingerprint(r), ...mergeDhtParts(r.parts) }));
    expect(one!.lookups).toHaveLength(200);
    expect(one!.lookups.filter((l) => l.found).length).toBeGreaterThan(180);
    expect(one!.counters['veil.handshakes']).toBeGreaterThan(1000);
    expect(one!.handlerErrors).toBe(0);
    expect(two).toEqual(one);
    expect(four).toEqual(one);
    // The split was real: every worker ran windows and exchanged messages.
    for (const w of runs[2]!.windows) expect(w.messagesOut).toBeGreaterThan(0);
  }, 240_000);
});

describe('ordering at window boundaries', () => {
  // Delay == lookahead: every message arrives exactly when a window ends, and at the same instant
  // as the receiver's own tick. The order of each node's log is fixed by the event keys alone.
  const base: EchoInput = {
    seed: 3,
    nodes: 6,
    untilMs: 600,
    periodMs: 10,
    latency: 'fixed',
    lookaheadMs: 10,
  };

  test.each([
    ['fixed delay = lookahead', base],
    ['with a crash, a restart and a partition', { ...base, crashAtMs: 205, partitionAtMs: 400 }],
    [
      'lognormal delays with loss',
      { ...base, latency: 'lognormal' as const, crashAtMs: 150, partitionAtMs: 300 },
    ],
  ])(
    '%s: every node sees the same sequence for 1, 2, 3 and 6 workers',
    async (_name, input) => {
      const results = [];
      for (const workers of [1, 2, 3, 6])
        results.push(await runPartitioned<EchoInput, EchoPart>({ driver: ECHO, input, workers }));
      const logs = results.map((r) => mergeLogs(r.parts));
      const one = logs[0]!;
      expect(Object.keys(one)).toHaveLength(6);
      // Ties happened: some node saw data at the instant of its own tick.
      const ties = Object.values(one).some((l) =>
        l.some(
          (e, i) =>
            i > 0 &&
            e.split(' ')[0] === l[i - 1]!.split(' ')[0] &&
            e.includes('data') !== l[i - 1]!.includes('data'),
        ),
      );
      expect(ties).toBe(true);
      for (let i = 1; i < results.length; i++) {
        expect(logs[i]).toEqual(one);
        expect(fingerprint(results[i]!)).toEqual(fingerprint(results[0]!));
      }
    },
    120_000,
  );

  test("a message landing exactly one lookahead later, at the receiver's own tick, is ordered by its key", async () => {
    const input: EchoInput = { ...base, nodes: 2, untilMs: 40 };
    const r = await runPartitioned<EchoInput, EchoPart>({ driver: ECHO, input, workers: 2 });
    const logs = mergeLogs(r.parts);
    const at = (node: number, ms: number) => logs[node]!.filter((e) => e.startsWith(`${ms * 1e6} `));
    // Every delay is 10 ms (the lookahead) and ticks are every 10 ms, so each message lands at the
    // instant of the receiver's own tick, which is also where a worker's step ends when the other
    // is exactly one lookahead ahead. The lower owner index goes first: node 1's tick before node
    // 2's message, and node 1's message before node 2's tick.
    expect(at(1, 20)).toEqual(['20000000 tick 2', '20000000 data n2#1']);
    expect(at(2, 30)).toEqual(['30000000 data n1#2', '30000000 tick 3']);
    // A worker runs at most two lookaheads past its own progress per step: 41 ms take 3 or more.
    expect(r.windows.every((w) => w.windows >= 3)).toBe(true);
  }, 60_000);
});

describe('checks', () => {
  test('a partitioned simulation needs a latency floor (its lookahead)', () => {
    expect(
      () => new Simulation({ partition: { workers: 2, worker: 0 }, network: { latency: fixed(5) } }),
    ).toThrow(SimulationError);
    expect(() => new Simulation({ partition: { workers: 2, worker: 2 } })).toThrow(SimulationError);
  });

  test('a worker count that is not a positive integer is refused', async () => {
    await expect(runPartitioned({ driver: ECHO, input: {}, workers: 0 })).rejects.toBeInstanceOf(
      ParallelRunError,
    );
  });

  test('a failing driver fails the run with the worker named', async () => {
    const input = { seed: 1, nodes: 2, untilMs: 10, periodMs: 5, latency: 'fixed', lookaheadMs: 0 };
    await expect(runPartitioned({ driver: ECHO, input, workers: 2 })).rejects.toThrow(
      /worker \d: SimulationError/,
    );
  }, 60_000);

  test('wire: what one worker packs, another queues under the same time, key and contents', () => {
    const w = new WireWriter();
    const big = new Uint8Array(10_000).map((_, i) => i & 255);
    w.arrival(5e6, 3 * 2 ** 32 + 7, 2, 9, 2 ** 40 + 1, big);
    w.arrival(6e6, 4 * 2 ** 32, 3, 1, 12, -1001);
    const seen: unknown[] = [];
    const port = {
      importArrival: (...a: unknown[]) => seen.push(['arrival', ...a]),
      importControl: (...a: unknown[]) => seen.push(['control', ...a]),
    };
    const buf = w.take()!;
    expect(w.take()).toBeNull();
    expect(importWire(buf, port as never)).toBe(2);
    expect(seen[0]).toEqual(['arrival', 5e6, 3 * 2 ** 32 + 7, 2, 9, 2 ** 40 + 1, big]);
    expect(seen[1]).toEqual(['arrival', 6e6, 4 * 2 ** 32, 3, 1, 12, -1001]);
  });
});
