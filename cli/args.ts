import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** One flag of a command, as shown in its --help. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Placeholder in help, e.g. "FILE". */
  arg?: string;
  help: string;
  default?: string | boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  /** Extra text after the flag list: examples, notes. */
  details?: string;
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parse argv against a spec; unknown flags and missing values become a UsageError naming the fix. */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, f] of Object.entries(spec.flags)) {
    options[name] = {
      type: f.type,
      ...(f.multiple ? { multiple: true } : {}),
      ...(f.short ? { short: f.short } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    for (const [name, f] of Object.entries(spec.flags)) {
      if (values[name] === undefined && f.default !== undefined) {
        (values as Record<string, unknown>)[name] = f.default;
      }
    }
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new UsageError(`${msg}\nRun 'valhalla ${spec.name} --help' for the flags it takes.`);
  }
}

export function helpText(spec: CommandSpec): string {
  const lines = [`valhalla ${spec.name}: ${spec.summary}`, '', `Usage: ${spec.usage}`, ''];
  const entries = Object.entries(spec.flags);
  if (entries.length > 0) {
    lines.push('Options:');
    const rows = entries.map(([name, f]) => {
      const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.arg ? ` ${f.arg}` : ''}`;
      const def = f.default !== undefined && f.default !== false ? ` (default: ${f.default})` : '';
      return [left, `${f.help}${def}`] as const;
    });
    rows.push(['-h, --help', 'show this help']);
    const width = Math.max(...rows.map(([l]) => l.length)) + 2;
    for (const [l, r] of rows) lines.push(`  ${l.padEnd(width)}${r}`);
  }
  if (spec.details) lines.push('', spec.details.trimEnd());
  return `${lines.join('\n')}\n`;
}

/** A string flag parsed as an integer within bounds. */
export function intFlag(
  parsed: Parsed,
  name: string,
  bounds: { min?: number; max?: number } = {},
): number | undefined {
  const raw = parsed.values[name];
  if (raw === undefined) return undefined;
  const text = String(raw);
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--${name} expects an integer, got "${text}"`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${name} is out of range: ${text}`);
  if (bounds.min !== undefined && n < bounds.min)
    throw new UsageError(`--${name} must be >= ${bounds.min}, got ${n}`);
  if (bounds.max !== undefined && n > bounds.max)
    throw new UsageError(`--${name} must be <= ${bounds.max}, got ${n}`);
  return n;
}

export function stringFlag(parsed: Parsed, name: string): string | undefined {
  const v = parsed.values[name];
  return v === undefined ? undefined : String(v);
}

export function requireString(parsed: Parsed, name: string, spec: CommandSpec): string {
  const v = stringFlag(parsed, name);
  if (v === undefined || v === '') {
    throw new UsageError(`missing --${name}\nUsage: ${spec.usage}`);
  }
  return v;
}
