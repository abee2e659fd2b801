/**
 * What the `valhalla token` commands share: reading tokens, identities and revocation files,
 * parsing times, durations and k=v flags, and turning Rune refusals into exit codes. The clock is
 * read here, at the edge; stack/rune only ever sees the instant it is given.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { NodeId, NodeIdError } from '../stack/identity/index.js';
import {
  MalformedTokenError,
  RevocationSet,
  Token,
  TokenRefusedError,
  WidenedError,
} from '../stack/rune/index.js';
import { type Parsed, stringFlag } from './args.js';
import type { Io } from './command.js';
import { CheckFailedError, UsageError } from './errors.js';

/** The wall clock, in one place so the commands read it once per run. */
export function wallNowMs(): number {
  return Date.now();
}

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** "90s", "15m", "1h", "7d", "1h30m", "250ms" as milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = DURATION.exec(text);
  if (!m || text === '') {
    throw new UsageError(`--${flag} expects a duration like 30s, 15m, 1h, 7d or 1h30m, got "${text}"`);
  }
  const [d, h, min, s, ms] = m.slice(1).map((x) => Number(x ?? 0));
  const total = (((d * 24 + h) * 60 + min) * 60 + s) * 1000 + ms;
  if (total <= 0 || !Number.isSafeInteger(total))
    throw new UsageError(`--${flag} must be positive, got "${text}"`);
  return total;
}

/**
 * An instant: "now", "now+1h" / "now-10m" (durations as above), or an ISO 8601 date-time with a
 * time zone ("2027-01-15T08:00:00Z"). Returned as ms since the Unix epoch.
 */
export function parseTime(text: string, flag: string, nowMs: number): number {
  if (text === 'now') return nowMs;
  const rel = /^now([+-])(.+)$/.exec(text);
  if (rel) return nowMs + (rel[1] === '+' ? 1 : -1) * parseDuration(rel[2], flag);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms) && ms >= 0) return ms;
  }
  throw new UsageError(
    `--${flag} expects "now", "now+1h", "now-5m" or an ISO 8601 time with a zone like 2027-01-15T08:00:00Z, got "${text}"`,
  );
}

export function optionalTime(parsed: Parsed, flag: string, nowMs: number): number | undefined {
  const t = stringFlag(parsed, flag);
  return t === undefined ? undefined : parseTime(t, flag, nowMs);
}

export function parseNodeId(text: string, flag: string): NodeId {
  try {
    return NodeId.parse(text);
  } catch (err) {
    if (err instanceof NodeIdError) {
      throw new UsageError(`--${flag}: ${err.message} (print a node's ID with: valhalla id --identity FILE)`);
    }
    throw err;
  }
}

export function listFlag(parsed: Parsed, flag: string): string[] {
  const v = parsed.values[flag];
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/** Repeated --flag k=v as a record; a key given twice is a usage error. */
export function keyValueFlag(parsed: Parsed, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of listFlag(parsed, flag)) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} expects KEY=VALUE, got "${kv}"`);
    const k = kv.slice(0, eq);
    if (Object.hasOwn(out, k)) throw new UsageError(`--${flag} ${k} is given twice`);
    out[k] = kv.slice(eq + 1);
  }
  return out;
}

function readText(path: string, what: string, hint = ''): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}${hint}`,
    );
  }
}

/** A token file ("-" for stdin). A file that is not a token is a usage error naming the file. */
export function readTokenFile(path: string): Token {
  const text = readText(path, 'token file');
  try {
    return Token.parse(text);
  } catch (err) {
    if (err instanceof MalformedTokenError) {
      throw new UsageError(
        `${path}: not a Rune token: ${err.message} (token files hold one "rune-token-1:..." line)`,
      );
    }
    throw err;
  }
}

/** Like readTokenFile, but a malformed token is a refusal (exit 1), for `token verify`. */
export function readTokenFileForVerify(path: string): Token {
  return Token.parse(readText(path, 'token file'));
}

export function readRevocations(path: string | undefined): RevocationSet | undefined {
  if (path === undefined) return undefined;
  const text = readText(path, 'revocation file', ' (make one with: valhalla token revoke ... -o FILE)');
  try {
    return RevocationSet.parse(text);
  } catch (err) {
    if (err instanceof TokenRefusedError) throw new UsageError(`${path}: ${err.message}`);
    throw err;
  }
}

/** Write text to -o FILE, or print it on stdout when no file is given. */
export function writeOutput(io: Io, path: string | undefined, text: string): void {
  if (path === undefined || path === '-') {
    io.out(text);
    return;
  }
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw new UsageError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/**
 * Run fn, turning a refusal into the CLI's errors: bad flag values (malformed patterns, caveats,
 * times) are usage errors (exit 2); anything else Rune refuses is a failed check (exit 1) whose
 * message starts with the refusal's code.
 */
export function mapRefusals<T>(fn: () => T, hints: Partial<Record<string, string>> = {}): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof MalformedTokenError) throw new UsageError(err.message);
    if (err instanceof TokenRefusedError) {
      const what = err instanceof WidenedError ? `widened (${err.field})` : err.code;
      const hint = hints[err.code] ? `\n${hints[err.code]}` : '';
      throw new CheckFailedError(`refused: ${what}: ${err.message}${hint}`);
    }
    throw err;
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** "24h", "1h30m", "45s": a window's length for humans. */
export function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.length > 0 ? parts.join('') : `${ms}ms`;
}
