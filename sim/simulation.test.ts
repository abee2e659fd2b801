import { describe, expect, test } from 'vitest';
import { nullMetrics } from '../stack/runtime.js';
import {
  MetricsRegistry,
  NetworkConfigError,
  Simulation,
  SimulationError,
  SimulationStalledError,
  simHarness,
  summarize,
  VirtualTimeExceededError,
} from './index.js';

describe('Simulation.run', () => {
  test('untilMs stops before later events and moves the clock to untilMs; forMs is relative', async () => {
    const sim = new Simulation();
    const { clock } = sim.addNode().runtime;
    const fired: number[] = [];
    for (const t of [10, 20, 30]) clock.setTimer(t, () => fired.push(t));
    const s1 = await sim.run({ untilMs: 25 });
    expect(fired).toEqual([10, 20]);
    expect(s1.stoppedBy).toBe('time');
    expect(sim.nowMs).toBe(25);
    const s2 = await sim.run({ forMs: 100 });
    expect(fired).toEqual([10, 20, 30]);
    expect(s2.stoppedBy).toBe('idle');
    expect(sim.nowMs).toBe(125);
  });

  test('maxEvents, until() and stop() end a run early; stats are cumulative', async () => {
    const sim = new Simulation();
    const { clock } = sim.addNode().runtime;
    let n = 0;
    const tick = () => {
      n++;
      if (n === 50) sim.stop();
      clock.setTimer(1, tick);
    };
    clock.setTimer(1, tick);
    expect((await sim.run({ maxEvents: 10 })).stoppedBy).toBe('maxEvents');
    expect(n).toBe(10);
    const r = await sim.run({ until: () => n >= 20 });
    expect([r.stoppedBy, r.ranEvents, r.events, n]).toEqual(['until', 10, 20, 20]);
    expect((await sim.run()).stoppedBy).toBe('stopped');
    expect(n).toBe(50);
    expect(sim.stats.timers).toBe(50);
  });

  test('controller events run at their time; an exception in one fails the run', async () => {
    const sim = new Simulation();
    const log: number[] = [];
    sim.schedule(5, () => log.push(sim.nowMs));
    const cancelled = sim.schedule(6, () => log.push(-1));
    cancelled.cancel();
    sim.schedule(7, () => {
      throw new RangeError('scenario bug');
    });
    sim.schedule(8, () => log.push(sim.nowMs));
    await expect(sim.run()).rejects.toBeInstanceOf(RangeError);
    expect(log).toEqual([5]);
    await sim.run();
    expect(log).toEqual([5, 8]);
    sim.schedule(9, async () => {
      await null;
      throw new TypeError('async scenario bug');
    });
    await expect(sim.run()).rejects.toBeInstanceOf(TypeError);
  });

  test('run() while running is refused', async () => {
    const sim = new Simulation();
    sim.addNode().runtime.clock.setTimer(1, () => undefined);
    const first = sim.run();
    await expect(sim.run()).rejects.toBeInstanceOf(SimulationError);
    await first;
  });

  test('runUntil: the value, the error, a stall, or running out of virtual time', async () => {
    const sim = new Simulation();
    const { clock } = sim.addNode().runtime;
    expect(
      await sim.runUntil(
        clock.sleep(10).then(() => 'v'),
        100,
      ),
    ).toBe('v');
    await expect(sim.runUntil(Promise.reject(new RangeError('e')), 100)).rejects.toBeInstanceOf(RangeError);
    await expect(sim.runUntil(new Promise(() => undefined), 100)).rejects.toBeInstanceOf(
      SimulationStalledError,
    );
    const t0 = sim.nowMs;
    await expect(sim.runUntil(clock.sleep(500), 100)).rejects.toBeInstanceOf(VirtualTimeExceededError);
    expect(sim.nowMs).toBe(t0 + 100);
  });

  test('bad network options are refused at construction', () => {
    expect(() => new Simulation({ network: { loss: 1 } })).toThrow(NetworkConfigError);
    expect(() => new Simulation({ network: { highWaterBytes: 10, lowWaterBytes: 20 } })).toThrow(
      NetworkConfigError,
    );
    expect(() => new Simulation({ network: { rtoMs: 0 } })).toThrow(NetworkConfigError);
  });

  test('nodes: names are unique, hosts are 10.x.y.z, lookup by name', () => {
    const sim = new Simulation();
    const n1 = sim.addNode();
    const alice = sim.addNode({ name: 'alice', region: 'eu' });
    expect([n1.name, n1.host, alice.host, alice.region]).toEqual(['n1', '10.0.0.1', '10.0.0.2', 'eu']);
    expect(sim.node('alice')).toBe(alice);
    expect(sim.nodes).toEqual([n1, alice]);
    expect(() => sim.addNode({ name: 'alice' })).toThrow(SimulationError);
    for (let i = 0; i < 300; i++) sim.addNode();
    expect(sim.nodes[299].host).toBe('10.0.1.44');
  });
});

