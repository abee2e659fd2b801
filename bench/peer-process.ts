/**
 * The other process of the two-process benchmarks: a `valhalla veil listen` child, or a plain
 * node:net peer (raw-tcp-peer.ts) for the raw ceiling measured in the same run. Each child prints
 * one JSON line once listening; stop() kills it and waits for its exit. Every child is also
 * killed if this process exits first, so an aborted benchmark leaves nothing behind.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const RAW_PEER = fileURLToPath(new URL('./raw-tcp-peer.js', import.meta.url));
const STARTUP_TIMEOUT_MS = 30_000; // generous: a child that has not printed by then is broken

/** A child process did not start listening, or died. */
export class PeerProcessError extends Error {
  override name = 'PeerProcessError';
}

export interface PeerProcess {
  /** "host:port" the child listens on. */
  readonly listen: string;
  /** The child's NodeID (Veil peers only). */
  readonly nodeId: string | undefined;
  readonly pid: number;
  /** User + system CPU milliseconds the child has used so far (Linux /proc; NaN elsewhere). */
  cpuMs(): number;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** `valhalla veil listen --listen 127.0.0.1:0 --<mode> --json` as a child process. */
export function spawnVeilListener(mode: 'echo' | 'sink'): Promise<PeerProcess> {
  return start([CLI, 'veil', 'listen', '--listen', '127.0.0.1:0', `--${mode}`, '--json']);
}

/**
 * The plain node:net sink (raw-tcp-peer.ts) as a child process; with openRecordBytes it opens
 * sealed records of that size (sealed-records.ts) and counts their plaintext.
 */
export function spawnRawTcpPeer(openRecordBytes?: number): Promise<PeerProcess> {
  return start(openRecordBytes === undefined ? [RAW_PEER] : [RAW_PEER, '--open', String(openRecordBytes)]);
}

function start(args: string[]): Promise<PeerProcess> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => live.delete(child));
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new PeerProcessError(`${args.slice(1).join(' ')}: ${why}\n${stderr}`));
    };
    const timer = setTimeout(
      () => fail(`nothing printed after ${STARTUP_TIMEOUT_MS} ms`),
      STARTUP_TIMEOUT_MS,
    );
    const early = (code: number | null) => fail(`exited with ${code} before listening`);
    child.once('exit', early);
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.off('exit', early);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      const info = JSON.parse(out.slice(0, nl)) as { listen: string; nodeId?: string };
      resolve({
        listen: info.listen,
        nodeId: info.nodeId,
        pid: child.pid!,
        cpuMs: () => processCpuMs(child.pid!),
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

/** utime + stime of a process from /proc/<pid>/stat, in milliseconds. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SEC;
  } catch {
    return Number.NaN;
  }
}

const CLOCK_TICKS_PER_SEC = 100; // USER_HZ on Linux

/** Sorted copy, then the q-quantile by linear interpolation. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / values.length;
}

/** Round for display in a flat figures object (3 significant decimals are plenty here). */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** CPU milliseconds (user + system) this process used while fn ran, and fn's result. */
export async function withCpu<T>(fn: () => Promise<T>): Promise<{ result: T; cpuMs: number }> {
  const before = process.cpuUsage();
  const result = await fn();
  const used = process.cpuUsage(before);
  return { result, cpuMs: (used.user + used.system) / 1000 };
}
