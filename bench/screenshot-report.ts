/**
 * Screenshot of a run's report.html with headless Chromium:
 *
 *   node dist/bench/screenshot-report.js DIR [--out FILE.png] [--width PX] [--height PX] [--demo]
 *
 * writes DIR/report.png (or FILE.png). With --demo it first writes a report made from synthetic
 * partition-heal records into DIR, so the charts can be checked without running a simulation.
 * Chromium screenshots the window, not the whole page: --height sets how much of the page is kept.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeReport } from '../cli/report/write.js';
import { screenshot } from './chromium.js';
import { demoRecords, demoSummary } from './report-demo.js';

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      width: { type: 'string', default: '1280' },
      height: { type: 'string', default: '2600' },
      demo: { type: 'boolean', default: false },
    },
  });
  const dir = positionals[0];
  if (!dir) {
    process.stderr.write(
      'usage: screenshot-report DIR [--out FILE.png] [--width PX] [--height PX] [--demo]\n',
    );
    return 2;
  }
  if (values.demo) {
    const records = demoRecords();
    writeReport(dir, demoSummary(records), records);
  }
  const html = join(dir, 'report.html');
  if (!existsSync(html)) {
    process.stderr.write(
      `${html} does not exist (write one with: valhalla run FILE --out DIR; or pass --demo)\n`,
    );
    return 2;
  }
  const out = values.out ?? join(dir, 'report.png');
  screenshot(html, out, { widthPx: Number(values.width), heightPx: Number(values.height) });
  process.stdout.write(`${out}\n`);
  return 0;
}

process.exitCode = main();