describe('logs and metrics', () => {
  test('logs are kept with node, virtual time and fields; levels filter; nothing is printed', async () => {
    const sink: string[] = [];
    const sim = new Simulation({
      log: { level: 'info', sink: (r) => sink.push(`${r.node}:${r.msg}`), keep: 3 },
    });
    const { log, clock } = sim.addNode({ name: 'n' }).runtime;
    const child = log.child({ component: 'dht' });
    clock.setTimer(5, () => {
      log.debug('hidden');
      child.info('lookup', { hops: 3 });
      log.warn('w1');
      log.error('e1');
      log.info('i2');
    });
    await sim.run();
    expect(sink).toEqual(['n:lookup', 'n:w1', 'n:e1', 'n:i2']);
    const kept = sim.logs();
    expect(kept.map((r) => r.msg)).toEqual(['w1', 'e1', 'i2']);
    expect(kept[0].timeMs).toBe(5);
    const silent = new Simulation({ log: { level: 'silent' } });
    silent.addNode().runtime.log.error('x');
    expect(silent.logs()).toEqual([]);
  });

  test('metrics aggregate over nodes; per-node snapshots stay separate', () => {
    const sim = new Simulation();
    const a = sim.addNode();
    const b = sim.addNode();
    a.runtime.metrics.count('pings');
    a.runtime.metrics.count('pings', 2);
    b.runtime.metrics.count('pings');
    a.runtime.metrics.observe('rtt', 10);
    b.runtime.metrics.observe('rtt', 30);
    a.runtime.metrics.gauge('peers', 3);
    a.runtime.metrics.gauge('peers', 4);
    b.runtime.metrics.gauge('peers', 5);
    expect(sim.metrics()).toEqual({
      counters: { pings: 4 },
      histograms: { rtt: [10, 30] },
      gauges: { peers: 9 },
    });
    expect(a.metrics.snapshot().counters).toEqual({ pings: 3 });
    expect(summarize([5, 1, 3, 2, 4])).toMatchObject({ count: 5, min: 1, max: 5, mean: 3, p50: 3 });
    expect(new MetricsRegistry()).not.toBe(nullMetrics);
  });
});

describe('simHarness', () => {
  test('two hosts that reach each other; run drives virtual time until the body settles', async () => {
    const h = simHarness();
    const hosts = await h.setup();
    const got = await h.run(async () => {
      const received = new Promise<string>((resolve) => {
        hosts.b.net.listen(hosts.listenAddrB, (c) =>
          c.setHandler({ onData: (d) => resolve(new TextDecoder().decode(d)) }),
        );
      });
      const conn = await hosts.a.net.dial(hosts.listenAddrB);
      conn.write(new TextEncoder().encode('ping'));
      await hosts.a.clock.sleep(1000);
      return received;
    });
    expect(got).toBe('ping');
    expect(hosts.a.clock.now()).toBeGreaterThanOrEqual(1000);
    await expect(h.run(() => hosts.b.net.dial(hosts.unusedAddrB))).rejects.toMatchObject({
      name: 'ConnectionRefusedError',
    });
    await h.teardown();
  });

  test('fails clearly when maxVirtualMs passes first', async () => {
    const h = simHarness();
    const hosts = await h.setup();
    await expect(h.run(() => hosts.a.clock.sleep(10_000), { maxVirtualMs: 5000 })).rejects.toBeInstanceOf(
      VirtualTimeExceededError,
    );
    await h.teardown();
  });
});
