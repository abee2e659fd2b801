/**
 * The scenario's timeline as controller events: crashes, restarts, leaves, partitions, heals,
 * degraded groups and Poisson churn. Random choices draw from one stream forked from the seed, in
 * event order, so the same scenario and seed always touch the same nodes.
 */

import type { Scenario, Selector, TimelineEvent } from '../../scenarios/types.js';
import type { Rng } from '../../stack/runtime.js';
import { cutOf } from './cuts.js';
import type { World } from './world.js';

function shuffledPick(rng: Rng, from: number[], n: number): number[] {
  const pool = [...from];
  const out: number[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(rng.int(pool.length), 1)[0]!);
  return out.sort((a, b) => a - b);
}

/** Resolve a selector among the eligible nodes (random picks never take node 0, the bootstrap). */
export function select(s: Selector, eligible: number[], scenario: Scenario, rng: Rng): number[] {
  switch (s.kind) {
    case 'all':
      return eligible;
    case 'group': {
      const g = scenario.nodes.groups[s.group]!;
      return eligible.filter((i) => i >= g.from && i <= g.to);
    }
    case 'nodes':
      return s.nodes.filter((i) => eligible.includes(i));
    case 'fraction':
    case 'count': {
      const pool = eligible.filter((i) => i !== 0);
      const n = s.kind === 'count' ? s.count : Math.round(s.fraction * pool.length);
      return shuffledPick(rng, pool, n);
    }
  }
}

function groupNodes(world: World, scenario: Scenario, name: string) {
  const g = scenario.nodes.groups[name]!;
  return world.nodes.slice(g.from, g.to + 1);
}

/** A deterministic coin from a segment's identity: the same whatever runs the simulation. */
function segmentCoin(a: number, b: number, c: number, d: number): number {
  let h = 0x811c9dc5;
  for (const v of [a, b, c, d]) {
    h = Math.imul(h ^ (v >>> 0), 0x01000193);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  }
  return (h >>> 0) / 2 ** 32;
}

function degrade(
  world: World,
  e: Extract<TimelineEvent, { event: 'degrade' }>,
  scenario: Scenario,
  rng: Rng,
): void {
  const members = new Set(
    select(
      e.select,
      world.nodes.map((_, i) => i),
      scenario,
      rng,
    ).map((i) => world.nodes[i]!.index),
  );
  const remove = world.sim.addFaultRule((m) => {
    if (!members.has(m.fromIndex) && !members.has(m.toIndex)) return 'pass';
    if (
      e.loss > 0 &&
      segmentCoin(m.fromIndex, m.toIndex, m.connectionId, m.timeMs * 1000 + m.attempt) < e.loss
    )
      return 'drop';
    return e.delayMs > 0 ? { delayMs: e.delayMs } : 'pass';
  });
  world.record('degrade', `${members.size} nodes`, `+${e.delayMs} ms, loss ${e.loss}, until ${e.untilMs} ms`);
  world.sim.schedule(e.untilMs, () => {
    remove();
    world.record('restore', `${members.size} nodes`, 'degrade ended');
  });
}

/** Poisson churn: exponential gaps; each step one live node crashes and one dead node returns. */
function churn(world: World, e: Extract<TimelineEvent, { event: 'churn' }>, rng: Rng): void {
  const perMs = (e.ratePerMinute * world.nodes.length) / 60_000;
  world.record('churn', 'all', `${e.ratePerMinute * 100}% of nodes per minute until ${e.untilMs} ms`);
  const step = (): void => {
    if (world.sim.nowMs >= e.untilMs) return;
    const up = world.upNodes().filter((i) => i !== 0);
    const down = world.state.flatMap((s, i) => (s === 'crashed' ? [i] : []));
    if (up.length > 0) world.crash(up[rng.int(up.length)]!, 'churn');
    if (down.length > 0) {
      const live = world.upNodes();
      world.restart(down[rng.int(down.length)]!, live[rng.int(live.length)], 'churn');
    }
    world.sim.schedule(world.sim.nowMs - Math.log(1 - rng.float()) / perMs, step);
  };
  world.sim.schedule(e.atMs - Math.log(1 - rng.float()) / perMs, step);
}

export function scheduleTimeline(world: World, scenario: Scenario, rng: Rng): void {
  const all = () => world.nodes.map((_, i) => i);
  for (const e of scenario.timeline) {
    world.sim.schedule(e.atMs, () => {
      switch (e.event) {
        case 'crash':
          for (const i of select(e.select, world.upNodes(), scenario, rng)) world.crash(i, 'timeline');
          return;
        case 'leave':
          for (const i of select(e.select, world.upNodes(), scenario, rng)) world.leave(i, 'timeline');
          return;
        case 'restart': {
          const down = all().filter((i) => world.state[i] === 'crashed' || world.state[i] === 'left');
          const live = world.upNodes();
          for (const i of select(e.select, down, scenario, rng))
            world.restart(i, live[rng.int(live.length)], 'timeline');
          return;
        }
        case 'partition': {
          const [a, b] = e.groups;
          world.sim.partition(
            groupNodes(world, scenario, a!),
            b ? groupNodes(world, scenario, b) : undefined,
          );
          world.cuts.push(cutOf(scenario, e.groups));
          world.record('partition', e.groups.join('|'), b ? `${a} cut from ${b}` : `${a} cut from the rest`);
          return;
        }
        case 'heal':
          world.sim.heal();
          world.cuts.length = 0;
          world.record('heal', 'all', 'every partition removed');
          return;
        case 'churn':
          churn(world, e, rng);
          return;
        case 'degrade':
          degrade(world, e, scenario, rng);
          return;
      }
    });
  }
}
