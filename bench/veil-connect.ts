/**
 * `valhalla bench connect`: connection setup latency between two processes over loopback TCP.
 *
 * The listener is a child process (`valhalla veil listen --echo`); this process dials it
 * sequentially, each time on a fresh TCP connection. One sample, connectMs, is the time from
 * calling Veil.dial() until it resolves: TCP connect + the three Noise XX messages + the
 * responder's identity verified (and the dialer's sent) = the session is usable by the dialer.
 * The first stream's 32-byte echo round trip on that session is reported separately (firstEcho*),
 * and the raw node:net connect to a plain TCP child, in the same run, as the ceiling.
 */

import * as net from 'node:net';
import { createLiveRuntime, LiveLogger, LiveRng } from '../live/index.js';
import { generateIdentity } from '../stack/identity/index.js';
import type { Connection } from '../stack/runtime.js';
import type { VeilSession } from '../stack/veil/session.js';
import { Veil } from '../stack/veil/veil.js';
import { mean, quantile, round, spawnRawTcpPeer, spawnVeilListener, withCpu } from './peer-process.js';
import type { Figures } from './registry.js';

export const CONNECT_ANCHORS: Record<string, string> = {
  connectMsP50: 'js-libp2p 9.4 ms (target <= 2 ms)',
  connectMsP90: 'js-libp2p 14.5 ms',
  connectMsP99: 'js-libp2p 28.6 ms (target <= 10 ms)',
  dialerCpuMsPerConnection: 'js-libp2p 8.5 ms',
  listenerCpuMsPerConnection: 'js-libp2p 7.6 ms',
  firstEchoMsP50: 'js-libp2p 1.70 ms (ping, new stream each)',
  rawTcpConnectMsP50: 'ANCHORS 0.067 ms',
};

export interface ConnectBenchOptions {
  /** Measured dials (default 300; at least 200 for the published figure). */
  connections?: number;
  /** Dials before measuring, to warm up the JIT on both sides (default 30). */
  warmup?: number;
  progress?: (line: string) => void;
}

const ECHO_BYTES = 32; // like ANCHORS' "32-byte echo"

export async function benchConnect(opts: ConnectBenchOptions = {}): Promise<Figures> {
  const n = opts.connections ?? 300;
  const warmup = opts.warmup ?? 30;
  const progress = opts.progress ?? (() => {});
  const listener = await spawnVeilListener('echo');
  const rawPeer = await spawnRawTcpPeer();
  const runtime = createLiveRuntime({ logger: new LiveLogger({ level: 'warn' }) });
  const veil = new Veil({ runtime, identity: generateIdentity(new LiveRng()) });
  try {
    await veil.start();
    progress(`warming up: ${warmup} dials to ${listener.listen}`);
    for (let i = 0; i < warmup; i++) await oneDial(veil, listener.listen);
    progress(`measuring: ${n} sequential dials`);
    const listenerCpuBefore = listener.cpuMs();
    const { result: samples, cpuMs } = await withCpu(async () => {
      const connectMs: number[] = [];
      const echoMs: number[] = [];
      for (let i = 0; i < n; i++) {
        const s = await oneDial(veil, listener.listen);
        connectMs.push(s.connectMs);
        echoMs.push(s.echoMs);
      }
      return { connectMs, echoMs };
    });
    const listenerCpuMs = listener.cpuMs() - listenerCpuBefore;
    progress(`measuring: ${n} raw node:net connects to ${rawPeer.listen}`);
    for (let i = 0; i < warmup; i++) await rawConnect(rawPeer.listen);
    const rawMs: number[] = [];
    for (let i = 0; i < n; i++) rawMs.push(await rawConnect(rawPeer.listen));
    return {
      connections: n,
      connectMsP50: round(quantile(samples.connectMs, 0.5)),
      connectMsP90: round(quantile(samples.connectMs, 0.9)),
      connectMsP99: round(quantile(samples.connectMs, 0.99)),
      connectMsMean: round(mean(samples.connectMs)),
      connectMsMax: round(Math.max(...samples.connectMs)),
      firstEchoMsP50: round(quantile(samples.echoMs, 0.5)),
      firstEchoMsP99: round(quantile(samples.echoMs, 0.99)),
      // CPU over the whole loop (dial, echo, close), divided by the dials.
      dialerCpuMsPerConnection: round(cpuMs / n),
      listenerCpuMsPerConnection: round(listenerCpuMs / n),
      rawTcpConnectMsP50: round(quantile(rawMs, 0.5)),
      rawTcpConnectMsP99: round(quantile(rawMs, 0.99)),
    };
  } finally {
    await veil.stop();
    await runtime.shutdown();
    await Promise.all([listener.stop(), rawPeer.stop()]);
  }
}

/** One fresh session: time the dial, then one echo on a new stream, then close and wait for it. */
async function oneDial(veil: Veil, addr: string): Promise<{ connectMs: number; echoMs: number }> {
  const t0 = performance.now();
  const session = await veil.dial(addr);
  const t1 = performance.now();
  try {
    await echoOnce(session.openStream(), new Uint8Array(ECHO_BYTES).fill(0x2a));
  } finally {
    await closeSession(session);
  }
  return { connectMs: t1 - t0, echoMs: performance.now() - t1 };
}

function echoOnce(stream: Connection, message: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    stream.setHandler({
      onData(chunk) {
        got += chunk.length;
        if (got >= message.length) {
          resolve();
          stream.close();
        }
      },
      onClose(err) {
        if (err) reject(err);
        else if (got < message.length) reject(new Error(`echo stream closed after ${got} bytes`));
      },
    });
    stream.write(message);
  });
}

function closeSession(session: VeilSession): Promise<void> {
  return new Promise((resolve) => {
    session.onClose = () => resolve();
    session.close();
  });
}

/** Milliseconds from net.connect() to its 'connect' event; the socket is then destroyed. */
function rawConnect(addr: string): Promise<number> {
  const colon = addr.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const socket = net.connect({
      host: addr.slice(0, colon),
      port: Number(addr.slice(colon + 1)),
      noDelay: true,
    });
    socket.once('connect', () => {
      const ms = performance.now() - t0;
      socket.destroy();
      resolve(ms);
    });
    socket.once('error', reject);
  });
}
