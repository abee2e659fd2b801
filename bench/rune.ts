/**
 * What Rune costs at a boundary: issuing and delegating (one Ed25519 signature each, plus the
 * canonical encode/decode), and verifying chains of 1 to 16 links (one signature check per link
 * dominates), with and without a 1,000-record revocation set. Microseconds per operation (median
 * of timed rounds, wall clock) and CPU microseconds per operation (process CPU time over the same
 * rounds), on the default crypto backend. Token sizes in bytes.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { defaultCrypto } from '../stack/crypto/select.js';
import { identityFromSeed } from '../stack/identity/index.js';
import {
  authorize,
  delegateToken,
  issueToken,
  RevocationSet,
  revokeLink,
  Token,
  verifyToken,
} from '../stack/rune/index.js';
import { measure } from './crypto.js';

const T = 1_800_000_000_000;
const LENGTHS = [1, 2, 4, 8, 16] as const;

function timed(fn: (i: number) => unknown, roundMs: number, rounds: number): { us: number; cpuUs: number } {
  let calls = 0;
  const counted = (i: number) => {
    calls++;
    return fn(i);
  };
  const cpu0 = process.cpuUsage();
  const us = measure(counted, roundMs, rounds);
  const cpu = process.cpuUsage(cpu0);
  return { us, cpuUs: (cpu.user + cpu.system) / calls };
}

export async function benchRune(
  opts: { progress?: (line: string) => void; roundMs?: number; rounds?: number } = {},
) {
  const roundMs = opts.roundMs ?? 200;
  const rounds = opts.rounds ?? 5;
  const progress = opts.progress ?? (() => {});
  const ids = Array.from({ length: 17 }, (_, i) => identityFromSeed(new Uint8Array(32).fill(i + 1)));
  const grant = {
    audience: ids[1].nodeId,
    resources: ['saga:content/*'],
    abilities: ['saga/fetch', 'saga/publish'],
    caveats: { zone: 'eu' },
    notBeforeMs: T,
    expiresMs: T + 3_600_000,
  };
  const chains: Token[] = [issueToken(ids[0], grant)];
  for (let i = 1; i < 16; i++) {
    chains.push(delegateToken(chains[i - 1], ids[i], { audience: ids[i + 1].nodeId }));
  }
  // The machine is shared: the load beside the figures says how much to trust the wall-clock ones.
  const figures: Record<string, number | string> = {
    backend: defaultCrypto().name,
    loadAvg1Start: Number(loadavg()[0].toFixed(2)),
  };
  const put = (name: string, r: { us: number; cpuUs: number }) => {
    figures[`${name}Us`] = Number(r.us.toFixed(1));
    figures[`${name}CpuUs`] = Number(r.cpuUs.toFixed(1));
    progress(`${name}: ${r.us.toFixed(1)} us (${r.cpuUs.toFixed(1)} us CPU)`);
  };
  put(
    'issue',
    timed(() => issueToken(ids[0], grant), roundMs, rounds),
  );
  put(
    'delegate',
    timed(() => delegateToken(chains[0], ids[1], { audience: ids[2].nodeId }), roundMs, rounds),
  );
  const opts1 = { nowMs: T + 1, trust: [ids[0].nodeId] };
  for (const n of LENGTHS) {
    const token = chains[n - 1];
    figures[`bytes${n}`] = token.bytes.length;
    const bytes = token.bytes;
    put(
      `decode${n}`,
      timed(() => Token.decode(bytes), roundMs, rounds),
    );
    put(
      `verify${n}`,
      timed(() => verifyToken(bytes, opts1), roundMs, rounds),
    );
  }
  const revocations = new RevocationSet(
    Array.from({ length: 1000 }, () => revokeLink(ids[0], new Uint8Array(randomBytes(32)), T)),
  );
  const four = chains[3].bytes;
  put(
    'authorize4Revocations1000',
    timed(
      () =>
        authorize({
          token: four,
          invoker: ids[4].nodeId,
          resource: 'saga:content/x',
          ability: 'saga/fetch',
          nowMs: T + 1,
          trust: [ids[0].nodeId],
          revocations,
          context: { zone: 'eu' },
        }),
      roundMs,
      rounds,
    ),
  );
  figures.loadAvg1End = Number(loadavg()[0].toFixed(2));
  return figures;
}
