/**
 * `valhalla bench tun`: IPv6 over the overlay on real TUN devices in network namespaces, Valhalla
 * and Yggdrasil side by side in the same run. Topology: the line A - B - C (veth A-B, veth B-C; C
 * peers only with B), so A-B is one veth hop and A-C crosses B. Measured: ping6 RTT (median, p99)
 * and one-stream TCP throughput with iperf3 (Debian's; our own sender when it is missing),
 * A-B and A-C. Needs root; skips Yggdrasil with a note when the package is not installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../cli/errors.js';
import { hasCommand, NetnsLab, waitForLine, whyNoNetns } from './netns.js';
import type { Figures } from './registry.js';
import { type Line, makeLine, pingUntilUp, startValhalla, startYggdrasil } from './tun-line.js';

export const TUN_ANCHORS: Record<string, string> = {
  valhallaMbitAB: 'target >= 1,850 (Yggdrasil 1,847 [1,705-1,866] here, ANCHORS.md)',
  valhallaMbitAC: 'target >= 1,490 (Yggdrasil 1,488 through B)',
  valhallaRttMsAB: 'target median <= 1 ms (Yggdrasil 0.70, raw veth 0.050); measured after the iperf3 runs',
  valhallaRttMsABCold: 'the first 100 pings after the nodes joined (JavaScript not yet compiled)',
  yggdrasilMbitAB: 'ANCHORS.md: 1,847 one stream',
  yggdrasilRttMsAB: 'ANCHORS.md: median 0.70, p99 0.87',
  rawVethRttMsAB: 'ANCHORS.md: 0.050',
  rawVethMbitAB: 'ANCHORS.md: 17,604 one stream (the physical ceiling here)',
};

const PINGS = 100; // per pair, 20 ms apart
const IPERF_SECONDS = 8;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** ping RTTs in ms (median, p99, loss) from ns to addr (IPv6 or IPv4). */
function pingStats(lab: NetnsLab, ns: string, addr: string): { median: number; p99: number; lost: number } {
  let out: string;
  try {
    const family = addr.includes(':') ? '-6' : '-4';
    out = lab.run(ns, 'ping', [family, '-c', String(PINGS), '-i', '0.02', '-W', '1', addr], {
      timeoutMs: 60_000,
    });
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? '');
  }
  const rtts = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  return { median: quantile(rtts, 0.5), p99: quantile(rtts, 0.99), lost: PINGS - rtts.length };
}

/** TCP retransmits the last iperf3 sender counted (undefined with our own sender). */
let lastRetransmits: number | undefined;

/** One TCP stream from ns `from` to addr in ns `to`, in Mbit/s (10^6 bits) as the receiver counted. */
async function tcpMbit(lab: NetnsLab, from: string, to: string, addr: string): Promise<number> {
  lastRetransmits = undefined;
  if (hasCommand('iperf3')) {
    const server = lab.spawn(to, 'iperf3', ['-s', '-1', '--forceflush', '-B', addr, '-p', '5201']);
    await waitForLine(server, /Server listening/, 10_000);
    const out = lab.run(from, 'iperf3', ['-c', addr, '-p', '5201', '-t', String(IPERF_SECONDS), '-J'], {
      timeoutMs: (IPERF_SECONDS + 30) * 1000,
    });
    await lab.stop(server);
    const j = JSON.parse(out) as {
      end: { sum_received: { bits_per_second: number }; sum_sent: { retransmits?: number } };
    };
    lastRetransmits = j.end.sum_sent.retransmits;
    return j.end.sum_received.bits_per_second / 1e6;
  }
  // Our own sender: 1 GiB of zeros through node:net, timed by the receiver.
  const server = lab.spawn(to, process.execPath, [
    '-e',
    `let n=0,t0=0;require('net').createServer(c=>{c.on('data',d=>{if(!t0)t0=performance.now();n+=d.length});
     c.on('end',()=>{console.log('mbit',n*8/1e6/((performance.now()-t0)/1e3));process.exit(0)})}).listen(5201,'${addr}',()=>console.log('listening'))`,
  ]);
  await waitForLine(server, /listening/, 10_000);
  lab.run(from, process.execPath, [
    '-e',
    `const c=require('net').connect(5201,'${addr}',async()=>{const b=Buffer.alloc(1<<20);for(let i=0;i<1024;i++)if(!c.write(b))await new Promise(r=>c.once('drain',r));c.end()})`,
  ]);
  return Number((await waitForLine(server, /^mbit /, 120_000)).split(' ')[1]);
}

/** Which part of the bench to run: everything, or Valhalla A-B alone (`--only ab`). */
export type TunBenchPart = 'all' | 'ab';

export function parseOnly(v: string | undefined): TunBenchPart {
  if (v === undefined || v === 'all') return 'all';
  if (v === 'ab') return 'ab';
  throw new UsageError(`--only takes ab (Valhalla A-B alone) or all, not '${v}'`);
}

/**
 * Pings are measured twice: right after the nodes joined (`*Cold`: the first packets through a
 * fresh process, whose JavaScript is still interpreted rather than compiled) and after the iperf3
 * runs (the headline `*RttMs*`: the steady state of a node that has carried traffic). Both
 * overlays go through the same sequence.
 */
