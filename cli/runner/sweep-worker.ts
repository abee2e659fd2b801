/**
 * One replica of a sweep, in a piscina worker thread: runs the scenario alone in this thread
 * (exactly what `valhalla run FILE --seed N --set ...` does), writes its outputs when asked, and
 * hands back its summary. Its progress (share of virtual time done) goes into a shared slot the
 * main thread reads for the progress line. Errors come back as data: a class does not survive the
 * trip between threads.
 */

import type { Override } from '../../scenarios/overrides.js';
import type { Scenario } from '../../scenarios/types.js';
import { writeReport } from '../report/write.js';
import { runReplica } from './replica.js';
import type { RunSummary } from './summary.js';

export interface SweepTask {
  file: string;
  scenario: Scenario;
  seed: number;
  overrides: Override[];
  /** This replica's slot in `progress`. */
  slot: number;
  progress: SharedArrayBuffer;
  outDir?: string;
  /** VALHALLA_CRYPTO as the main thread saw it. */
  crypto?: string;
}

export type SweepTaskResult =
  | { kind: 'ok'; summary: RunSummary }
  | { kind: 'error'; name: string; message: string };

export default async function runSweepReplica(task: SweepTask): Promise<SweepTaskResult> {
  try {
    if (task.crypto) {
      const { parseCryptoName, setDefaultCrypto } = await import('../../stack/crypto/index.js');
      setDefaultCrypto(parseCryptoName(task.crypto));
    }
    const progress = new Float64Array(task.progress);
    const { summary, records } = await runReplica(
      { file: task.file, scenario: task.scenario, seed: task.seed, overrides: task.overrides, workers: 1 },
      (p) => {
        progress[task.slot] = p.durationMs > 0 ? Math.min(1, p.virtualMs / p.durationMs) : 1;
      },
    );
    if (task.outDir !== undefined) writeReport(task.outDir, summary, records);
    return { kind: 'ok', summary };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { kind: 'error', name: e.name, message: e.message };
  }
}
