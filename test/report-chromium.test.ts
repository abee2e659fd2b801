/**
 * report.html in a real browser: Debian's headless Chromium parses it, lays it out and screenshots
 * it. Skipped, with a message, where Chromium is not installed (apt-get install -y chromium).
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpDom, findChromium, screenshot } from '../bench/chromium.js';
import { demoRecords, demoSummary } from '../bench/report-demo.js';
import { writeReport } from '../cli/report/write.js';
import { countColor, decodePng } from './report-png.js';

const chromium = findChromium();
if (!chromium)
  console.warn(
    'test/report-chromium: chromium not found (apt-get install -y chromium, or set CHROMIUM): skipped',
  );

describe.skipIf(!chromium)('report.html in headless Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'valhalla-report-chromium-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const records = demoRecords();
  writeReport(dir, demoSummary(records), records);
  const html = join(dir, 'report.html');

  it('parses every chart into the DOM', () => {
    const source = readFileSync(html, 'utf8');
    const dom = dumpDom(html);
    const svgs = (s: string): number => s.match(/<svg\b/g)?.length ?? 0;
    expect(svgs(dom)).toBe(svgs(source));
    expect(svgs(dom)).toBeGreaterThanOrEqual(5);
    for (const id of ['success-over-time', 'latency-cdf', 'hops', 'samples', 'messages', 'bytes'])
      expect(dom).toContain(`id="chart-${id}"`);
    // The parser kept the paths (a broken attribute would have cut them off).
    expect(dom.match(/<path d="M/g)!.length).toBeGreaterThan(10);
  });

  it('paints the charts: lines, the partition band, the verdicts', () => {
    const png = join(dir, 'report.png');
    screenshot(html, png, { widthPx: 1280, heightPx: 2600 });
    const img = decodePng(readFileSync(png));
    expect(img.width).toBe(1280);
    expect(img.height).toBe(2600);
    // Series blue: success rate, CDF, found bars, sampled metrics, first traffic kind.
    expect(countColor(img, '#2f6db3', 20)).toBeGreaterThan(20_000);
    // The partition band: rgba(192, 57, 43, 0.09) over white, in the time charts.
    expect(countColor(img, '#f9eded', 3)).toBeGreaterThan(50_000);
    // The FAIL badge of the failed assertion and of the run.
    expect(countColor(img, '#c62828', 10)).toBeGreaterThan(300);
  });
});
