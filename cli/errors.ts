/** Errors the CLI maps to exit codes. Everything else is a bug and exits 70 with a stack trace. */

/** Bad input: wrong flags, a malformed file, a missing argument. Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A scenario assertion (or a conformance check) failed. Exit 1. */
export class CheckFailedError extends Error {
  override name = 'CheckFailedError';
}

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_BUG = 70;
