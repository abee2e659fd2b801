import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Field, type Table, Type } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { ARROW_FILES, readArrowTable, writeArrowTables } from '../cli/report/arrow.js';
import type { RunRecords } from '../cli/report/records.js';

const tmp = mkdtempSync(join(tmpdir(), 'valhalla-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const records: RunRecords = {
  lookups: [
    { tMs: 0.5, node: 0, target: 7, found: true, hops: 3, queries: 9, ms: 120.25, acrossCut: true },
    { tMs: 1000, node: 9999, target: -1, found: false, hops: 0, queries: 1, ms: Number.NaN },
    { tMs: 2000, node: 2, target: 3, found: true, hops: 1, queries: 3, ms: Number.POSITIVE_INFINITY },
  ],
  messages: [
    { tMs: 0, kind: 'dht.find-node', count: 12, bytes: 2 ** 40 + 5 }, // past 32 bits: needs int64
    { tMs: 0, kind: 'veil.handshake', count: 2, bytes: 296 },
    { tMs: 1000, kind: 'dht.find-node', count: 0, bytes: 0 },
  ],
  samples: [
    { tMs: 0, metric: 'table.size.mean', value: 3.5 },
    { tMs: 0, metric: 'lookup.success_rate', value: Number.NaN },
    { tMs: 500, metric: 'table.size.mean', value: -0 },
  ],
  faults: [
    { tMs: 60_000, kind: 'partition', target: 'Ålesund|東京 🚀', detail: '50/50' },
    { tMs: 120_000, kind: 'heal', target: 'Ålesund|東京 🚀', detail: '' },
  ],
};

const meta = {
  scenario: 'partition-heal ✓',
  seed: 42,
  backend: 'sim',
  valhallaVersion: '0.1.0',
  traceHash: 'abc123',
};

function columns(t: Table): [string, string, boolean][] {
  return t.schema.fields.map((f: Field) => [f.name, String(f.type), f.nullable]);
}

describe('writeArrowTables', () => {
  const dir = join(tmp, 'tables');
  const paths = writeArrowTables(dir, records, meta);

  it('writes the four tables in the IPC file format', () => {
    expect(paths).toEqual(ARROW_FILES.map((f) => join(dir, f)));
    for (const p of paths) {
      const bytes = readFileSync(p);
      // The file format opens and closes with the magic "ARROW1" (the stream format has neither).
      expect(bytes.subarray(0, 6).toString('latin1')).toBe('ARROW1');
      expect(bytes.subarray(bytes.length - 6).toString('latin1')).toBe('ARROW1');
    }
  });

  it('lookups: names, types, values; NaN latency is null, Infinity stays', () => {
    const t = readArrowTable(paths[0]!);
    expect(columns(t)).toEqual([
      ['t_ms', 'Float64', true],
      ['node', 'Int32', true],
      ['target', 'Int32', true],
      ['found', 'Bool', false],
      ['hops', 'Int32', true],
      ['queries', 'Int32', true],
      ['latency_ms', 'Float64', true],
      ['across_cut', 'Bool', true],
    ]);
    expect(t.numRows).toBe(3);
    expect(t.get(0)!.toJSON()).toEqual({
      t_ms: 0.5,
      node: 0,
      target: 7,
      found: true,
      hops: 3,
      queries: 9,
      latency_ms: 120.25,
      across_cut: true,
    });
    expect(t.get(1)!.toJSON()).toMatchObject({
      node: 9999,
      target: -1,
      found: false,
      latency_ms: null,
      across_cut: null, // no partition to be across
    });
    expect(t.get(2)!.latency_ms).toBe(Number.POSITIVE_INFINITY);
    expect(t.getChild('latency_ms')!.nullCount).toBe(1);
    expect(t.schema.fields[0]!.metadata.get('unit')).toBe('ms');
  });

  it('messages: dictionary-encoded kind, int64 counts and bytes', () => {
    const t = readArrowTable(paths[1]!);
    expect(columns(t)).toEqual([
      ['t_ms', 'Float64', true],
      ['kind', 'Dictionary<Int32, Utf8>', false],
      ['count', 'Int64', true],
      ['bytes', 'Int64', true],
    ]);
    expect(t.schema.fields[1]!.typeId).toBe(Type.Dictionary);
    expect(t.getChild('kind')!.toArray()).toEqual(['dht.find-node', 'veil.handshake', 'dht.find-node']);
    expect(t.getChild('bytes')!.toArray()).toEqual(new BigInt64Array([2n ** 40n + 5n, 296n, 0n]));
    expect(t.getChild('count')!.get(0)).toBe(12n);
  });

  it('samples: metric and value; a NaN sample is null', () => {
    const t = readArrowTable(paths[2]!);
    expect(columns(t)).toEqual([
      ['t_ms', 'Float64', true],
      ['metric', 'Dictionary<Int32, Utf8>', false],
      ['value', 'Float64', true],
    ]);
    expect(t.toArray().map((r) => r.toJSON())).toEqual([
      { t_ms: 0, metric: 'table.size.mean', value: 3.5 },
      { t_ms: 0, metric: 'lookup.success_rate', value: null },
      { t_ms: 500, metric: 'table.size.mean', value: -0 },
    ]);
  });

  it('faults: unicode survives in targets', () => {
    const t = readArrowTable(paths[3]!);
    expect(columns(t)).toEqual([
      ['t_ms', 'Float64', true],
      ['kind', 'Dictionary<Int32, Utf8>', false],
      ['target', 'Utf8', false],
      ['detail', 'Utf8', false],
    ]);
    expect(t.get(0)!.toJSON()).toEqual({
      t_ms: 60_000,
      kind: 'partition',
      target: 'Ålesund|東京 🚀',
      detail: '50/50',
    });
    expect(t.get(1)!.detail).toBe('');
  });

  it('puts the run into the schema metadata of every file', () => {
    for (const [i, p] of paths.entries()) {
      const m = readArrowTable(p).schema.metadata;
      expect(Object.fromEntries(m)).toEqual({
        'valhalla.table': ARROW_FILES[i]!.replace('.arrow', ''),
        'valhalla.scenario': 'partition-heal ✓',
        'valhalla.seed': '42',
        'valhalla.backend': 'sim',
        'valhalla.version': '0.1.0',
        'valhalla.trace_hash': 'abc123',
      });
    }
  });

  it('empty tables still carry their schema', () => {
    const empty = writeArrowTables(join(tmp, 'empty'), {
      lookups: [],
      messages: [],
      samples: [],
      faults: [],
    });
    const expected = [8, 4, 3, 4];
    for (const [i, p] of empty.entries()) {
      const t = readArrowTable(p);
      expect(t.numRows).toBe(0);
      expect(t.numCols).toBe(expected[i]);
    }
    expect(String(readArrowTable(empty[1]!).schema.fields[1]!.type)).toBe('Dictionary<Int32, Utf8>');
  });

  it('writes a million lookups quickly', () => {
    const n = 1_000_000;
    const lookups = Array.from({ length: n }, (_, i) => ({
      tMs: i * 0.25,
      node: i % 10_000,
      target: (i * 7) % 10_000,
      found: i % 97 !== 0,
      hops: i % 6,
      queries: 3 + (i % 6) * 3,
      ms: i % 97 === 0 ? Number.NaN : 50 + (i % 400),
    }));
    const started = performance.now();
    const [p] = writeArrowTables(join(tmp, 'big'), { lookups, messages: [], samples: [], faults: [] });
    const elapsedMs = performance.now() - started;
    const t = readArrowTable(p!);
    expect(t.numRows).toBe(n);
    expect(t.getChild('latency_ms')!.nullCount).toBe(Math.ceil(n / 97));
    expect(t.getChild('node')!.get(n - 1)).toBe((n - 1) % 10_000);
    expect(t.getChild('found')!.get(97 * 5)).toBe(false);
    // About 0.5 s on the reference machine; the bound only catches a fall back to a per-row builder.
    expect(elapsedMs).toBeLessThan(8000);
  });
});

describe('docs/outputs.md', () => {
  /** `| \`name\` | Type | unit | meaning |` rows under each `### file.arrow` heading. */
  function documented(): Map<string, [string, string][]> {
    const text = readFileSync(new URL('../docs/outputs.md', import.meta.url), 'utf8');
    const out = new Map<string, [string, string][]>();
    let file: string | undefined;
    for (const line of text.split('\n')) {
      const h = /^###\s+`?([a-z]+\.arrow)`?/.exec(line);
      if (h) {
        file = h[1]!;
        out.set(file, []);
        continue;
      }
      if (line.startsWith('## ')) file = undefined;
      const row = /^\|\s*`([a-z_]+)`\s*\|\s*`?([^|`]+?)`?\s*\|/.exec(line);
      if (file && row) out.get(file)!.push([row[1]!, row[2]!]);
    }
    return out;
  }

  it('lists every column of every table with its Arrow type', () => {
    const docs = documented();
    const dir = join(tmp, 'tables');
    for (const file of ARROW_FILES) {
      const t = readArrowTable(join(dir, file));
      expect(docs.get(file), file).toEqual(t.schema.fields.map((f: Field) => [f.name, String(f.type)]));
    }
  });
});
