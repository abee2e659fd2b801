/**
 * Knowing when the microtask queue is empty, so that promise continuations run at the virtual
 * instant of the event that caused them (the clock must not advance while any are pending).
 *
 * How: while any simulation runs, V8 promise hooks count promise activity (a promise created, a
 * promise settled, a reaction about to run). To wait for quiet, we enqueue our own reaction
 * (a `then` on a private resolved promise) and look at the count when it runs. Everything that was
 * already in the microtask queue ran before it; if the count did not move, none of that was promise
 * work, so the queue was empty of promise jobs. If it moved, we enqueue again. Our own reactions are
 * recognised (their parent is `root`, or they are `current`/`previous`) and not counted, so two
 * simulations waiting at the same time cannot keep each other busy forever.
 *
 * Not covered: queueMicrotask() and process.nextTick() callbacks fire no promise hooks. Code that
 * uses them (rather than promises) from inside a simulation may run after the clock has moved.
 *
 * Cost: a handler that creates no promise activity pays two integer reads; only handlers that
 * touch promises pay for the drain rounds (about one per link in the continuation chain).
 */
import { promiseHooks } from 'node:v8';

/** Monotone count of foreign promise activity. Read it before and after a handler. */
export const promiseActivity = { n: 0 };

const root: Promise<void> = Promise.resolve();
let current: Promise<void> | null = null; // our pending probe reaction
let previous: Promise<void> | null = null; // the probe that is running (its settle hook fires late)
let probePending = false;
let snapshot = 0;
const waiters: (() => void)[] = [];

let refs = 0;
let stopHooks: (() => void) | null = null;

function onInit(_p: Promise<unknown>, parent: Promise<unknown> | undefined): void {
  if (parent !== root) promiseActivity.n++;
}
function onBefore(p: Promise<unknown>): void {
  if (p !== current && p !== previous) promiseActivity.n++;
}
function onSettled(p: Promise<unknown>): void {
  if (p !== current && p !== previous) promiseActivity.n++;
}

/**
 * Turn the hooks on (refcounted: each running simulation holds one reference, so a simulation
 * that finishes does not switch them off under another one that is still running).
 */
export function acquirePromiseHooks(): void {
  if (refs++ === 0) {
    // settled is needed as well as init/before: a timer calling resolve() on an existing promise
    // creates no promise, but queues the awaiting continuation, which must run before time moves.
    stopHooks = promiseHooks.createHook({ init: onInit, before: onBefore, settled: onSettled }) as () => void;
  }
}

export function releasePromiseHooks(): void {
  if (refs <= 0) return;
  if (--refs === 0 && stopHooks !== null) {
    stopHooks();
    stopHooks = null;
  }
}

/** Number of simulations currently holding the hooks (for tests). */
export function promiseHookRefs(): number {
  return refs;
}

/**
 * Calls cb once the microtask queue holds no promise work. Always from a later microtask, never
 * synchronously. Waiters are served one at a time, first come first served, each after its own
 * quiet check (the previous waiter's work may have queued more).
 */
export function whenMicrotasksQuiet(cb: () => void): void {
  waiters.push(cb);
  if (!probePending) probe();
}

function probe(): void {
  probePending = true;
  snapshot = promiseActivity.n;
  previous = current;
  current = root.then(onProbe);
}

function onProbe(): void {
  probePending = false;
  if (promiseActivity.n !== snapshot) {
    probe();
    return;
  }
  const cb = waiters.shift()!;
  if (waiters.length > 0) probe();
  cb();
}
