/**
 * Per-node loggers that write into one LogBook per simulation. Nothing ever goes to stdout unless
 * the caller passes a sink: a simulation of 10,000 nodes must not flood the terminal, and tests
 * read records back instead.
 */
import type { LogFields, Logger } from '../stack/runtime.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface LogRecord {
  /** Virtual time, ms. */
  timeMs: number;
  /** The node's name, or "sim" for the simulator itself. */
  node: string;
  level: LogLevel;
  msg: string;
  fields: LogFields;
}

export interface LogOptions {
  /** Records below this level are dropped before any work is done. Default 'info'. */
  level?: LogLevel | 'silent';
  /** Called with every record at or above level (e.g. to print while debugging a scenario). */
  sink?: (record: LogRecord) => void;
  /** How many of the most recent records to keep for logs(). Default 1000; 0 keeps none. */
  keep?: number;
}

const DEFAULT_KEEP = 1000; // records; enough to see what led up to a failure

export class LogBook {
  readonly threshold: number;
  private readonly sink: ((record: LogRecord) => void) | undefined;
  private readonly keep: number;
  private readonly ring: LogRecord[] = [];
  private next = 0;

  constructor(
    opts: LogOptions,
    private readonly nowMs: () => number,
  ) {
    this.threshold = LEVELS[opts.level ?? 'info'];
    this.sink = opts.sink;
    this.keep = opts.keep ?? DEFAULT_KEEP;
  }

  write(node: string, level: LogLevel, msg: string, fields: LogFields): void {
    if (LEVELS[level] < this.threshold) return;
    const record: LogRecord = { timeMs: this.nowMs(), node, level, msg, fields };
    this.sink?.(record);
    if (this.keep <= 0) return;
    if (this.ring.length < this.keep) this.ring.push(record);
    else this.ring[this.next] = record;
    this.next = (this.next + 1) % this.keep;
  }

  /** Kept records, oldest first. */
  records(): LogRecord[] {
    if (this.ring.length < this.keep) return this.ring.slice();
    return this.ring.slice(this.next).concat(this.ring.slice(0, this.next));
  }
}

export class SimLogger implements Logger {
  constructor(
    private readonly book: LogBook,
    private readonly node: string,
    private readonly fields: LogFields = {},
  ) {}

  debug(msg: string, fields?: LogFields): void {
    if (LEVELS.debug >= this.book.threshold) this.book.write(this.node, 'debug', msg, this.merge(fields));
  }
  info(msg: string, fields?: LogFields): void {
    if (LEVELS.info >= this.book.threshold) this.book.write(this.node, 'info', msg, this.merge(fields));
  }
  warn(msg: string, fields?: LogFields): void {
    if (LEVELS.warn >= this.book.threshold) this.book.write(this.node, 'warn', msg, this.merge(fields));
  }
  error(msg: string, fields?: LogFields): void {
    if (LEVELS.error >= this.book.threshold) this.book.write(this.node, 'error', msg, this.merge(fields));
  }
  child(fields: LogFields): Logger {
    return new SimLogger(this.book, this.node, { ...this.fields, ...fields });
  }

  private merge(fields: LogFields | undefined): LogFields {
    return fields === undefined ? this.fields : { ...this.fields, ...fields };
  }
}

/** Error values are not JSON-friendly; log records carry name and message instead. */
export function errorFields(err: unknown): LogFields {
  if (err instanceof Error) return { error: err.name, message: err.message };
  return { error: String(err) };
}
