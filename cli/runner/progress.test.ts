import { describe, expect, it } from 'vitest';
import { fmtEta, progressLine, runProgress, sweepProgress } from './progress.js';

function fakeLine() {
  let now = 0;
  const writes: string[] = [];
  const line = progressLine(
    (t) => writes.push(t),
    () => now,
  );
  return { line, writes, at: (ms: number) => (now = ms) };
}

describe('progress lines', () => {
  it('shows virtual time, events/s and an ETA from the recent virtual-time rate', () => {
    const f = fakeLine();
    const show = runProgress(f.line);
    // 2 s of virtual time per wall second, 1,000 events per wall second, 100 s to run.
    for (let s = 0; s <= 10; s++) {
      f.at(s * 1000);
      show({ virtualMs: s * 2000, durationMs: 100_000, events: s * 1000, wallMs: s * 1000 });
    }
    const last = f.writes[f.writes.length - 1]!;
    expect(last.startsWith('\r\x1b[K')).toBe(true);
    expect(last).toContain('virtual 20.0 s / 100 s (20%)');
    expect(last).toContain('1,000 events/s');
    expect(last).toContain('ETA 40 s'); // 80 s of virtual time left at 2 per second
    // A slower phase: the ETA follows the recent rate, not the average since the start.
    for (let s = 11; s <= 30; s++) {
      f.at(s * 1000);
      show({ virtualMs: 20_000 + (s - 10) * 500, durationMs: 100_000, events: 10_000, wallMs: s * 1000 });
    }
    expect(f.writes[f.writes.length - 1]).toContain('ETA 2 min 20 s'); // 70 s left at 0.5 per second
    f.line.clear();
    expect(f.writes[f.writes.length - 1]).toBe('\r\x1b[K');
  });

  it('redraws at most four times a second, but always at the end', () => {
    const f = fakeLine();
    const show = runProgress(f.line);
    for (let ms = 0; ms <= 1000; ms += 10) {
      f.at(ms);
      show({ virtualMs: ms, durationMs: 1000, events: ms, wallMs: ms });
    }
    expect(f.writes.length).toBeLessThanOrEqual(6);
    expect(f.writes[f.writes.length - 1]).toContain('(100%)');
  });

  it('shows replicas done and an ETA for a sweep', () => {
    const f = fakeLine();
    const show = sweepProgress(f.line, 8);
    for (let s = 0; s <= 4; s++) {
      f.at(s * 1000);
      show({ done: s, running: 2, failed: s > 2 ? 1 : 0, fraction: s / 8, wallMs: s * 1000 });
    }
    const last = f.writes[f.writes.length - 1]!;
    expect(last).toContain('replicas 4/8 done, 2 running, 1 failed  50%  ETA 4 s');
  });

  it('formats ETAs', () => {
    expect(fmtEta(Number.NaN)).toBe('…');
    expect(fmtEta(59.4)).toBe('59 s');
    expect(fmtEta(185)).toBe('3 min 05 s');
    expect(fmtEta(3720)).toBe('1 h 02 min');
  });
});
