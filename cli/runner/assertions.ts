import type { Assertion } from '../../scenarios/types.js';

export interface AssertionResult {
  text: string;
  metric: string;
  value: number | null;
  pass: boolean;
}

/** An assertion names a metric the run does not produce: a mistake in the file, not a failure. */
export class UnknownMetricError extends Error {
  override name = 'UnknownMetricError';
}

export function evaluate(assertions: Assertion[], metrics: Record<string, number>): AssertionResult[] {
  return assertions.map((a) => {
    if (!(a.metric in metrics)) {
      const known = Object.keys(metrics).sort().join(', ');
      throw new UnknownMetricError(
        `assertion "${a.text}" names metric "${a.metric}", which this run does not produce. Known metrics: ${known}`,
      );
    }
    const v = metrics[a.metric]!;
    // NaN (e.g. a rate with no samples) fails every comparison, which is what a reader expects.
    return {
      text: a.text,
      metric: a.metric,
      value: Number.isNaN(v) ? null : v,
      pass: compare(v, a.op, a.value),
    };
  });
}

function compare(v: number, op: Assertion['op'], target: number): boolean {
  switch (op) {
    case '>=':
      return v >= target;
    case '<=':
      return v <= target;
    case '>':
      return v > target;
    case '<':
      return v < target;
    case '==':
      return v === target;
    case '!=':
      return v !== target;
  }
}
