/**
 * Run outputs: the records a run keeps (records.ts), written as Arrow IPC tables (arrow.ts) and
 * drawn into one self-contained report.html (html.ts); writeReport puts them in the output
 * directory beside summary.json. docs/outputs.md describes every file and column.
 *
 * This layer only turns finished records into files. It never runs, samples or times anything, and
 * it renders the same bytes for the same records (no clock, no randomness), so two runs with the
 * same seed leave identical reports apart from wall time and memory.
 */

export { ARROW_FILES, type ArrowRunMeta, readArrowTable, writeArrowTables } from './arrow.js';
export { renderReport } from './html.js';
export type { FaultRecord, LookupRecord, MessageRecord, RunRecords, SampleRecord } from './records.js';
export { writeReport } from './write.js';
