import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatViolations, scanForImpurity } from './purity.js';

const STACK_DIR = fileURLToPath(new URL('../stack', import.meta.url));

describe('purity of stack/', () => {
  it('stack/ imports no I/O modules and never reads the real clock or OS randomness', () => {
    const violations = scanForImpurity(STACK_DIR);
    expect(
      violations,
      `stack/ must get time, randomness and I/O from its Runtime:\n${formatViolations(violations)}`,
    ).toEqual([]);
  });
});

describe('the purity scanner', () => {
  let root: string;
  let stack: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'valhalla-purity-'));
    stack = join(root, 'stack');
    mkdirSync(join(stack, 'sub'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Scans a fake stack with one file whose third line is `line`. */
  const scanLine = (line: string) => {
    writeFileSync(join(stack, 'sub', 'fake.ts'), `// fake stack file\nexport const x = 1;\n${line}\n`);
    return scanForImpurity(stack);
  };

  const forbidden: Array<[string, string]> = [
    ["import * as net from 'node:net';", 'import node:net'],
    ["import net from 'net';", 'import node:net'],
    ["import { createSocket } from 'node:dgram';", 'import node:dgram'],
    ["import { setTimeout as wait } from 'node:timers/promises';", 'import node:timers/promises'],
    ["import { setTimeout as wait } from 'timers';", 'import node:timers'],
    ["import { spawn } from 'node:child_process';", 'import node:child_process'],
    ["import { readFileSync } from 'fs';", 'import node:fs'],
    ["import { readFile } from 'node:fs/promises';", 'import node:fs/promises'],
    ["import { Worker } from 'node:worker_threads';", 'import node:worker_threads'],
    ["import http from 'node:http';", 'import node:http'],
    ["import https from 'https';", 'import node:https'],
    ["import 'node:net';", 'import node:net'],
    ["export { readFileSync } from 'node:fs';", 'import node:fs'],
    ["const fs = await import('node:fs');", 'import node:fs'],
    ["const net = require('net');", 'import node:net'],
    ['const t = Date.now();', 'Date.now'],
    ['const t = globalThis.Date.now();', 'Date.now'],
    ['const t = performance.now();', 'performance.now'],
    ['setTimeout(() => {}, 10);', 'setTimeout'],
    ['const id = setInterval(tick, 10);', 'setInterval'],
    ['setImmediate(run);', 'setImmediate'],
    ['const r = Math.random();', 'Math.random'],
    ['const k = crypto.randomBytes(32);', 'randomBytes'],
    ["import { randomBytes } from 'node:crypto';", 'randomBytes'],
    ['crypto.getRandomValues(buf);', 'getRandomValues'],
    ['const t = process.hrtime.bigint();', 'hrtime'],
    ['const later = setTimeout;', 'setTimeout'],
    ['const d = new Date();', 'new Date()'],
    ['queueMicrotask(() => deliver());', 'queueMicrotask'],
    ['process.nextTick(deliver);', 'nextTick'],
  ];

  it.each(forbidden)('flags %s as %s, at its file and line', (line, found) => {
    expect(scanLine(line)).toContainEqual({ file: join('stack', 'sub', 'fake.ts'), line: 3, found });
  });

  it('goes from clean to failing when a forbidden call is added', () => {
    writeFileSync(
      join(stack, 'ok.ts'),
      'export function now(clock: { now(): number }) {\n  return clock.now();\n}\n',
    );
    expect(scanForImpurity(stack)).toEqual([]);
    writeFileSync(
      join(stack, 'ok.ts'),
      'export function now(clock: { now(): number }) {\n  return Date.now();\n}\n',
    );
    expect(scanForImpurity(stack)).toEqual([{ file: join('stack', 'ok.ts'), line: 2, found: 'Date.now' }]);
  });

  it('allows node:crypto, pure code, and injected clocks', () => {
    const clean = [
      "import { createHash } from 'node:crypto';",
      "import type { Runtime } from '../runtime.js';",
      'const t = rt.clock.now(); rt.clock.setTimer(5, f); const b = rt.rng.bytes(32);',
      'const d = new Date(rt.clock.wallNow());',
      "const m = { now: 1 }; const s = 'fs';",
    ];
    for (const line of clean) expect(scanLine(line), line).toEqual([]);
  });

  it('does not flag the words inside comments or strings', () => {
    const source = [
      "// import { readFileSync } from 'node:fs'; Date.now() setTimeout(",
      '/* Math.random() and crypto.randomBytes(16) and',
      "   import net from 'node:net' */",
      '/** performance.now() is forbidden here */',
      "export const why = 'never call setTimeout( or Date.now( in stack/';",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source under test
      'export const tpl = `Math.random() ${1 + 1}`; // process.hrtime',
    ].join('\n');
    writeFileSync(join(stack, 'comments.ts'), source);
    expect(scanForImpurity(stack)).toEqual([]);
  });

  it('still flags code inside template substitutions', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source under test
    expect(scanLine('export const s = `now: ${Date.now()}`;')).toContainEqual({
      file: join('stack', 'sub', 'fake.ts'),
      line: 3,
      found: 'Date.now',
    });
  });

  it('skips *.test.ts files', () => {
    writeFileSync(
      join(stack, 'sub', 'thing.test.ts'),
      "import { readFileSync } from 'node:fs';\nDate.now();\n",
    );
    expect(scanForImpurity(stack)).toEqual([]);
  });

  it('reports every violation with its own line', () => {
    writeFileSync(
      join(stack, 'many.ts'),
      "import fs from 'node:fs';\n\nconst a = Date.now();\nconst b = Math.random();\n",
    );
    const found = scanForImpurity(stack).map((v) => `${v.line}:${v.found}`);
    expect(found).toEqual(['1:import node:fs', '3:Date.now', '4:Math.random']);
  });
});
