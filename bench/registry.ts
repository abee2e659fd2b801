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
      summary:
        'Veil connection setup between two processes over loopback TCP, 300 fresh sessions in sequence. ' +
        'connectMs = Veil.dial() until it resolves on the dialer: TCP connect + Noise XX (3 messages) + ' +
        "the listener's identity signature verified; firstEchoMs = then a 32-byte echo on a new stream",
      anchors: m.CONNECT_ANCHORS,
      run: (opts) => m.benchConnect({ progress: opts.progress }),
    };
  },
  handshake: async () => {
    const m = await import('./veil-handshake.js');
    return {
      summary:
        'full Veil handshakes per second on one thread: Veil.secure() on both sides over an in-memory ' +
        'connection pair, until both sessions are usable (Noise XX, both identity signatures verified, ' +
        'expected NodeID checked), after a 1.5 s warm-up',
      anchors: m.HANDSHAKE_ANCHORS,
      run: (opts) => m.benchHandshake({ progress: opts.progress }),
    };
  },
  throughput: async () => {
    const m = await import('./veil-throughput.js');
    return {
      summary:
        'single-stream Bifrost+Veil throughput between two processes: 1 GiB in 64 KiB writes honouring ' +
        "backpressure, timed from the first write until the receiver's byte-count answer (MB = 10^6 bytes); " +
        'raw node:net: the same transfer between two processes, same run',
      anchors: m.THROUGHPUT_ANCHORS,
      run: (opts) => m.benchThroughput({ progress: opts.progress }),
    };
  },
  dht: async () => {
    const m = await import('./dht.js');
    return {
      summary:
        'the Yggdrasil DHT on the simulator over real Veil sessions, at 100, 1,000 and 10,000 nodes ' +
        '(--nodes N[,N...] for others): lognormal latency (median 40 ms, sigma 0.5); nodes join through ' +
        'node 0 one every 20 virtual ms; 1,000 lookups of random NodeIDs from random nodes, 10 virtual ms ' +
        'apart; then 20% of the nodes (never node 0) crash and 1,000 lookups among the survivors follow at ' +
        'once. hops = rounds until the 3 closest answered; *Ms = virtual time except wallMs/cpuMs/*WallMs/' +
        "*CpuMs; per-lookup requests/messages/bytes are all nodes' DHT traffic over the phase / lookups; " +
        'handshakes = sessions dialed (Noise XX each). With several sizes the largest is at the top level ' +
        'and every size again under n<N>. (e.g. n1000.lookupHopsP50); peakRssMb is the process peak so far',
      anchors: m.dhtAnchors(),
      run: (opts) => m.benchDht({ nodes: m.parseNodes(opts.params.nodes), progress: opts.progress }),
    };
  },
  rune: async () => ({
    summary:
      'Rune tokens on the default crypto backend: issue, delegate, decode and verify chains of 1-16 links, ' +
      'authorize a 4-link chain against 1,000 revocations; us per op (median of timed rounds) and CPU us per op',
    run: async (opts) => (await import('./rune.js')).benchRune({ progress: opts.progress }),
  }),
  tun: async () => {
    const m = await import('./tun.js');
    return {
      summary:
        'IPv6 over the overlay on real TUN devices in network namespaces (root): the line A - B - C, C ' +
        'peering only with B; one-stream TCP (iperf3, 8 s; Mbit = 10^6 bits/s as received) A-B and A-C, ' +
        'and ping6 RTT (100 pings, 20 ms apart; median, p99) after them (*Cold: the first 100, before them); ' +
        'then Yggdrasil (Debian package) on ' +
        'the same line in the same run when installed. --mtu N sets the Valhalla TUN MTU; --only ab measures Valhalla A-B alone',
      anchors: m.TUN_ANCHORS,
      run: (opts) =>
        m.benchTun({
          progress: opts.progress,
          mtu: opts.params.mtu ? Number(opts.params.mtu) : undefined,
          only: m.parseOnly(opts.params.only),
        }),
    };
  },
  pubsub: async () => {
    const m = await import('./realm.js');
    const { parseNodes } = await import('./dht.js');
    return {
      summary:
        'Realm pub/sub on the simulator over the full stack, one topic, every node subscribed, 100 ' +
        'publishers, 200 messages of 64 bytes over 20 virtual s, at 1,000 and 10,000 nodes (--nodes N[,N...]): ' +
        'delivery ratio, latency p50/p99 (virtual ms), duplicates per delivered message, pub/sub bytes sent per node, ' +
        'Veil handshakes per node; ' +
        '--workers N splits each run across N threads (same results for any N)',
      run: (opts) =>
        m.benchPubsub({
          nodes: parseNodes(opts.params.nodes),
          workers: opts.params.workers ? Number(opts.params.workers) : undefined,
          progress: opts.progress,
        }),
    };
  },
  rpc: async () => ({
    summary:
      'Realm RPC: realm.echo calls per second from this process to a `valhalla bootstrap` child over ' +
      'loopback (Veil, one stream per call), 32 in flight for 10 s; latency and caller CPU per call',
    run: async (opts) => (await import('./realm.js')).benchRpc({ progress: opts.progress }),
  }),
  content: async () => {
    const m = await import('./content.js');
    return {
      summary:
        'Saga retrieval by CID. live: two processes on loopback (valhalla bootstrap A, valhalla node B), a ' +
        'random file put on A and got on B through ctl put-content/get-content (--live-mib, default 1,100): ' +
        'wall ms and MiB/s, SHA-256 checked. sim: N nodes (--nodes, default 1000,10000) with Veil, DHT and ' +
        'Saga, lognormal latency (median 40 ms), 100 Mbit/s links; 5 publishers of 1 MiB objects, 50 fetches ' +
        'from random nodes: virtual ms to first byte and completion, MiB per virtual s, providers tried, and ' +
        'wall/CPU ms of simulator per fetch. --skip live|sim',
      run: (opts) =>
        m.benchContent({
          nodes: m.parseList(opts.params.nodes, 'nodes', 10, 100_000),
          liveMiB: m.parseList(opts.params['live-mib'], 'live-mib', 1, 4096),
          skip: opts.params.skip,
          progress: opts.progress,
        }),
    };
  },
};
