/** Byte sizes as people write them: 512, "64KiB", "1MiB", "2GiB", "500KB", "1MB" (SI). */
const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
};

export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?\\s*(B|KiB|MiB|GiB|KB|MB|GB)?$';

/** Bytes, or undefined when the text is not a size. */
export function parseSizeBytes(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/.exec(v.trim());
  if (!m) return undefined;
  const n = Math.round(Number(m[1]) * UNITS[m[2] ?? '']!);
  return Number.isSafeInteger(n) ? n : undefined;
}
