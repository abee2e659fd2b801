/**
 * The run's records as Apache Arrow IPC files: one table per kind of record (lookups.arrow,
 * messages.arrow, samples.arrow, faults.arrow), in the IPC *file* format (magic "ARROW1", footer
 * with batch offsets), which pyarrow's `ipc.open_file`, polars' `read_ipc` and DuckDB's arrow reader
 * open directly. Column names are snake_case so that SQL and dataframe code can use them unquoted;
 * docs/outputs.md lists every column with its type and unit.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Data,
  Field,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableFromIPC,
  tableToIPC,
} from 'apache-arrow';
import { boolColumn, dictColumn, float64Column, int32Column, int64Column, utf8Column } from './columns.js';
import type { FaultRecord, LookupRecord, MessageRecord, RunRecords, SampleRecord } from './records.js';

/** What the schema metadata says about the run, so a file read on its own still names its origin. */
export interface ArrowRunMeta {
  scenario?: string;
  seed?: number;
  backend?: string;
  valhallaVersion?: string;
  traceHash?: string;
}

type ColumnType = 'float64' | 'int32' | 'int64' | 'bool' | 'utf8' | 'dict';

interface ColumnSpec<R> {
  name: string;
  type: ColumnType;
  unit?: string; // written into the field metadata as "unit", read by pyarrow as field.metadata
  nullable?: boolean; // default: numbers are (NaN becomes null), booleans and strings are not
  // biome-ignore lint/suspicious/noExplicitAny: each column's getter returns its own value type
  get: (r: R) => any;
}

const LOOKUP_COLUMNS: ColumnSpec<LookupRecord>[] = [
  { name: 't_ms', type: 'float64', unit: 'ms', get: (r) => r.tMs },
  { name: 'node', type: 'int32', get: (r) => r.node },
  { name: 'target', type: 'int32', get: (r) => r.target },
  { name: 'found', type: 'bool', get: (r) => r.found },
  { name: 'hops', type: 'int32', get: (r) => r.hops },
  { name: 'queries', type: 'int32', get: (r) => r.queries },
  { name: 'latency_ms', type: 'float64', unit: 'ms', get: (r) => r.ms },
  { name: 'across_cut', type: 'bool', nullable: true, get: (r) => r.acrossCut ?? null },
];

const MESSAGE_COLUMNS: ColumnSpec<MessageRecord>[] = [
  { name: 't_ms', type: 'float64', unit: 'ms', get: (r) => r.tMs },
  { name: 'kind', type: 'dict', get: (r) => r.kind },
  { name: 'count', type: 'int64', get: (r) => r.count },
  { name: 'bytes', type: 'int64', unit: 'bytes', get: (r) => r.bytes },
];

const SAMPLE_COLUMNS: ColumnSpec<SampleRecord>[] = [
  { name: 't_ms', type: 'float64', unit: 'ms', get: (r) => r.tMs },
  { name: 'metric', type: 'dict', get: (r) => r.metric },
  { name: 'value', type: 'float64', get: (r) => r.value },
];

const FAULT_COLUMNS: ColumnSpec<FaultRecord>[] = [
  { name: 't_ms', type: 'float64', unit: 'ms', get: (r) => r.tMs },
  { name: 'kind', type: 'dict', get: (r) => r.kind },
  { name: 'target', type: 'utf8', get: (r) => r.target },
  { name: 'detail', type: 'utf8', get: (r) => r.detail },
];

/** The files writeArrowTables writes, in the order it returns them. */
export const ARROW_FILES = ['lookups.arrow', 'messages.arrow', 'samples.arrow', 'faults.arrow'] as const;

function buildColumn<R>(spec: ColumnSpec<R>, rows: readonly R[], dictId: number): Data {
  switch (spec.type) {
    case 'float64':
      return float64Column(rows, spec.get);
    case 'int32':
      return int32Column(rows, spec.get);
    case 'int64':
      return int64Column(rows, spec.get);
    case 'bool':
      return boolColumn(rows, spec.get);
    case 'utf8':
      return utf8Column(rows, spec.get);
    case 'dict':
      return dictColumn(rows, spec.get, dictId);
  }
}

function schemaMetadata(table: string, meta: ArrowRunMeta): Map<string, string> {
  const m = new Map<string, string>([['valhalla.table', table]]);
  if (meta.scenario !== undefined) m.set('valhalla.scenario', meta.scenario);
  if (meta.seed !== undefined) m.set('valhalla.seed', String(meta.seed));
  if (meta.backend !== undefined) m.set('valhalla.backend', meta.backend);
  if (meta.valhallaVersion !== undefined) m.set('valhalla.version', meta.valhallaVersion);
  if (meta.traceHash !== undefined) m.set('valhalla.trace_hash', meta.traceHash);
  return m;
}

/** One table as IPC file bytes. An empty table still carries its schema and one zero-row batch. */
function encodeTable<R>(
  name: string,
  columns: ColumnSpec<R>[],
  rows: readonly R[],
  meta: ArrowRunMeta = {},
): Uint8Array {
  // Dictionary ids must be unique within a file; the column position is.
  const data = columns.map((c, i) => buildColumn(c, rows, i));
  const fields = columns.map((c, i) => {
    const nullable = c.nullable ?? (c.type === 'float64' || c.type === 'int32' || c.type === 'int64');
    const fieldMeta = c.unit === undefined ? null : new Map([['unit', c.unit]]);
    return new Field(c.name, data[i]!.type, nullable, fieldMeta);
  });
  const schema = new Schema(fields, schemaMetadata(name, meta));
  const struct = makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children: data });
  const table = new Table(schema, new RecordBatch(schema, struct));
  return tableToIPC(table, 'file');
}

/**
 * Writes lookups.arrow, messages.arrow, samples.arrow and faults.arrow into `dir` (created if
 * missing) and returns their paths in that order.
 */
export function writeArrowTables(dir: string, records: RunRecords, meta: ArrowRunMeta = {}): string[] {
  mkdirSync(dir, { recursive: true });
  const tables: [string, Uint8Array][] = [
    ['lookups.arrow', encodeTable('lookups', LOOKUP_COLUMNS, records.lookups, meta)],
    ['messages.arrow', encodeTable('messages', MESSAGE_COLUMNS, records.messages, meta)],
    ['samples.arrow', encodeTable('samples', SAMPLE_COLUMNS, records.samples, meta)],
    ['faults.arrow', encodeTable('faults', FAULT_COLUMNS, records.faults, meta)],
  ];
  return tables.map(([file, bytes]) => {
    const path = join(dir, file);
    writeFileSync(path, bytes);
    return path;
  });
}

/** Reads an Arrow IPC file (file or stream format) back into an apache-arrow Table. */
export function readArrowTable(path: string): Table {
  return tableFromIPC(readFileSync(path));
}
