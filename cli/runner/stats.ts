/** Order statistics over plain arrays; used for summaries, never on a hot path. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

/** p50/p90/p99/mean/max under `${prefix}.p50` etc. */
export function distribution(prefix: string, values: number[]): Record<string, number> {
  const sorted = Float64Array.from(values).sort();
  const sum = values.reduce((s, v) => s + v, 0);
  return {
    [`${prefix}.p50`]: quantile(sorted, 0.5),
    [`${prefix}.p90`]: quantile(sorted, 0.9),
    [`${prefix}.p99`]: quantile(sorted, 0.99),
    [`${prefix}.mean`]: values.length ? sum / values.length : Number.NaN,
    [`${prefix}.max`]: values.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}
