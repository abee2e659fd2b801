/**
 * Synthetic records shaped like a partition-heal run (1,000 nodes, a 50/50 split from 60 s to
 * 120 s, a crash and restart before it), for looking at report.html without running a simulation
 * and for the report tests. The numbers are made up but follow what the real run does: lookups
 * across the cut fail while partitioned, routing tables shrink as peers across the cut are evicted,
 * and both recover over some seconds after the heal.
 */

import type {
  FaultRecord,
  LookupRecord,
  MessageRecord,
  RunRecords,
  SampleRecord,
} from '../cli/report/records.js';
import type { RunSummary } from '../cli/runner/summary.js';
import { machineInfo } from './machine.js';

/** mulberry32: a few lines, seeded, good enough for plausible-looking noise. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NODES = 1000;
const END_MS = 180_000;
const PART_MS = 60_000; // partition
const HEAL_MS = 120_000; // heal
const RECOVER_MS = 15_000; // how long after the heal tables take to refill

/** 0 before the partition, 1 during it, fading back to 0 over RECOVER_MS after the heal. */
function disruption(tMs: number): number {
  if (tMs < PART_MS) return 0;
  if (tMs < HEAL_MS) return 1;
  return Math.max(0, 1 - (tMs - HEAL_MS) / RECOVER_MS);
}

function lookups(rand: () => number): LookupRecord[] {
  const out: LookupRecord[] = [];
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  for (let tMs = 0; tMs < END_MS; tMs += 50) {
    const node = Math.floor(rand() * NODES);
    const target = Math.floor(rand() * NODES);
    const crossesCut = node < NODES / 2 !== target < NODES / 2;
    const found = crossesCut ? rand() > 0.98 * disruption(tMs) : rand() > 0.004;
    const hops = Math.max(1, Math.round(2.6 + normal() * 0.9 + (found ? 0 : 2)));
    const ms = found ? Math.exp(Math.log(90) + 0.55 * normal()) * (1 + disruption(tMs)) : 3000 + rand() * 200;
    out.push({ tMs, node, target, found, hops, queries: hops * 3 + Math.floor(rand() * 3), ms });
  }
  // A handful of lookups with no latency: their node crashed while they were in flight.
  for (let i = 0; i < 5; i++)
    out.push({
      tMs: 30_000 + i,
      node: 17,
      target: -1,
      found: false,
      hops: 0,
      queries: 1,
      ms: Number.NaN,
    });
  return out;
}

function samples(rand: () => number): SampleRecord[] {
  const out: SampleRecord[] = [];
  for (let tMs = 0; tMs <= END_MS; tMs += 2000) {
    const d = disruption(tMs);
    const crashed = tMs >= 30_000 && tMs < 45_000 ? 1 : 0;
    out.push({ tMs, metric: 'nodes.alive', value: NODES - crashed });
    out.push({ tMs, metric: 'table.size.mean', value: 38 - 14 * d + rand() * 0.8 });
    out.push({ tMs, metric: 'table.size.min', value: Math.round(24 - 12 * d + rand() * 2) });
    out.push({
      tMs,
      metric: 'table.stale_fraction',
      value: 0.01 + 0.3 * d * (tMs < HEAL_MS ? 1 : 0.6) + rand() * 0.005,
    });
  }
  return out;
}

function messages(rand: () => number): MessageRecord[] {
  const out: MessageRecord[] = [];
  for (let tMs = 0; tMs < END_MS; tMs += 5000) {
    const d = disruption(tMs);
    const find = Math.round(900 * (1 + 0.8 * d) + rand() * 60);
    const ping = Math.round(400 + 300 * d + rand() * 30);
    const hs = Math.round(20 + (tMs >= HEAL_MS && tMs < HEAL_MS + 10_000 ? 600 : 0) + rand() * 5);
    out.push({ tMs, kind: 'dht.find-node', count: find, bytes: find * 180 });
    out.push({ tMs, kind: 'dht.ping', count: ping, bytes: ping * 64 });
    out.push({ tMs, kind: 'veil.handshake', count: hs, bytes: hs * 148 });
  }
  return out;
}

function faults(): FaultRecord[] {
  return [
    { tMs: 30_000, kind: 'crash', target: '17', detail: '' },
    { tMs: 45_000, kind: 'restart', target: '17', detail: 'same NodeID' },
    { tMs: PART_MS, kind: 'partition', target: 'left|right', detail: '500/500 nodes' },
    { tMs: HEAL_MS, kind: 'heal', target: 'left|right', detail: '' },
  ];
}

export function demoRecords(seed = 1): RunRecords {
  const rand = prng(seed);
  return { lookups: lookups(rand), messages: messages(rand), samples: samples(rand), faults: faults() };
}

/** A summary to go with demoRecords: one assertion passes, one fails, as a reader would want to see. */
export function demoSummary(records: RunRecords, scenario = 'partition-heal (synthetic)'): RunSummary {
  const found = records.lookups.filter((l) => l.found);
  const rate = found.length / records.lookups.length;
  const after = records.lookups.filter((l) => l.tMs >= HEAL_MS + RECOVER_MS);
  const rateAfter = after.filter((l) => l.found).length / after.length;
  return {
    scenario,
    file: 'scenarios/partition-heal.yaml',
    seed: 1,
    backend: 'sim',
    traceHash: '9f2c4b1e0a7d3c58e6b1f04a2d9c7e31',
    events: 4_812_337,
    virtualTimeMs: END_MS,
    wallMs: 41_250,
    peakRssMb: 612.4,
    nodes: NODES,
    versions: { valhalla: '0.1.0', node: process.version },
    machine: machineInfo(),
    metrics: {
      'lookup.count': records.lookups.length,
      'lookup.success_rate': rate,
      'lookup.success_rate.after_heal': rateAfter,
      'lookup.hops.p50': 3,
      'lookup.ms.p99': 2950.5,
      'veil.handshakes': 9133,
      'sim.deliveries': 3_904_112,
      'table.size.mean': null,
    },
    assertions: [
      {
        text: 'lookup.success_rate.after_heal >= 0.99',
        metric: 'lookup.success_rate.after_heal',
        value: rateAfter,
        pass: rateAfter >= 0.99,
      },
      { text: 'lookup.success_rate >= 0.95', metric: 'lookup.success_rate', value: rate, pass: rate >= 0.95 },
    ],
    passed: rateAfter >= 0.99 && rate >= 0.95,
    reproduce: 'valhalla run scenarios/partition-heal.yaml --seed 1',
  };
}
