import { machineInfo } from '../../bench/machine.js';
import { ScenarioError } from '../../scenarios/errors.js';
import { loadScenarioFile } from '../../scenarios/load.js';
import type { Scenario } from '../../scenarios/types.js';
import { intFlag, stringFlag } from '../args.js';
import type { Command, Io } from '../command.js';
import { UsageError } from '../errors.js';
import { writeReport } from '../report/write.js';
import { type AssertionResult, evaluate, UnknownMetricError } from '../runner/assertions.js';
import { minLatencyMs } from '../runner/sim-network.js';
import { type Progress, runOnSim } from '../runner/sim-run.js';
import { formatSummary, type RunSummary } from '../runner/summary.js';
import { VERSION } from '../version.js';

function progressPrinter(io: Io): ((p: Progress) => void) | undefined {
  if (!io.isTty) return undefined;
  let lastPrint = 0;
  return (p) => {
    const done = p.virtualMs >= p.durationMs;
    if (!done && p.wallMs - lastPrint < 200) return;
    lastPrint = p.wallMs;
    const frac = p.durationMs > 0 ? p.virtualMs / p.durationMs : 1;
    const rate = p.wallMs > 0 ? (p.events / p.wallMs) * 1000 : 0;
    const eta = frac > 0 ? (p.wallMs / frac - p.wallMs) / 1000 : 0;
    const line = `  virtual ${(p.virtualMs / 1000).toFixed(1)}s / ${(p.durationMs / 1000).toFixed(0)}s  ${Math.round(rate).toLocaleString('en-US')} events/s  ETA ${eta.toFixed(1)}s`;
    io.err(`\r${line.padEnd(70)}${done ? '\n' : ''}`);
  };
}

function reproduceCommand(file: string, seed: number): string {
  return `valhalla run ${file} --seed ${seed}`;
}

export const command: Command = {
  spec: {
    name: 'run',
    summary: 'run a scenario file and print a summary',
    usage: 'valhalla run <scenario.yaml> [--seed N] [--workers N] [--json] [--out DIR] [--backend sim]',
    flags: {
      seed: { type: 'string', arg: 'N', help: "override the scenario's seed (0..4294967295)" },
      workers: {
        type: 'string',
        arg: 'N',
        help: 'split the simulation across N worker threads (same traceHash for any N)',
        default: '1',
      },
      json: { type: 'boolean', help: 'print only the summary object on stdout (human text goes to stderr)' },
      out: {
        type: 'string',
        arg: 'DIR',
        help: 'write summary.json, Arrow tables (lookups, messages, samples, faults) and report.html into DIR',
      },
      backend: { type: 'string', arg: 'NAME', help: 'where to run: sim (the simulator)', default: 'sim' },
    },
    details: [
      'Exit codes: 0 every assertion held, 1 an assertion failed (the reproducing command is printed),',
      '2 bad input (the message names the file, line and field).',
      'The scenario format is described in scenarios/README.md and scenarios/schema.json.',
      'Example: valhalla run scenarios/quickstart.yaml --seed 7',
    ].join('\n'),
  },
  async run(parsed, io) {
    const file = parsed.positionals[0];
    if (!file) throw new UsageError('name a scenario file, e.g. valhalla run scenarios/quickstart.yaml');
    if (parsed.positionals.length > 1)
      throw new UsageError(`one scenario at a time; got ${parsed.positionals.join(' ')}`);
    const backend = stringFlag(parsed, 'backend');
    if (backend !== 'sim') throw new UsageError(`--backend ${backend}: expected sim`);
    let scenario: Scenario;
    try {
      scenario = loadScenarioFile(file);
    } catch (err) {
      if (err instanceof ScenarioError) throw new UsageError(err.message);
      throw err;
    }
    const seed = intFlag(parsed, 'seed', { min: 0, max: 4294967295 }) ?? scenario.seed;
    const workers = intFlag(parsed, 'workers', { min: 1, max: 64 }) ?? 1;
    if (workers > 1 && !(minLatencyMs(scenario.network.latency) > 0)) {
      throw new UsageError(
        `--workers ${workers}: ${file}'s latency model allows a 0 ms delay between nodes, and workers can only run apart by the minimum delay; use --workers 1 or a model without 0 ms delays`,
      );
    }
    const json = parsed.values.json === true;
    io.err(
      `running ${scenario.name} (${file}) with seed ${seed} on the simulator: ${scenario.nodes.count} nodes, ${scenario.durationMs / 1000} s of virtual time\n`,
    );
    const wallStart = performance.now();
    const result = await runOnSim(scenario, seed, progressPrinter(io), { workers });
    const wallMs = performance.now() - wallStart;
    let assertions: AssertionResult[];
    try {
      assertions = evaluate(scenario.assertions, result.metrics);
    } catch (err) {
      if (err instanceof UnknownMetricError) throw new UsageError(`${file}: ${err.message}`);
      throw err;
    }
    const passed = assertions.every((a) => a.pass);
    const summary: RunSummary = {
      scenario: scenario.name,
      file,
      seed,
      backend: 'sim',
      traceHash: result.traceHash,
      events: result.events,
      virtualTimeMs: result.virtualTimeMs,
      wallMs: Math.round(wallMs),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      nodes: scenario.nodes.count,
      versions: { valhalla: VERSION, node: process.version },
      machine: machineInfo(),
      metrics: Object.fromEntries(
        Object.entries(result.metrics).map(([k, v]) => [k, Number.isNaN(v) ? null : v]),
      ),
      assertions,
      passed,
      reproduce: reproduceCommand(file, seed),
    };
    const outDir = stringFlag(parsed, 'out');
    if (outDir) {
      const written = writeReport(outDir, summary, result.records);
      io.err(`wrote ${written.length} files to ${outDir} (summary.json, Arrow tables, report.html)\n`);
    }
    if (json) io.out(`${JSON.stringify(summary)}\n`);
    else io.err(formatSummary(summary));
    if (!passed) {
      const failed = assertions.filter((a) => !a.pass).map((a) => a.text);
      io.err(`assertion failed: ${failed.join('; ')}\nreproduce with: ${summary.reproduce}\n`);
      return 1;
    }
    return 0;
  },
};
