/**
 * `valhalla bench handshake`: full Veil handshakes per second, both sides on this one thread.
 *
 * Two Veil instances (initiator and responder) run the real handshake code path, Veil.secure(),
 * over an in-memory connection pair (memory-pair.ts): Bifrost framing, the three Noise XX
 * messages with fresh ephemeral keys, the identity payloads verified on both sides (Ed25519
 * signature over the Noise static key), the initiator's expected-NodeID check, and the sessions
 * built and closed. What a Veil does once at start() (drawing its static key and signing its
 * binding) is not per handshake, so the warm figure excludes it; coldHandshakesPerSec pays it on
 * both sides every time, and nobleHandshakesPerSec shows the portable backend.
 */

import { createLiveRuntime, LiveLogger, LiveRng } from '../live/index.js';
import { nobleCrypto } from '../stack/crypto/index.js';
import type { CryptoBackend } from '../stack/crypto/types.js';
import { generateIdentity } from '../stack/identity/index.js';
import type { Runtime } from '../stack/runtime.js';
import { Veil } from '../stack/veil/veil.js';
import { connectionPair } from './memory-pair.js';
import { round } from './peer-process.js';
import type { Figures } from './registry.js';

export const HANDSHAKE_ANCHORS: Record<string, string> = {
  handshakesPerSec: 'js-libp2p 206/s (target >= 1,000)',
  cpuUsPerHandshake: 'js-libp2p 5,000 us; spec-minimal Noise XX (node:crypto) 2 x 257 us',
  handshakesPerCpuSec: '1e6 / cpuUsPerHandshake (target >= 1,000)',
  nobleHandshakesPerSec: 'spec-minimal Noise XX on @noble: 2 x 3,662 us per handshake',
};

export interface HandshakeBenchOptions {
  /** How long the main (warm, default backend) measurement runs; default 2000 ms. */
  durationMs?: number;
  /** Unmeasured handshakes first, for this long; default 1500 ms. */
  warmupMs?: number;
  /** How long each of the cold and noble measurements runs; default 1000 ms. */
  extraDurationMs?: number;
  progress?: (line: string) => void;
}

/** A handshake that completed but authenticated the wrong peer: the benchmark is measuring a bug. */
export class HandshakeBenchError extends Error {
  override name = 'HandshakeBenchError';
}

export async function benchHandshake(opts: HandshakeBenchOptions = {}): Promise<Figures> {
  const durationMs = opts.durationMs ?? 2000;
  const extraMs = opts.extraDurationMs ?? 1000;
  const warmupMs = opts.warmupMs ?? 1500;
  const progress = opts.progress ?? (() => {});
  const runtime = createLiveRuntime({ logger: new LiveLogger({ level: 'warn' }) });
  try {
    const pair = await startPair(runtime);
    // Steady state is what a busy node sees: the first second or so is spent compiling the
    // handshake path (measured: ~25% slower per handshake in the first 1.5 s than after it).
    progress(`warming up for ${warmupMs} ms`);
    await runFor(warmupMs, () => handshake(pair.a, pair.b));
    progress(`measuring warm handshakes for ${durationMs} ms`);
    const warm = await runFor(durationMs, () => handshake(pair.a, pair.b));
    progress(`measuring cold handshakes (new Veil instances each time) for ${extraMs} ms`);
    const cold = await runFor(extraMs, async () => {
      const fresh = await startPair(runtime);
      await handshake(fresh.a, fresh.b);
    });
    progress(`measuring warm handshakes on the @noble backend for ${extraMs} ms`);
    const noblePair = await startPair(runtime, nobleCrypto);
    await runFor(extraMs / 10, () => handshake(noblePair.a, noblePair.b));
    const noble = await runFor(extraMs, () => handshake(noblePair.a, noblePair.b));
    return {
      warmupMs,
      handshakes: warm.count,
      handshakesPerSec: Math.round(warm.perSec),
      cpuUsPerHandshake: round(warm.cpuUsPerOp, 1),
      // The rate this run's CPU cost allows when the thread is never descheduled (shared machine).
      handshakesPerCpuSec: Math.round(1e6 / warm.cpuUsPerOp),
      coldHandshakesPerSec: Math.round(cold.perSec),
      nobleHandshakesPerSec: Math.round(noble.perSec),
    };
  } finally {
    await runtime.shutdown();
  }
}

async function startPair(runtime: Runtime, crypto?: CryptoBackend): Promise<{ a: Veil; b: Veil }> {
  const rng = new LiveRng();
  const a = new Veil({ runtime, identity: generateIdentity(rng), ...(crypto ? { crypto } : {}) });
  const b = new Veil({ runtime, identity: generateIdentity(rng), ...(crypto ? { crypto } : {}) });
  await Promise.all([a.start(), b.start()]);
  return { a, b };
}

/** One full handshake: the initiator insists on the responder's NodeID; both sessions then close. */
async function handshake(a: Veil, b: Veil): Promise<void> {
  const [ca, cb] = connectionPair();
  const [sa, sb] = await Promise.all([
    a.secure(ca, 'initiator', { expectedNodeId: b.nodeId }),
    b.secure(cb, 'responder'),
  ]);
  if (!sb.remoteNodeId.equals(a.nodeId) || !sa.remoteNodeId.equals(b.nodeId)) {
    throw new HandshakeBenchError('a handshake authenticated the wrong NodeID');
  }
  sa.close();
  sb.close();
}

/** Run op back to back for about durationMs; yields to the event loop between batches. */
async function runFor(
  durationMs: number,
  op: () => Promise<void>,
): Promise<{ count: number; perSec: number; cpuUsPerOp: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let count = 0;
  let elapsedMs = 0;
  while (elapsedMs < durationMs) {
    for (let i = 0; i < 50; i++) await op();
    count += 50;
    await new Promise((resolve) => setImmediate(resolve));
    elapsedMs = performance.now() - t0;
  }
  const cpu = process.cpuUsage(cpu0);
  return { count, perSec: (count * 1000) / elapsedMs, cpuUsPerOp: (cpu.user + cpu.system) / count };
}
