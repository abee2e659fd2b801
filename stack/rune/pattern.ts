/**
 * Resources, abilities and caveats: their syntax and the "covers" relation that delegation and
 * authorization use.
 *
 * A pattern (resource or ability) is 1..256 printable ASCII characters without spaces. A `*` may
 * only be the last character and then matches any continuation: `saga:*` covers `saga:` and
 * everything that starts with it, `rpc/*` covers `rpc/call` and `rpc/admin/*`, and `*` alone
 * covers everything. Without a `*` a pattern covers exactly itself. Because a covered pattern's
 * matches are all matches of the covering one, "covers" is transitive, so checking each link only
 * against its parent bounds the whole chain by the root.
 */
import { KEY_MAX_LEN, LIST_MAX_ITEMS, PATTERN_MAX_LEN, VALUE_MAX_LEN } from './constants.js';
import { MalformedTokenError } from './errors.js';

const PATTERN = /^[\x21-\x29\x2b-\x7e]*\*?$/; // printable ASCII, '*' (0x2a) only at the end
const CAVEAT_KEY = /^[a-z0-9][a-z0-9._-]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse control characters
const CONTROL = /[\x00-\x1f\x7f]/;

/** The problem with a resource or ability pattern, or undefined when it is well formed. */
export function patternProblem(p: string): string | undefined {
  if (p.length === 0) return 'is empty';
  if (p.length > PATTERN_MAX_LEN) return `is ${p.length} characters, more than ${PATTERN_MAX_LEN}`;
  if (!PATTERN.test(p)) {
    return p.includes('*')
      ? `"${p}": "*" is only allowed as the last character`
      : `"${p}": only printable ASCII without spaces is allowed`;
  }
  return undefined;
}

export function caveatKeyProblem(k: string): string | undefined {
  if (k.length === 0 || k.length > KEY_MAX_LEN) return `key "${k}" must be 1..${KEY_MAX_LEN} characters`;
  if (!CAVEAT_KEY.test(k))
    return `key "${k}": use a-z, 0-9, ".", "_" and "-", starting with a letter or digit`;
  return undefined;
}

export function caveatValueProblem(v: string): string | undefined {
  if (v.length > VALUE_MAX_LEN) return `value is ${v.length} characters, more than ${VALUE_MAX_LEN}`;
  if (CONTROL.test(v)) return 'value contains a control character';
  return undefined;
}

/** True when every match of `inner` is a match of `outer`. */
export function covers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  if (!outer.endsWith('*')) return false;
  return inner.startsWith(outer.slice(0, -1));
}

/** True when some pattern of `outers` covers `inner`. */
export function coveredBy(outers: readonly string[], inner: string): boolean {
  for (const o of outers) if (covers(o, inner)) return true;
  return false;
}

/**
 * A pattern list in its canonical form: sorted by code unit (bytewise, as the patterns are ASCII)
 * and without duplicates. Throws MalformedTokenError naming the bad entry.
 */
export function canonicalPatterns(list: readonly string[], what: string): string[] {
  const out = [...new Set(list)].sort(compareAscii);
  if (out.length === 0 || out.length > LIST_MAX_ITEMS) {
    throw new MalformedTokenError(`${what}: expected 1..${LIST_MAX_ITEMS} entries, got ${out.length}`);
  }
  for (const p of out) {
    const problem = patternProblem(p);
    if (problem) throw new MalformedTokenError(`${what}: ${problem}`);
  }
  return out;
}

/** Check a decoded list is already canonical (sorted, unique, well formed). */
export function checkPatternList(list: readonly string[], what: string): void {
  const canon = canonicalPatterns(list, what);
  if (canon.length !== list.length || canon.some((p, i) => p !== list[i])) {
    throw new MalformedTokenError(`${what}: entries must be sorted and unique`);
  }
}

export function checkCaveats(caveats: Record<string, string>, what: string): void {
  const keys = Object.keys(caveats);
  if (keys.length > LIST_MAX_ITEMS) {
    throw new MalformedTokenError(`${what}: at most ${LIST_MAX_ITEMS} entries, got ${keys.length}`);
  }
  for (const k of keys) {
    const problem = caveatKeyProblem(k) ?? caveatValueProblem(caveats[k]);
    if (problem) throw new MalformedTokenError(`${what}: ${problem}`);
  }
}

function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
