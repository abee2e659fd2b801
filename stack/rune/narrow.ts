/**
 * The delegation rule: a link may only narrow what its parent granted. Checked by the verifier
 * for every link after the root, and by delegateToken() before it signs anything, so the library
 * never produces a token that its own verifier would refuse as widened.
 */
import { WidenedError } from './errors.js';
import type { LinkPayload } from './link.js';
import { coveredBy } from './pattern.js';

type Grant = Pick<LinkPayload, 'resources' | 'abilities' | 'caveats' | 'notBeforeMs' | 'expiresMs'>;

/** Throws WidenedError (with `field`) unless child grants no more than parent. */
export function checkNarrows(parent: Grant, child: Grant, where: string): void {
  for (const r of child.resources) {
    if (!coveredBy(parent.resources, r)) {
      throw new WidenedError(
        `${where}: resource "${r}" is not within its parent's resources ${list(parent.resources)}`,
        'resource',
      );
    }
  }
  for (const a of child.abilities) {
    if (!coveredBy(parent.abilities, a)) {
      throw new WidenedError(
        `${where}: ability "${a}" is not within its parent's abilities ${list(parent.abilities)}`,
        'ability',
      );
    }
  }
  for (const [k, v] of Object.entries(parent.caveats)) {
    if (!Object.hasOwn(child.caveats, k)) {
      throw new WidenedError(`${where}: drops its parent's caveat ${k}=${v}`, 'caveat');
    }
    if (child.caveats[k] !== v) {
      throw new WidenedError(
        `${where}: changes its parent's caveat ${k}=${v} to ${k}=${child.caveats[k]}`,
        'caveat',
      );
    }
  }
  if (child.notBeforeMs < parent.notBeforeMs) {
    throw new WidenedError(
      `${where}: not-before ${iso(child.notBeforeMs)} is earlier than its parent's ${iso(parent.notBeforeMs)}`,
      'not-before',
    );
  }
  if (child.expiresMs > parent.expiresMs) {
    throw new WidenedError(
      `${where}: expiry ${iso(child.expiresMs)} is later than its parent's ${iso(parent.expiresMs)}`,
      'expiry',
    );
  }
}

function list(xs: readonly string[]): string {
  return `[${xs.map((x) => `"${x}"`).join(', ')}]`;
}

/** An instant as ISO 8601 text (pure formatting of the number passed in; no clock is read). */
export function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ms} ms` : d.toISOString();
}
