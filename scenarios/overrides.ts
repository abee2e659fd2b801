/**
 * Overrides of scenario fields by dotted path: `--set nodes.count=200`, `--set workload.0.count=50`,
 * and the values a `sweep:` block varies. An override replaces one value in the YAML data before
 * the schema check, so an overridden file is checked exactly like a written one, and an error names
 * the override that caused it.
 *
 * Paths: keys separated by dots; a number selects a list item (0-based; the list's length appends
 * one). Values: YAML, so `200`, `0.02`, `true`, `30s`, `[eu, us]` and `{ model: fixed, value: 5ms }`
 * mean what they would in the file.
 */

import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ScenarioError } from './errors.js';

export interface Override {
  /** The dotted path as written, e.g. "network.loss". */
  path: string;
  /** The value, parsed as YAML. */
  value: unknown;
  /** Where it came from, for messages: "--set network.loss=0.02" or "sweep.set.network.loss.2". */
  origin: string;
}

/** An override that cannot be applied or that makes the scenario invalid. */
export class OverrideError extends ScenarioError {
  override name = 'OverrideError';
  constructor(
    readonly origin: string,
    file: string,
    line: number | undefined,
    field: string,
    expected: string,
    found: string,
  ) {
    super(file, line, field, expected, found);
    this.message = `${origin}: ${field}: expected ${expected}, found ${found}`;
  }
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Check a dotted path's shape: non-empty keys of letters, digits, "_" and "-". */
export function checkPath(path: string, origin: string, file = ''): string[] {
  const parts = path.split('.');
  if (path === '' || !parts.every((p) => SEGMENT.test(p)))
    throw new OverrideError(
      origin,
      file,
      undefined,
      '(path)',
      'a dotted path of field names and list indexes, e.g. network.loss or workload.0.count',
      JSON.stringify(path),
    );
  return parts;
}

/** `path=value` from the command line → an Override (the value parsed as YAML). */
export function parseSetArg(arg: string, file = ''): Override {
  const origin = `--set ${arg}`;
  const eq = arg.indexOf('=');
  if (eq < 0)
    throw new OverrideError(
      origin,
      file,
      undefined,
      '(argument)',
      'path=value, e.g. --set nodes.count=200',
      `no "=" in ${JSON.stringify(arg)}`,
    );
  const path = arg.slice(0, eq).trim();
  checkPath(path, origin, file);
  const text = arg.slice(eq + 1);
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    if (!(err instanceof YAMLParseError)) throw err;
    const why = err.message.split('\n')[0]!;
    throw new OverrideError(
      origin,
      file,
      undefined,
      path,
      'a YAML value',
      `${JSON.stringify(text)} (${why})`,
    );
  }
  return { path, value: value === undefined ? null : value, origin };
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

/**
 * The data with the overrides applied in order (a copy; the input is not touched). Missing
 * mappings on the way are created, so `--set stack.k=8` works on a file without `stack:`.
 */
export function applyOverrides(data: unknown, overrides: readonly Override[], file = ''): unknown {
  const root = structuredClone(data) as Record<string, unknown>;
  for (const o of overrides) {
    const parts = checkPath(o.path, o.origin, file);
    let node: unknown = root;
    for (let i = 0; i < parts.length; i++) {
      const key = parts[i]!;
      const last = i === parts.length - 1;
      const here = parts.slice(0, i).join('.') || '(document)';
      const value = last ? structuredClone(o.value) : undefined;
      if (Array.isArray(node)) {
        const index = /^\d+$/.test(key) ? Number(key) : Number.NaN;
        if (!(index >= 0 && index <= node.length))
          throw new OverrideError(
            o.origin,
            file,
            undefined,
            here,
            `a list index 0..${node.length - 1} (or ${node.length} to append)`,
            JSON.stringify(key),
          );
        if (last) node[index] = value;
        else {
          if (node[index] === undefined) node[index] = {};
          node = node[index];
        }
      } else if (node !== null && typeof node === 'object') {
        const obj = node as Record<string, unknown>;
        if (last) obj[key] = value;
        else {
          if (obj[key] === undefined || obj[key] === null) obj[key] = {};
          node = obj[key];
        }
      } else {
        throw new OverrideError(
          o.origin,
          file,
          undefined,
          here,
          `a mapping or a list to set "${key}" in`,
          describeValue(node),
        );
      }
    }
  }
  return root;
}

/** The overrides that still matter: a later one replaces an earlier one at or under its path. */
export function effectiveOverrides(overrides: readonly Override[]): Override[] {
  const out: Override[] = [];
  for (const o of overrides) {
    for (let i = out.length - 1; i >= 0; i--) {
      const p = out[i]!.path;
      if (p === o.path || p.startsWith(`${o.path}.`)) out.splice(i, 1);
    }
    out.push(o);
  }
  return out;
}

/** Path → value, in application order: what summary.json records. */
export function overridesRecord(overrides: readonly Override[]): Record<string, unknown> {
  return Object.fromEntries(effectiveOverrides(overrides).map((o) => [o.path, o.value]));
}

/** Two paths where setting one changes the other (equal, or one inside the other). */
export function pathsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/**
 * An error from checking the overridden data, told against the override that caused it: the one
 * whose path is the error's field or contains it, else one inside the field, else one beside it
 * (a latency model that a changed `model` made incomplete). Errors elsewhere stay the file's.
 */
export function attributeError(err: ScenarioError, overrides: readonly Override[]): ScenarioError {
  if (err instanceof OverrideError || err.field.startsWith('(')) return err;
  const f = err.field;
  const list = [...effectiveOverrides(overrides)].reverse();
  const parentOf = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf('.')));
  const o =
    list.find((x) => f === x.path || f.startsWith(`${x.path}.`)) ??
    list.find((x) => x.path.startsWith(`${f}.`)) ??
    // A sibling: `--set network.latency.model=fixed` leaves network.latency.value missing.
    list.find((x) => parentOf(x.path) !== '' && f.startsWith(`${parentOf(x.path)}.`));
  if (!o) return err;
  return new OverrideError(o.origin, err.file, undefined, err.field, err.expected, err.found);
}

/**
 * A value as `--set` takes it back: the YAML text that parses to the same value. Strings YAML
 * would read as something else ("1", "true", "a: b") are quoted; lists and mappings are JSON,
 * which is YAML flow syntax.
 */
export function formatSetValue(v: unknown): string {
  if (typeof v === 'string') {
    let same = false;
    try {
      same = parseYaml(v) === v && v.trim() === v && v !== '';
    } catch {
      same = false;
    }
    return same ? v : JSON.stringify(v);
  }
  if (v === null || v === undefined) return 'null';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** POSIX shell quoting, only where needed: reproduce commands are pasted into a shell. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `--set path=value` words for a command line, quoted for a shell. */
export function setArgs(overrides: readonly Override[]): string[] {
  return effectiveOverrides(overrides).map(
    (o) => `--set ${shellQuote(`${o.path}=${formatSetValue(o.value)}`)}`,
  );
}
