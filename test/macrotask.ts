/**
 * The host event loop's next turn, for test doubles that live beside the stack's code (stack/**
 * /*.test.ts): they need "after every pending microtask and I/O callback", and stack/ itself never
 * schedules on the host's event loop (the seam rule in STYLE.md), so they borrow it from here.
 */

/** Resolves on the event loop's next check phase (after all pending microtasks). */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Runs fn on the event loop's next check phase. */
export function onNextMacrotask(fn: () => void): void {
  setImmediate(fn);
}
