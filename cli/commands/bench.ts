import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineInfo } from '../../bench/machine.js';
import { BENCHMARKS, type Figures } from '../../bench/registry.js';
import { stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';

function table(name: string, figures: Figures, anchors: Record<string, string> = {}): string {
  const rows = Object.entries(figures).map(([k, v]) => [k, formatValue(v), anchors[k] ?? ''] as const);
  const w0 = Math.max(6, ...rows.map((r) => r[0].length));
  const w1 = Math.max(5, ...rows.map((r) => r[1].length));
  const lines = [`bench ${name}`, `${'figure'.padEnd(w0)}  ${'value'.padStart(w1)}  reference`];
  for (const [k, v, a] of rows) lines.push(`${k.padEnd(w0)}  ${v.padStart(w1)}  ${a}`);
  return `${lines.join('\n')}\n`;
}

function formatValue(v: number | string | boolean): string {
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) < 10 ? 3 : 1 });
}

export const command: Command = {
  spec: {
    name: 'bench',
    summary: 'run a benchmark and print its figures',
    usage: 'valhalla bench <name> [--json] [--save] [--nodes N] [--workers N]',
    flags: {
      json: {
        type: 'boolean',
        help: 'print one JSON object of figures on stdout (human text goes to stderr)',
      },
      save: { type: 'boolean', help: 'also write reports/bench-<name>.json with machine info' },
      nodes: { type: 'string', arg: 'N', help: 'network size, for benchmarks that take one' },
      workers: { type: 'string', arg: 'N', help: 'simulator worker threads, for bench pubsub' },
      mtu: { type: 'string', arg: 'N', help: 'TUN MTU, for bench tun' },
      'live-mib': { type: 'string', arg: 'N[,N]', help: 'object sizes in MiB, for bench content live' },
      skip: { type: 'string', arg: 'live|sim', help: 'leave out a part, for bench content' },
      only: {
        type: 'string',
        arg: 'PART',
        help: 'bench tun: ab = Valhalla ping and iperf3 A-B only (quick A/B comparisons of builds)',
      },
    },
    details: `Benchmarks: ${Object.keys(BENCHMARKS).join(', ')}.\nExample: valhalla bench scheduler --json`,
  },
  async run(parsed, io) {
    const name = parsed.positionals[0];
    if (!name) throw new UsageError(`name a benchmark: one of ${Object.keys(BENCHMARKS).join(', ')}`);
    const load = BENCHMARKS[name];
    if (!load) {
      throw new UsageError(
        `unknown benchmark '${name}': expected one of ${Object.keys(BENCHMARKS).join(', ')}`,
      );
    }
    const bench = await load();
    io.err(`bench ${name}: ${bench.summary}\n`);
    const figures = await bench.run({
      progress: (line) => io.err(`  ${line}\n`),
      params: {
        nodes: stringFlag(parsed, 'nodes'),
        workers: stringFlag(parsed, 'workers'),
        mtu: stringFlag(parsed, 'mtu'),
        'live-mib': stringFlag(parsed, 'live-mib'),
        skip: stringFlag(parsed, 'skip'),
        only: stringFlag(parsed, 'only'),
      },
    });
    if (parsed.values.json) io.out(`${JSON.stringify(figures)}\n`);
    else io.out(table(name, figures, bench.anchors));
    if (parsed.values.save) {
      mkdirSync('reports', { recursive: true });
      const file = join('reports', `bench-${name}.json`);
      writeFileSync(file, `${JSON.stringify({ bench: name, machine: machineInfo(), figures }, null, 2)}\n`);
      io.err(`wrote ${file}\n`);
    }
    return 0;
  },
};
