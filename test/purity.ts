import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * The purity check behind STYLE.md's seam rule: code under stack/ receives time, randomness and
 * I/O from its Runtime, so it must not import Node's I/O modules or call the OS clock or OS
 * randomness itself. The scanner parses each file with the TypeScript compiler, so words inside
 * comments and string literals are never flagged, while aliased or destructured references are.
 *
 * node:crypto stays importable (hashing and ciphers are pure); its OS-randomness functions are
 * flagged by name.
 */

export interface Violation {
  /** Path relative to the scanned directory's parent, e.g. "stack/veil/session.ts". */
  file: string;
  /** 1-based line. */
  line: number;
  /** What was found, e.g. "import node:fs" or "Date.now". */
  found: string;
}

/** Modules that give direct access to sockets, files, processes, threads or real timers. */
const FORBIDDEN_MODULES = new Set([
  'net',
  'dgram',
  'timers',
  'timers/promises',
  'child_process',
  'fs',
  'fs/promises',
  'worker_threads',
  'http',
  'https',
  'http2',
  'cluster',
  'perf_hooks', // exists to read the real clock
]);

/** Identifiers that read the real clock, schedule on it, or draw OS randomness. */
const FORBIDDEN_NAMES = new Set([
  'setTimeout',
  'setInterval',
  'setImmediate',
  'randomBytes',
  'randomFillSync',
  'randomFill',
  'randomInt',
  'randomUUID',
  'getRandomValues',
  'hrtime',
  // Not clocks, but they escape the simulator: its microtask drain sees only promise jobs
  // (sim/microtasks.ts), so work queued this way could run after virtual time has moved on.
  'queueMicrotask',
  'nextTick',
]);

/** object.member pairs that read the real clock or Math's unseeded generator. */
const FORBIDDEN_MEMBERS: ReadonlyArray<readonly [string, string]> = [
  ['Date', 'now'],
  ['performance', 'now'],
  ['Math', 'random'],
];

/** Scans every .ts file under dir (recursively), skipping *.test.ts and node_modules. */
export function scanForImpurity(dir: string): Violation[] {
  const base = join(dir, '..');
  const violations: Violation[] = [];
  for (const file of listSourceFiles(dir)) {
    violations.push(...scanSource(readFileSync(file, 'utf8'), relative(base, file)));
  }
  return violations;
}

/** Scans one file's text; `file` is only used in the reported violations. */
export function scanSource(source: string, file: string): Violation[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const violations: Violation[] = [];
  const report = (node: ts.Node, found: string): void => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    violations.push({ file, line, found });
  };
  const visit = (node: ts.Node): void => {
    const specifier = moduleSpecifier(node);
    if (specifier !== undefined) {
      const name = specifier.text.replace(/^node:/, '');
      if (FORBIDDEN_MODULES.has(name)) report(specifier, `import node:${name}`);
    }
    if (ts.isIdentifier(node) && FORBIDDEN_NAMES.has(node.text)) report(node, node.text);
    if (ts.isPropertyAccessExpression(node)) {
      const object = rightmostName(node.expression);
      const member = node.name.text;
      if (FORBIDDEN_MEMBERS.some(([o, m]) => o === object && m === member))
        report(node, `${object}.${member}`);
    }
    if (
      ts.isNewExpression(node) &&
      rightmostName(node.expression) === 'Date' &&
      (node.arguments?.length ?? 0) === 0
    ) {
      report(node, 'new Date()');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return violations;
}

/** One line per violation, for a failing test's message. */
export function formatViolations(violations: Violation[]): string {
  return violations.map((v) => `${v.file}:${v.line}: ${v.found}`).join('\n');
}

/** The string naming a module in import/export/require/import(), if node is one of those. */
function moduleSpecifier(node: ts.Node): ts.StringLiteralLike | undefined {
  if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
    return ts.isStringLiteralLike(node.moduleSpecifier) ? node.moduleSpecifier : undefined;
  }
  if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
    const expr = node.moduleReference.expression;
    return ts.isStringLiteralLike(expr) ? expr : undefined;
  }
  if (ts.isCallExpression(node) && node.arguments.length > 0) {
    const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
    const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
    const arg = node.arguments[0];
    if ((isImport || isRequire) && ts.isStringLiteralLike(arg)) return arg;
  }
  return undefined;
}

/** "Date" for Date, globalThis.Date and window.Date alike. */
function rightmostName(expr: ts.Expression): string | undefined {
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr)) return expr.name.text;
  return undefined;
}

function listSourceFiles(dir: string): string[] {
  const files: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') files.push(...listSourceFiles(path));
    } else if (
      entry.name.endsWith('.ts') &&
      !entry.name.endsWith('.test.ts') &&
      !entry.name.endsWith('.d.ts')
    ) {
      files.push(path);
    }
  }
  return files;
}
