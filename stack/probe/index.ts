/**
 * Probe: the smallest protocol that exercises a Runtime end to end. A node answers pings on a
 * port; a ping dials, sends an 8-byte token, and waits for it to come back. Scenarios use it as a
 * trivial workload and as a reachability check. It must never do more than echo what it is sent.
 */
import type { Address, Connection, Listener, Runtime } from '../runtime.js';

export const PING_SIZE = 8; // bytes: a random token the echo must return unchanged
const DEFAULT_TIMEOUT_MS = 5_000;

export class PingTimeoutError extends Error {
  override name = 'PingTimeoutError';
}
export class PingMismatchError extends Error {
  override name = 'PingMismatchError';
}

export interface PingInit {
  timeoutMs?: number;
}

export class PingService {
  private listener?: Listener;
  private readonly timeoutMs: number;

  constructor(
    private readonly components: { runtime: Runtime },
    init: PingInit = {},
  ) {
    this.timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Answer pings on addr. */
  async start(addr: Address): Promise<Address> {
    this.listener = await this.components.runtime.net.listen(addr, (conn) => this.answer(conn));
    return this.listener.addr;
  }

  async stop(): Promise<void> {
    await this.listener?.close();
    this.listener = undefined;
  }

  private answer(conn: Connection): void {
    let got: Uint8Array = new Uint8Array(0);
    conn.setHandler({
      onData: (chunk) => {
        got = concat(got, chunk);
        if (got.length >= PING_SIZE) {
          conn.write(got.subarray(0, PING_SIZE));
          conn.end();
        }
      },
      onEnd: () => conn.end(),
    });
  }

  /** Round-trip time in ms of one ping to addr (dial time excluded). Rejects on any failure. */
  async ping(addr: Address): Promise<number> {
    const { clock, rng, net, metrics } = this.components.runtime;
    const conn = await net.dial(addr, { timeoutMs: this.timeoutMs });
    const token = rng.bytes(PING_SIZE);
    return new Promise<number>((resolve, reject) => {
      let got: Uint8Array = new Uint8Array(0);
      const sentAt = clock.now();
      const timer = clock.setTimer(this.timeoutMs, () => {
        conn.close(new PingTimeoutError(`no answer from ${addr} within ${this.timeoutMs} ms`));
        reject(new PingTimeoutError(`no answer from ${addr} within ${this.timeoutMs} ms`));
      });
      conn.setHandler({
        onData: (chunk) => {
          got = concat(got, chunk);
          if (got.length < PING_SIZE) return;
          timer.cancel();
          conn.close();
          if (!equal(got.subarray(0, PING_SIZE), token)) {
            reject(new PingMismatchError(`${addr} answered with other bytes than it was sent`));
            return;
          }
          const rtt = clock.now() - sentAt;
          metrics.observe('probe.rtt_ms', rtt);
          resolve(rtt);
        },
        onClose: (err) => {
          timer.cancel();
          if (got.length < PING_SIZE) reject(err ?? new PingMismatchError(`${addr} closed before answering`));
        },
      });
      conn.write(token);
    });
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
