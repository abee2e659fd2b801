/**
 * Progress lines for a terminal, rewritten in place (carriage return + erase line) on stderr:
 * a single run shows virtual time, events per second and an ETA; a sweep shows replicas done and
 * an ETA. Silent unless stderr is a terminal, and never with --json (the callers decide).
 *
 * ETAs come from virtual-time progress against the scenario's end, at the rate of the last few
 * seconds of wall time: runs have phases (a join phase is slower per virtual second than lookups),
 * and the recent rate follows them where the average since the start would lag.
 */

import type { Progress } from './sim-run.js';

const REDRAW_MS = 250; // at most four redraws a second
const RATE_WINDOW_MS = 10_000; // the wall-time span the rates are measured over

/** A rate over a sliding window of (wall ms, amount) points. */
class RecentRate {
  private readonly points: [number, number][] = [];
  add(wallMs: number, amount: number): void {
    this.points.push([wallMs, amount]);
    while (this.points.length > 2 && wallMs - this.points[1]![0] >= RATE_WINDOW_MS) this.points.shift();
  }
  /** Amount per wall second; NaN until two points a little apart. */
  perSecond(): number {
    const first = this.points[0];
    const last = this.points[this.points.length - 1];
    if (!first || !last || last[0] - first[0] < 200) return Number.NaN;
    return ((last[1] - first[1]) / (last[0] - first[0])) * 1000;
  }
}

/** "42 s", "3 min 05 s", "1 h 02 min". */
export function fmtEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '…';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Seconds left at the recent rate of `done` per wall second (NaN when unknown). */
function etaSeconds(left: number, ratePerSecond: number): number {
  if (left <= 0) return 0;
  return ratePerSecond > 0 ? left / ratePerSecond : Number.NaN;
}

export interface ProgressLine {
  update(text: string, force?: boolean): void;
  /** Erase the line (before other output, and at the end). */
  clear(): void;
}

export function progressLine(write: (text: string) => void, now = () => performance.now()): ProgressLine {
  let last = Number.NEGATIVE_INFINITY;
  let shown = false;
  return {
    update(text, force = false) {
      const t = now();
      if (!force && t - last < REDRAW_MS) return;
      last = t;
      shown = true;
      write(`\r\x1b[K${text}`);
    },
    clear() {
      if (shown) write('\r\x1b[K');
      shown = false;
    },
  };
}

/** Single run: `virtual 41.0 s / 200 s (20%)  12,345 events/s  ETA 1 min 10 s`. */
export function runProgress(line: ProgressLine): (p: Progress) => void {
  const virtual = new RecentRate();
  const events = new RecentRate();
  return (p) => {
    virtual.add(p.wallMs, p.virtualMs);
    events.add(p.wallMs, p.events);
    const frac = p.durationMs > 0 ? Math.min(1, p.virtualMs / p.durationMs) : 1;
    const eps = events.perSecond();
    const eta = etaSeconds(p.durationMs - p.virtualMs, virtual.perSecond());
    const text =
      `virtual ${(p.virtualMs / 1000).toFixed(1)} s / ${(p.durationMs / 1000).toFixed(0)} s (${Math.floor(frac * 100)}%)` +
      `  ${Number.isFinite(eps) ? Math.round(eps).toLocaleString('en-US') : '…'} events/s  ETA ${fmtEta(eta)}`;
    line.update(text, frac >= 1);
  };
}

/** Sweep: `replicas 3/12 done, 2 running, 1 failed  31%  ETA 2 min 10 s`. */
export function sweepProgress(
  line: ProgressLine,
  total: number,
): (s: { done: number; running: number; failed: number; fraction: number; wallMs: number }) => void {
  const rate = new RecentRate();
  return (s) => {
    rate.add(s.wallMs, s.fraction * total);
    const eta = etaSeconds((1 - s.fraction) * total, rate.perSecond());
    const failed = s.failed > 0 ? `, ${s.failed} failed` : '';
    line.update(
      `replicas ${s.done}/${total} done, ${s.running} running${failed}  ${Math.floor(s.fraction * 100)}%  ETA ${fmtEta(eta)}`,
    );
  };
}
