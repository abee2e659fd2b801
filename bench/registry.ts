/**
 * Benchmarks runnable as `valhalla bench <name>`. Each returns flat figures (numbers or short
 * strings); the CLI prints them as a table, or as one JSON object with --json. Wall-clock numbers
 * live here and in reports/, never in tests.
 */
export type Figures = Record<string, number | string | boolean>;

export interface BenchOptions {
  /** Progress lines for a human (stderr); benchmarks call it sparingly. */
  progress: (line: string) => void;
  /** Extra flags some benchmarks accept (e.g. --nodes). */
  params: Record<string, string | undefined>;
}

export interface Benchmark {
  summary: string;
  /** Anchors from ../shared/ANCHORS.md shown beside our figures: field -> text. */
  anchors?: Record<string, string>;
  run(opts: BenchOptions): Promise<Figures>;
}

export const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {
  scheduler: async () => ({
    summary: 'simulator events/s: timers with 10,000 pending, deliveries among 10,000 nodes, async handlers',
    anchors: {
      timerEventsPerSec: 'target >= 2,000,000',
      deliveriesPerSec: 'target >= 1,000,000',
      asyncEventsPerSec: 'target >= 500,000',
    },
    run: async () => (await import('./scheduler.js')).benchScheduler(),
  }),
  crypto: async () => {
    const m = await import('./crypto.js');
    return {
      summary: 'per-operation cost of each crypto backend (node:crypto and @noble), microseconds',
      anchors: m.CRYPTO_ANCHORS,
      run: () => m.benchCrypto(),
    };
  },
  connect: async () => {
    const m = await import('./veil-connect.js');
    return {
      summary: 'Veil connection setup between two processes over loopback TCP (>= 200 fresh sessions)',
      anchors: m.CONNECT_ANCHORS,
      run: (opts) => m.benchConnect({ progress: opts.progress }),
    };
  },
  handshake: async () => {
    const m = await import('./veil-handshake.js');
    return {
      summary: 'full Veil handshakes per second, both sides and the identity check on one thread',
      anchors: m.HANDSHAKE_ANCHORS,
      run: (opts) => m.benchHandshake({ progress: opts.progress }),
    };
  },
  throughput: async () => {
    const m = await import('./veil-throughput.js');
    return {
      summary:
        'single-stream Bifrost+Veil throughput between two processes, 1 GiB in 64 KiB writes, vs raw node:net',
      anchors: m.THROUGHPUT_ANCHORS,
      run: (opts) => m.benchThroughput({ progress: opts.progress }),
    };
  },
};
