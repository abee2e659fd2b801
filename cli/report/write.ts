/**
 * Everything a run leaves in its output directory, written together so the files always describe
 * the same run: summary.json, the four Arrow tables and report.html.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../runner/summary.js';
import { writeArrowTables } from './arrow.js';
import { renderReport } from './html.js';
import type { RunRecords } from './records.js';

/** Writes DIR/summary.json, DIR/{lookups,messages,samples,faults}.arrow and DIR/report.html; returns their paths. */
export function writeReport(dir: string, summary: RunSummary, records: RunRecords): string[] {
  mkdirSync(dir, { recursive: true });
  const summaryPath = join(dir, 'summary.json');
  // JSON has no NaN: a metric without a value is written as null (JSON.stringify's own rule).
  writeFileSync(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  const arrows = writeArrowTables(dir, records, {
    scenario: summary.scenario,
    seed: summary.seed,
    backend: summary.backend,
    valhallaVersion: summary.versions?.valhalla,
    traceHash: summary.traceHash,
  });
  const htmlPath = join(dir, 'report.html');
  writeFileSync(htmlPath, renderReport(summary, records));
  return [summaryPath, ...arrows, htmlPath];
}
