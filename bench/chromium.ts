/**
 * Headless Chromium, driven through its command line (no CDP client, no npm browser download):
 * Debian's `chromium` package is what CI and developers install. Used to screenshot report.html
 * and, in the report tests, to check that a real browser parses and lays out its SVG charts.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The browser to use: $CHROMIUM if set, else the first of the usual names on PATH, else undefined. */
export function findChromium(): string | undefined {
  const env = process.env.CHROMIUM;
  if (env) return env;
  for (const name of CANDIDATES) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() !== '') return r.stdout.trim();
  }
  return undefined;
}

/**
 * Flags for a quiet, offline, single-shot run: a throwaway profile, no background traffic (the page
 * must not need the network, and a report test must not cause any), no sandbox (CI runs as root).
 */
function baseFlags(profileDir: string, widthPx: number, heightPx: number): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--hide-scrollbars',
    `--user-data-dir=${profileDir}`,
    `--window-size=${widthPx},${heightPx}`,
  ];
}

function withProfile<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'valhalla-chromium-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ShotOptions {
  widthPx?: number;
  heightPx?: number;
  timeoutMs?: number;
  chromium?: string;
}

/** Renders `htmlPath` and writes a PNG of the top `heightPx` pixels of the page to `pngPath`. */
export function screenshot(htmlPath: string, pngPath: string, opts: ShotOptions = {}): void {
  const bin = opts.chromium ?? findChromium();
  if (!bin) throw new Error('chromium not found: install it (apt-get install -y chromium) or set CHROMIUM');
  const url = pathToFileURL(resolve(htmlPath)).href;
  withProfile((dir) =>
    execFileSync(
      bin,
      [
        ...baseFlags(dir, opts.widthPx ?? 1280, opts.heightPx ?? 2400),
        `--screenshot=${resolve(pngPath)}`,
        url,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: opts.timeoutMs ?? 60_000 },
    ),
  );
}

/** The DOM as the browser built it from `htmlPath` (what its parser made of the markup). */
export function dumpDom(htmlPath: string, opts: ShotOptions = {}): string {
  const bin = opts.chromium ?? findChromium();
  if (!bin) throw new Error('chromium not found: install it (apt-get install -y chromium) or set CHROMIUM');
  const url = pathToFileURL(resolve(htmlPath)).href;
  return withProfile((dir) =>
    execFileSync(bin, [...baseFlags(dir, opts.widthPx ?? 1280, opts.heightPx ?? 2400), '--dump-dom', url], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
      maxBuffer: 64 * 1024 * 1024,
    }),
  );
}