async function measure(
  lab: NetnsLab,
  line: Line,
  label: string,
  progress: (l: string) => void,
  only: TunBenchPart = 'all',
): Promise<Figures> {
  const { ns, addr } = line;
  const r = (x: number, d = 3): number => Number(x.toFixed(d));
  await pingUntilUp(lab, ns.a, addr.b, 20_000);
  if (only === 'ab') {
    progress(`${label}: ping6 A-B (${PINGS}), cold`);
    const cold = pingStats(lab, ns.a, addr.b);
    progress(`${label}: iperf3 A-B, ${IPERF_SECONDS} s`);
    const mbitAB = await tcpMbit(lab, ns.a, ns.b, addr.b);
    const retrans = lastRetransmits;
    progress(`${label}: ping6 A-B (${PINGS})`);
    const ab = pingStats(lab, ns.a, addr.b);
    return {
      [`${label}MbitAB`]: Math.round(mbitAB),
      ...(retrans === undefined ? {} : { [`${label}RetransmitsAB`]: retrans }),
      [`${label}RttMsAB`]: r(ab.median),
      [`${label}RttP99MsAB`]: r(ab.p99),
      [`${label}RttMsABCold`]: r(cold.median),
      [`${label}PingLost`]: ab.lost + cold.lost,
    };
  }
  await pingUntilUp(lab, ns.a, addr.c, 20_000);
  progress(`${label}: ping6 A-B and A-C (${PINGS} each), cold`);
  const abCold = pingStats(lab, ns.a, addr.b);
  const acCold = pingStats(lab, ns.a, addr.c);
  progress(`${label}: iperf3 A-B, ${IPERF_SECONDS} s`);
  const mbitAB = await tcpMbit(lab, ns.a, ns.b, addr.b);
  const retransAB = lastRetransmits;
  progress(`${label}: iperf3 A-C, ${IPERF_SECONDS} s`);
  const mbitAC = await tcpMbit(lab, ns.a, ns.c, addr.c);
  const retransAC = lastRetransmits;
  progress(`${label}: ping6 A-B and A-C (${PINGS} each)`);
  const ab = pingStats(lab, ns.a, addr.b);
  const ac = pingStats(lab, ns.a, addr.c);
  return {
    [`${label}MbitAB`]: Math.round(mbitAB),
    [`${label}MbitAC`]: Math.round(mbitAC),
    ...(retransAB === undefined ? {} : { [`${label}RetransmitsAB`]: retransAB }),
    ...(retransAC === undefined ? {} : { [`${label}RetransmitsAC`]: retransAC }),
    [`${label}RttMsAB`]: r(ab.median),
    [`${label}RttP99MsAB`]: r(ab.p99),
    [`${label}RttMsAC`]: r(ac.median),
    [`${label}RttP99MsAC`]: r(ac.p99),
    [`${label}RttMsABCold`]: r(abCold.median),
    [`${label}RttMsACCold`]: r(acCold.median),
    [`${label}PingLost`]: ab.lost + ac.lost + abCold.lost + acCold.lost,
  };
}

async function withLine(
  start: (lab: NetnsLab, dir: string) => Promise<Line>,
  body: (lab: NetnsLab, line: Line) => Promise<Figures>,
): Promise<Figures> {
  const lab = new NetnsLab();
  const dir = mkdtempSync(join(os.tmpdir(), 'valhalla-bench-tun-'));
  try {
    return await body(lab, await start(lab, dir));
  } finally {
    await lab.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchTun(opts: {
  progress: (l: string) => void;
  mtu?: number;
  only?: TunBenchPart;
}): Promise<Figures> {
  const why = whyNoNetns();
  if (why) throw new Error(`bench tun ${why}`);
  const { progress } = opts;
  const figures: Figures = { loadAvg1m: Number(os.loadavg()[0].toFixed(2)) };
  progress('valhalla: three namespaces A - B - C, `valhalla node --tun` in each');
  Object.assign(
    figures,
    await withLine(
      (lab, dir) => startValhalla(lab, makeLine(lab), dir, { mtu: opts.mtu }),
      async (lab, line) => {
        const f = await measure(lab, line, 'valhalla', progress, opts.only);
        f.valhallaMtu = Number(lab.run(line.ns.a, 'cat', ['/sys/class/net/vh0/mtu']).trim());
        if (opts.only === 'ab') return f;
        // The floor under both overlays: the veth itself, same run.
        progress('raw veth A-B: ping and iperf3 over the underlay');
        const raw = pingStats(lab, line.ns.a, line.under.b1);
        f.rawVethRttMsAB = Number(raw.median.toFixed(3));
        f.rawVethMbitAB = Math.round(await tcpMbit(lab, line.ns.a, line.ns.b, line.under.b1));
        return f;
      },
    ),
  );
  if (opts.only === 'ab') progress('--only ab: no raw veth, no Yggdrasil');
  else if (hasCommand('yggdrasil')) {
    progress('yggdrasil: the same line, one yggdrasil per namespace');
    try {
      Object.assign(
        figures,
        await withLine(
          (lab, dir) => startYggdrasil(lab, makeLine(lab), dir),
          async (lab, line) => {
            const f = await measure(lab, line, 'yggdrasil', progress);
            f.yggdrasilMtu = Number(lab.run(line.ns.a, 'cat', ['/sys/class/net/ygg0/mtu']).trim());
            return f;
          },
        ),
      );
    } catch (err) {
      // Our own figures stand without the comparison; say why it is missing.
      figures.yggdrasilError = (err as Error).message.split('\n')[0];
      progress(`yggdrasil failed: ${figures.yggdrasilError}`);
    }
  } else progress('yggdrasil is not installed (apt-get install yggdrasil): Valhalla figures only');
  figures.tcpTool = hasCommand('iperf3') ? 'iperf3' : 'node:net sender';
  figures.loadAvg1mAfter = Number(os.loadavg()[0].toFixed(2));
  return figures;
}
