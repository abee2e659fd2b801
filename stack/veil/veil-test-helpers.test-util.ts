/**
 * Helpers for the Veil session tests: two Veil nodes on one in-memory network with a shared
 * manual clock, and small stream utilities.
 */

import type { CryptoBackend } from '../crypto/types.js';
import { Identity } from '../identity/identity.js';
import type { Connection } from '../runtime.js';
import {
  ManualClock,
  MemoryNetwork,
  settle,
  type TestRuntime,
  testRuntime,
} from './memory-runtime.test-util.js';
import type { VeilSession } from './session.js';
import { Veil, type VeilInit } from './veil.js';

export const LISTEN_B = 'b:7000';

export interface Pair {
  net: MemoryNetwork;
  clock: ManualClock;
  rtA: TestRuntime;
  rtB: TestRuntime;
  idA: Identity;
  idB: Identity;
  a: Veil;
  b: Veil;
  /** Sessions b accepted on LISTEN_B, in order. */
  accepted: VeilSession[];
}

export async function twoNodes(
  opts: { crypto?: CryptoBackend; initA?: VeilInit; initB?: VeilInit } = {},
): Promise<Pair> {
  const net = new MemoryNetwork();
  const clock = new ManualClock();
  const rtA = testRuntime(net, 'a', 1, clock);
  const rtB = testRuntime(net, 'b', 2, clock);
  const idA = new Identity(rtA.rng.bytes(32), opts.crypto);
  const idB = new Identity(rtB.rng.bytes(32), opts.crypto);
  const a = new Veil({ runtime: rtA, identity: idA, crypto: opts.crypto }, opts.initA);
  const b = new Veil({ runtime: rtB, identity: idB, crypto: opts.crypto }, opts.initB);
  await a.start();
  await b.start();
  const accepted: VeilSession[] = [];
  await b.listen(LISTEN_B, (s) => accepted.push(s));
  return { net, clock, rtA, rtB, idA, idB, a, b, accepted };
}

/** a dials b; returns both ends once b has its session too. */
export async function connect(p: Pair): Promise<[VeilSession, VeilSession]> {
  const before = p.accepted.length;
  const sA = await p.a.dial(LISTEN_B);
  await settle();
  if (p.accepted.length !== before + 1) throw new Error('listener did not get a session');
  return [sA, p.accepted[before]];
}

/** Everything a stream delivers until its end, and how it closed. */
export function collect(stream: Connection): Promise<{ data: Uint8Array; err?: Error }> {
  return new Promise((resolve) => {
    const chunks: Uint8Array[] = [];
    stream.setHandler({
      onData: (c) => chunks.push(c),
      onClose: (err) => resolve({ data: Buffer.concat(chunks), err }),
    });
  });
}

/** Resolves with the error (or undefined) a session closes with. */
export function closed(session: VeilSession): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const previous = session.onClose;
    session.onClose = (err) => {
      previous?.(err);
      resolve(err);
    };
  });
}

/** The promise's rejection, or undefined if it is still pending after the microtasks settled. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  let outcome: unknown;
  promise.then(
    () => {
      outcome = 'resolved';
    },
    (err) => {
      outcome = err;
    },
  );
  await settle();
  return outcome;
}
