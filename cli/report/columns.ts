/**
 * Column builders for the Arrow tables: each turns one field of a record array into an Arrow
 * `Data` by filling a typed array directly. A run can keep millions of lookups, and apache-arrow's
 * generic builders (vectorFromArray, tableFromJSON) box every value and grow buffers row by row;
 * one pass into a preallocated typed array is an order of magnitude faster and allocates once.
 *
 * Missing values: a non-finite number (NaN from a metric with no samples, a lookup that never got a
 * latency) becomes null rather than NaN. Readers treat null as "no value" in aggregates (mean,
 * quantile, SQL AVG skip it) whereas a single NaN poisons them.
 */

import { Bool, type Data, Dictionary, Float64, Int32, Int64, makeData, makeVector, Utf8 } from 'apache-arrow';

/** A validity bitmap (1 = valid), or undefined when every value is valid (Arrow's cheap path). */
class Validity {
  private bits: Uint8Array | undefined;
  nulls = 0;
  constructor(private readonly length: number) {}

  setNull(i: number): void {
    if (this.bits === undefined) this.bits = new Uint8Array((this.length + 7) >> 3).fill(0xff);
    this.bits[i >> 3]! &= ~(1 << (i & 7));
    this.nulls++;
  }

  props(): { nullCount: number; nullBitmap?: Uint8Array } {
    return this.bits === undefined ? { nullCount: 0 } : { nullCount: this.nulls, nullBitmap: this.bits };
  }
}

export function float64Column<R>(rows: readonly R[], get: (r: R) => number): Data<Float64> {
  const n = rows.length;
  const values = new Float64Array(n);
  const valid = new Validity(n);
  for (let i = 0; i < n; i++) {
    const v = get(rows[i]!);
    // Infinity is a real value for a float column; only NaN (and non-numbers) mean "none".
    if (typeof v !== 'number' || Number.isNaN(v)) valid.setNull(i);
    else values[i] = v;
  }
  return makeData({ type: new Float64(), length: n, data: values, ...valid.props() });
}

export function int32Column<R>(rows: readonly R[], get: (r: R) => number): Data<Int32> {
  const n = rows.length;
  const values = new Int32Array(n);
  const valid = new Validity(n);
  for (let i = 0; i < n; i++) {
    const v = get(rows[i]!);
    if (Number.isFinite(v)) values[i] = v;
    else valid.setNull(i);
  }
  return makeData({ type: new Int32(), length: n, data: values, ...valid.props() });
}

const TWO_32 = 2 ** 32; // splits a safe integer into the two 32-bit halves of an int64

/**
 * Int64 without a BigInt per row: each value is written as its low and high 32-bit words (little
 * endian, as Arrow IPC is) into a Uint32Array that shares the BigInt64Array's buffer.
 */
export function int64Column<R>(rows: readonly R[], get: (r: R) => number): Data<Int64> {
  const n = rows.length;
  const values = new BigInt64Array(n);
  const words = new Uint32Array(values.buffer);
  const valid = new Validity(n);
  for (let i = 0; i < n; i++) {
    const v = get(rows[i]!);
    if (!Number.isFinite(v)) {
      valid.setNull(i);
      continue;
    }
    const t = Math.trunc(v);
    words[2 * i] = t >>> 0; // ToUint32 is the value mod 2^32, also for negatives (two's complement)
    words[2 * i + 1] = Math.floor(t / TWO_32) >>> 0;
  }
  return makeData({ type: new Int64(), length: n, data: values, ...valid.props() });
}

/** Booleans; a getter returning null or undefined marks the row null. */
export function boolColumn<R>(rows: readonly R[], get: (r: R) => boolean | null | undefined): Data<Bool> {
  const n = rows.length;
  const bits = new Uint8Array((n + 7) >> 3); // Arrow booleans are bit-packed, least significant bit first
  const valid = new Validity(n);
  for (let i = 0; i < n; i++) {
    const v = get(rows[i]!);
    if (v === null || v === undefined) valid.setNull(i);
    else if (v) bits[i >> 3]! |= 1 << (i & 7);
  }
  return makeData({ type: new Bool(), length: n, data: bits, ...valid.props() });
}

/** Plain UTF-8: offsets into one byte buffer, sized exactly before writing. */
export function utf8Column<R>(rows: readonly R[], get: (r: R) => string): Data<Utf8> {
  const n = rows.length;
  const strings = new Array<string>(n);
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const s = String(get(rows[i]!) ?? '');
    strings[i] = s;
    total += Buffer.byteLength(s, 'utf8');
    offsets[i + 1] = total;
  }
  const bytes = Buffer.allocUnsafe(total);
  for (let i = 0; i < n; i++) bytes.write(strings[i]!, offsets[i]!, 'utf8');
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset, total);
  return makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data, nullCount: 0 });
}

/**
 * Dictionary<Utf8, Int32> for columns with a handful of distinct values over many rows (message
 * kind, sample metric, fault kind): each row stores a 4-byte index instead of the string, readers
 * get a categorical column (pandas Categorical, polars Categorical, DuckDB VARCHAR). Int32 indices
 * are the type every reader accepts; the dictionary lists values in order of first appearance,
 * which is deterministic because the records are.
 */
export function dictColumn<R>(rows: readonly R[], get: (r: R) => string, id: number): Data<Dictionary> {
  const n = rows.length;
  const indices = new Int32Array(n);
  const index = new Map<string, number>();
  const values: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = String(get(rows[i]!) ?? '');
    let k = index.get(s);
    if (k === undefined) {
      k = values.length;
      index.set(s, k);
      values.push(s);
    }
    indices[i] = k;
  }
  const dictionary = makeVector(utf8Column(values, (s) => s));
  const type = new Dictionary(new Utf8(), new Int32(), id);
  return makeData({ type, length: n, data: indices, dictionary, nullCount: 0 });
}
