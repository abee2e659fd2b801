/**
 * Scales map data values to SVG pixels and choose tick values a reader can read at a glance:
 * steps of 1, 2 or 5 times a power of ten on a linear axis, decades (and 2, 5 between them when
 * there are few decades) on a log axis.
 */

export interface Scale {
  /** Data value to pixel. Values outside the domain map outside the range (the plot clips them). */
  at(v: number): number;
  readonly domain: readonly [number, number];
  readonly ticks: readonly number[];
  readonly log: boolean;
}

/** The 1-2-5 step that gives about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / Math.max(1, count);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const m = raw / pow; // in [1, 10); round to the nearest of 1, 2, 5, 10 on a log scale (as d3 does)
  return (m >= Math.sqrt(50) ? 10 : m >= Math.sqrt(10) ? 5 : m >= Math.sqrt(2) ? 2 : 1) * pow;
}

/** Widens [lo, hi] to multiples of a nice step; a zero-width domain becomes a unit around its value. */
export function niceDomain(lo: number, hi: number, count = 5): [number, number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1, 0.2];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, count);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step, step];
}

function ticksOf(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let k = first; k * step <= hi + step * 1e-9; k++) out.push(Number((k * step).toPrecision(12)));
  return out;
}

/**
 * A linear scale. With `nice` the domain is widened to whole ticks (for value axes); without it the
 * domain is kept exactly (for time axes, which must line up across charts) and ticks fall inside.
 * With `integer` ticks are whole numbers.
 */
export function linearScale(
  domain: [number, number],
  range: [number, number],
  opts: { ticks?: number; nice?: boolean; integer?: boolean } = {},
): Scale {
  const count = opts.ticks ?? 5;
  let [lo, hi] = domain;
  let step: number;
  if (opts.nice ?? true) [lo, hi, step] = niceDomain(lo, hi, count);
  else {
    if (!(hi > lo)) hi = lo + 1;
    step = niceStep(hi - lo, count);
  }
  // A count (nodes alive, table size) has no values between integers; neither should its ticks.
  if (opts.integer && step < 1) {
    step = 1;
    [lo, hi] = [Math.floor(lo), Math.ceil(hi)];
    if (hi === lo) hi = lo + 1;
  }
  const [r0, r1] = range;
  const k = (r1 - r0) / (hi - lo);
  return { at: (v) => r0 + (v - lo) * k, domain: [lo, hi], ticks: ticksOf(lo, hi, step), log: false };
}

/** A base-10 log scale over a positive domain, widened to whole decades. */
export function logScale(domain: [number, number], range: [number, number]): Scale {
  const lo = 10 ** Math.floor(Math.log10(domain[0]));
  let hi = 10 ** Math.ceil(Math.log10(domain[1]));
  if (hi <= lo) hi = lo * 10;
  const l0 = Math.log10(lo);
  const [r0, r1] = range;
  const k = (r1 - r0) / (Math.log10(hi) - l0);
  const decades = Math.round(Math.log10(hi) - l0);
  const ticks: number[] = [];
  for (let d = 0; d <= decades; d++) {
    const base = lo * 10 ** d;
    ticks.push(Number(base.toPrecision(12)));
    // With few decades, 2 and 5 between them keep the axis from having only two labels.
    if (decades <= 3 && d < decades)
      ticks.push(Number((base * 2).toPrecision(12)), Number((base * 5).toPrecision(12)));
  }
  const at = (v: number): number => r0 + (Math.log10(Math.max(v, lo / 10)) - l0) * k;
  return { at, domain: [lo, hi], ticks, log: true };
}
