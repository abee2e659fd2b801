import type { LogFields, Logger } from '../stack/runtime.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const MAX_INLINE_BYTES = 64; // byte arrays longer than this are logged by length, not content

export interface LiveLoggerOptions {
  /** Records below this level are dropped. Default 'info'. */
  level?: LogLevel;
  /** Default: 'text' when stderr is a terminal, 'json' otherwise (files, pipes, collectors). */
  format?: LogFormat;
  /** Where finished lines go (without trailing newline). Default: process.stderr. */
  write?: (line: string) => void;
  /** Wall clock for timestamps. Default Date.now; the runtime passes its own clock. */
  wallNow?: () => number;
}

interface Sink {
  readonly threshold: number;
  readonly format: LogFormat;
  readonly write: (line: string) => void;
  readonly wallNow: () => number;
}

/**
 * The live logger: one line per record, human-readable on a terminal and JSON lines otherwise.
 * A child shares the parent's sink and adds fields to every record it writes.
 */
export class LiveLogger implements Logger {
  private readonly sink: Sink;
  private readonly fields: LogFields;

  constructor(opts: LiveLoggerOptions = {}, fields: LogFields = {}, sink?: Sink) {
    this.sink = sink ?? {
      threshold: LEVEL_RANK[opts.level ?? 'info'],
      format: opts.format ?? (process.stderr.isTTY ? 'text' : 'json'),
      write: opts.write ?? ((line) => process.stderr.write(`${line}\n`)),
      wallNow: opts.wallNow ?? Date.now,
    };
    this.fields = fields;
  }

  debug(msg: string, fields?: LogFields): void {
    this.record('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.record('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.record('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.record('error', msg, fields);
  }

  child(fields: LogFields): Logger {
    return new LiveLogger({}, { ...this.fields, ...fields }, this.sink);
  }

  private record(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (LEVEL_RANK[level] < this.sink.threshold) return;
    const all = fields === undefined ? this.fields : { ...this.fields, ...fields };
    const t = new Date(this.sink.wallNow()).toISOString();
    const line = this.sink.format === 'json' ? jsonLine(t, level, msg, all) : textLine(t, level, msg, all);
    // A logger must never take the process down: a broken sink loses the line, nothing more.
    try {
      this.sink.write(line);
    } catch {}
  }
}

function jsonLine(t: string, level: LogLevel, msg: string, fields: LogFields): string {
  const record: Record<string, unknown> = { t, level, msg };
  for (const [key, value] of Object.entries(fields)) {
    if (!(key in record)) record[key] = toPlain(value);
  }
  try {
    return JSON.stringify(record);
  } catch {
    // Cycles are the remaining way to fail; keep the record, lose the fields.
    return JSON.stringify({ t, level, msg, fieldsError: 'unserialisable fields' });
  }
}

function textLine(t: string, level: LogLevel, msg: string, fields: LogFields): string {
  let line = `${t} ${level.toUpperCase().padEnd(5)} ${msg}`;
  for (const [key, value] of Object.entries(fields)) line += ` ${key}=${textValue(value)}`;
  return line;
}

function textValue(value: unknown): string {
  const plain = toPlain(value);
  if (typeof plain === 'string') return /^[^\s"=]+$/.test(plain) ? plain : JSON.stringify(plain);
  try {
    return JSON.stringify(plain) ?? String(plain);
  } catch {
    return String(plain);
  }
}

/** Makes the values JSON.stringify mishandles (errors, bigints, byte arrays) readable. */
function toPlain(value: unknown): unknown {
  if (value instanceof Error) {
    const plain: Record<string, unknown> = { name: value.name, message: value.message };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) plain.code = code;
    if (value.cause !== undefined) plain.cause = toPlain(value.cause);
    // The stack is what makes a "timer callback threw" record actionable.
    if (value.stack !== undefined) plain.stack = value.stack;
    return plain;
  }
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) {
    return value.length <= MAX_INLINE_BYTES ? Buffer.from(value).toString('hex') : `<${value.length} bytes>`;
  }
  return value;
}
