/**
 * Text for report.html: escaping (scenario names, fault targets and metric names are user input and
 * must never become markup) and number formats that read well on an axis or in a table.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in element text and in quoted attribute values, in HTML and in inline SVG alike. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A table value: integers with separators, fractions with a few significant digits, n/a for none. */
export function fmtNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const digits = Math.abs(v) < 1 ? 4 : Math.abs(v) < 10 ? 3 : 1;
  return v.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** An axis tick: short (1.5k, 20M, 0.25), since ticks share little room. */
export function fmtTick(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e9) return `${trim(v / 1e9)}G`;
  if (a >= 1e6) return `${trim(v / 1e6)}M`;
  if (a >= 1e4) return `${trim(v / 1e3)}k`;
  if (a >= 1) return trim(v);
  return String(Number(v.toPrecision(3)));
}

function trim(v: number): string {
  return String(Number(v.toFixed(2)));
}

/** A duration for people: 850 ms, 12.3 s, 4 min 03 s. */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 1000) return `${fmtNumber(Number(ms.toPrecision(3)))} ms`;
  if (ms < 120_000) return `${Number((ms / 1000).toFixed(ms < 10_000 ? 2 : 1))} s`; // 5 s, 2.25 s, 41.3 s
  const min = Math.floor(ms / 60_000);
  const s = Math.round((ms - min * 60_000) / 1000);
  return `${min} min ${String(s).padStart(2, '0')} s`;
}

/** Bytes with binary prefixes, as memory and traffic are usually read. */
export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

export function fmtPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'n/a';
  const p = fraction * 100;
  return `${p === 100 || p === 0 ? p : p.toFixed(p >= 99 || p < 1 ? 2 : 1)}%`;
}
