/**
 * Which pairs of nodes a partition separates, from the scenario alone: a `partition` event cuts
 * group a from group b (or from every other node). The runner uses it two ways: routing-table
 * health counts an entry reachable only if no cut in force separates it from the table's owner,
 * and each lookup is classed as across the cut or on one side, so a report can show that lookups
 * across a cut fail during it and succeed again after the heal.
 */

import type { Scenario } from '../../scenarios/types.js';

type Range = { from: number; to: number };

export interface Cut {
  a: Range;
  /** The other side; absent: every node outside a. */
  b?: Range;
}

const inRange = (r: Range, i: number): boolean => i >= r.from && i <= r.to;

export function cutOf(scenario: Scenario, groups: readonly string[]): Cut {
  const [a, b] = groups;
  const ga = scenario.nodes.groups[a!]!;
  return b === undefined ? { a: ga } : { a: ga, b: scenario.nodes.groups[b]! };
}

/** True when the cut puts nodes i and j on opposite sides. */
export function separates(cut: Cut, i: number, j: number): boolean {
  const ia = inRange(cut.a, i);
  const ja = inRange(cut.a, j);
  if (!cut.b) return ia !== ja;
  return (ia && inRange(cut.b, j)) || (ja && inRange(cut.b, i));
}

/**
 * The cut a lookup issued at tMs is classed against: the last partition at or before tMs (in force
 * or healed since: "the former cut"), else the first one after it (lookups before a partition are
 * the baseline for the same pairs). Undefined when the scenario partitions nothing.
 */
export function cutForLookups(scenario: Scenario): (tMs: number) => Cut | undefined {
  const parts = scenario.timeline
    .filter((e) => e.event === 'partition')
    .map((e) => ({ atMs: e.atMs, cut: cutOf(scenario, e.groups) }))
    .sort((x, y) => x.atMs - y.atMs);
  if (parts.length === 0) return () => undefined;
  return (tMs) => {
    let chosen = parts[0]!;
    for (const p of parts) if (p.atMs <= tMs) chosen = p;
    return chosen.cut;
  };
}
