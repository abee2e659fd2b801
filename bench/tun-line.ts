/**
 * Three namespaces in a line, A - B - C (veth A-B, veth B-C; A and C have no underlay route to
 * each other), each running an overlay with a TUN device: Valhalla (`valhalla node --tun`) or
 * Yggdrasil (the Debian package, with generated configs, multicast off, admin socket off). Used by
 * test/tun-namespaces.test.ts and bench/tun.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NetnsLab, waitForLine } from './netns.js';

export interface Line {
  ns: { a: string; b: string; c: string };
  /** Underlay addresses: A-B veth (a, b1), B-C veth (b2, c). */
  under: { a: string; b1: string; b2: string; c: string; ifA: string };
  /** Overlay IPv6 addresses of the three nodes. */
  addr: { a: string; b: string; c: string };
  procs: ChildProcess[];
}

export function makeLine(lab: NetnsLab): Omit<Line, 'addr' | 'procs'> {
  const ns = { a: lab.ns('a'), b: lab.ns('b'), c: lab.ns('c') };
  const ab = lab.link(ns.a, ns.b);
  const bc = lab.link(ns.b, ns.c);
  return { ns, under: { a: ab.a, b1: ab.b, b2: bc.a, c: bc.b, ifA: ab.ifA } };
}

/** The built CLI (dist/cli/main.js), from the compiled bench or from the TypeScript source (tests). */
export function cliPath(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts')
    ? join(dirname(here), '..', 'dist', 'cli', 'main.js')
    : join(dirname(here), '..', 'cli', 'main.js');
}

/**
 * Extra node options for the three Valhalla nodes, from VHT_NODE_ARGS (space-separated), e.g.
 * `VHT_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'` to profile each node (Node refuses
 * --cpu-prof in NODE_OPTIONS).
 */
function nodeArgs(): string[] {
  return (process.env.VHT_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

function overlayAddress(identityFile: string): string {
  const out = execFileSync(process.execPath, [cliPath(), 'id', '--identity', identityFile, '--json'], {
    encoding: 'utf8',
  });
  return (JSON.parse(out) as { address: string }).address;
}

/** Start valhalla nodes with --tun in the line; resolves once A and C joined and all three TUNs are up. */
export async function startValhalla(
  lab: NetnsLab,
  base: Omit<Line, 'addr' | 'procs'>,
  dir: string,
  opts: { mtu?: number } = {},
): Promise<Line> {
  const PORT = 7000;
  const names = ['a', 'b', 'c'] as const;
  const addr = {} as Line['addr'];
  for (const n of names) {
    mkdirSync(join(dir, n), { recursive: true });
    execFileSync(process.execPath, [
      cliPath(),
      'keygen',
      '--identity',
      join(dir, n, 'identity.json'),
      '--force',
    ]);
    addr[n] = overlayAddress(join(dir, n, 'identity.json'));
  }
  const { under, ns } = base;
  const args = (n: (typeof names)[number]): string[] => {
    const common = [
      '--data',
      join(dir, n),
      '--tun',
      '--tun-name',
      'vh0',
      '--log-format',
      'json',
      ...(process.env.VHT_DEBUG ? ['--log-level', 'debug'] : []),
    ];
    if (opts.mtu) common.push('--mtu', String(opts.mtu));
    if (n === 'b')
      return ['node', '--listen', `${under.b1}:${PORT}`, '--listen', `${under.b2}:${PORT}`, ...common];
    const [listen, boot] = n === 'a' ? [under.a, under.b1] : [under.c, under.b2];
    return ['node', '--listen', `${listen}:${PORT}`, '--bootstrap', `${boot}:${PORT}`, ...common];
  };
  const procs: ChildProcess[] = [];
  for (const n of names)
    procs.push(lab.spawn(ns[n], process.execPath, [...nodeArgs(), cliPath(), ...args(n)]));
  await Promise.all(procs.map((p) => waitForLine(p, /tun: device up/, 15_000)));
  await Promise.all([waitForLine(procs[0], /"joined"/, 15_000), waitForLine(procs[2], /"joined"/, 15_000)]);
  return { ...base, addr, procs };
}

/** Start yggdrasil in the line (B listens, A and C peer with B only); resolves with the addresses. */
export async function startYggdrasil(
  lab: NetnsLab,
  base: Omit<Line, 'addr' | 'procs'>,
  dir: string,
): Promise<Line> {
  const PORT = 9001;
  const { under, ns } = base;
  const addr = {} as Line['addr'];
  const procs: ChildProcess[] = [];
  for (const n of ['b', 'a', 'c'] as const) {
    const conf = JSON.parse(execFileSync('yggdrasil', ['-genconf', '-json'], { encoding: 'utf8' }));
    conf.AdminListen = 'none';
    conf.MulticastInterfaces = [];
    conf.IfName = 'ygg0';
    conf.IfMTU = 65535;
    conf.Listen = n === 'b' ? [`tcp://${under.b1}:${PORT}`, `tcp://${under.b2}:${PORT}`] : [];
    conf.Peers = n === 'a' ? [`tcp://${under.b1}:${PORT}`] : n === 'c' ? [`tcp://${under.b2}:${PORT}`] : [];
    const file = join(dir, `ygg-${n}.json`);
    writeFileSync(file, JSON.stringify(conf), { mode: 0o600 });
    addr[n] = execFileSync('yggdrasil', ['-useconffile', file, '-address'], { encoding: 'utf8' }).trim();
    const p = lab.spawn(ns[n], 'yggdrasil', ['-useconffile', file, '-logto', 'stdout']);
    procs.push(p);
    // B listens before A and C dial it (a refused dial backs off for seconds); A and C are up
    // once they are connected to B.
    await waitForLine(
      p,
      n === 'b' ? /TCP listener started on .*10\.\d+\.\d+\.1:/ : /Connected outbound/,
      15_000,
    );
  }
  return { ...base, addr, procs };
}

/** Ping until one reply comes back (routes being built), at most timeoutMs. */
export async function pingUntilUp(lab: NetnsLab, from: string, to: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      lab.run(from, 'ping', ['-6', '-c', '1', '-W', '1', to]);
      return;
    } catch (err) {
      last = String((err as { stdout?: string }).stdout ?? err);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`no ping reply from ${to} within ${timeoutMs} ms: ${last}`);
}
