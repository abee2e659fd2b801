import * as net from 'node:net';
import type { HarnessHosts, RuntimeHarness } from '../test/harness.js';
import { createLiveRuntime, type LiveRuntime } from './index.js';
import { LiveLogger } from './logger.js';
import { LiveRng } from './rng.js';

const HOST = '127.0.0.1';
// Test ports come from below Linux's ephemeral range (32768-60999), so neither port-0 listeners
// nor outgoing connections of concurrently running tests can be handed one of them.
const PORT_MIN = 20_000;
const PORT_SPAN = 12_000;
const PORT_ATTEMPTS = 200;

/** Raised when no free test port could be found (the machine is saturated or firewalled). */
export class PortUnavailableError extends Error {
  override name = 'PortUnavailableError';
}

/**
 * The live side of the Runtime compliance suite: two live runtimes on 127.0.0.1, each with a port
 * that was free a moment ago, and a third free port where nothing listens. setup()/teardown()
 * may be called once per test.
 */
export function liveHarness(): RuntimeHarness {
  let runtimes: LiveRuntime[] = [];
  return {
    name: 'live',
    async setup(): Promise<HarnessHosts> {
      // Quiet by default: the suite provokes errors on purpose. Warnings still show.
      const logger = new LiveLogger({ level: 'warn' });
      const a = createLiveRuntime({ logger: logger.child({ host: 'a' }) });
      const b = createLiveRuntime({ logger: logger.child({ host: 'b' }) });
      runtimes.push(a, b);
      const [portA, portB, portUnused] = await reserveFreePorts(HOST, 3);
      return {
        a,
        b,
        listenAddrA: `${HOST}:${portA}`,
        listenAddrB: `${HOST}:${portB}`,
        unusedAddrB: `${HOST}:${portUnused}`,
      };
    },
    run<T>(body: () => Promise<T>): Promise<T> {
      return body();
    },
    async teardown(): Promise<void> {
      const closing = runtimes;
      runtimes = [];
      await Promise.all(closing.map((rt) => rt.shutdown()));
    },
  };
}

/**
 * Finds `count` distinct ports on host that nothing listens on, by binding each (all at once, so
 * they are distinct) and releasing them. Another process could take one in between; outside the
 * ephemeral range that takes a deliberate choice of the same port.
 */
export async function reserveFreePorts(host: string, count: number): Promise<number[]> {
  const rng = new LiveRng();
  const held: net.Server[] = [];
  const ports: number[] = [];
  try {
    for (let attempt = 0; ports.length < count; attempt++) {
      if (attempt >= PORT_ATTEMPTS) {
        throw new PortUnavailableError(`no free port on ${host} after ${PORT_ATTEMPTS} attempts`);
      }
      const port = PORT_MIN + rng.int(PORT_SPAN);
      if (ports.includes(port)) continue;
      const server = await tryBind(host, port);
      if (server === undefined) continue;
      held.push(server);
      ports.push(port);
    }
  } finally {
    await Promise.all(held.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
  return ports;
}

function tryBind(host: string, port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host, port }, () => resolve(server));
  });
}

/** Poll probe every 100 ms until it returns a value; fail after timeoutMs naming what and the last error. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
