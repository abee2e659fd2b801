import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScenarioError } from '../../scenarios/errors.js';
import { loadScenarioFile } from '../../scenarios/load.js';
import type { Scenario } from '../../scenarios/types.js';
import { intFlag, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { differences, renderCompare } from '../report/compare.js';
import { writeReport } from '../report/write.js';
import { UnknownMetricError } from '../runner/assertions.js';
import { checkAssertions, liveRun, liveSummary, parseLiveMode } from '../runner/live-command.js';
import { LiveAbortedError } from '../runner/live-run.js';
import { runReplica } from '../runner/replica.js';

export const command: Command = {
  spec: {
    name: 'compare',
    summary: 'run a scenario on the simulator and live, and write one side-by-side report',
    usage:
      'valhalla compare <scenario.yaml> [--seed N] [--out DIR] [--tolerance-pp P] [--live-mode auto|netns|loopback] [--clean] [--json]',
    flags: {
      seed: { type: 'string', arg: 'N', help: "override the scenario's seed (0..4294967295)" },
      out: {
        type: 'string',
        arg: 'DIR',
        help: 'where compare.html, compare.json and each side (sim/, live/) go (default: a new directory under the system temp dir)',
      },
      'tolerance-pp': {
        type: 'string',
        arg: 'P',
        help: 'lookup success rates may differ by this many percentage points',
        default: '2',
      },
      'live-mode': {
        type: 'string',
        arg: 'MODE',
        help: 'netns, loopback or auto (as for run --backend live)',
        default: 'auto',
      },
      clean: { type: 'boolean', help: 'remove leftovers of earlier live runs first' },
      json: { type: 'boolean', help: 'print compare.json on stdout' },
    },
    details: [
      'The backends agree when lookup success rates are within --tolerance-pp percentage points and',
      'the median hop counts are equal; other figures (latency, messages per lookup, sessions) are stated.',
      'Exit codes: 0 they agree, 1 they differ, 2 bad input.',
      'Example: valhalla compare scenarios/live-smoke.yaml --out reports/compare-live-smoke',
    ].join('\n'),
  },
  async run(parsed, io) {
    const file = parsed.positionals[0];
    if (!file || parsed.positionals.length > 1)
      throw new UsageError('name one scenario file, e.g. valhalla compare scenarios/live-smoke.yaml');
    let scenario: Scenario;
    try {
      scenario = loadScenarioFile(file);
    } catch (err) {
      if (err instanceof ScenarioError) throw new UsageError(err.message);
      throw err;
    }
    const seed = intFlag(parsed, 'seed', { min: 0, max: 4294967295 }) ?? scenario.seed;
    const tolerance = Number(stringFlag(parsed, 'tolerance-pp'));
    if (!(tolerance >= 0)) throw new UsageError('--tolerance-pp: expected a number >= 0');
    const mode = parseLiveMode(stringFlag(parsed, 'live-mode'));
    const out =
      stringFlag(parsed, 'out') ?? mkdtempSync(join(tmpdir(), `valhalla-compare-${scenario.name}-`));
    mkdirSync(out, { recursive: true });

    io.err(`compare ${scenario.name} (${file}), seed ${seed}: 1/2 the simulator\n`);
    let sim: Awaited<ReturnType<typeof runReplica>>;
    try {
      sim = await runReplica({ file, scenario, seed, overrides: [], workers: 1 });
    } catch (err) {
      if (err instanceof UnknownMetricError) throw new UsageError(`${file}: ${err.message}`);
      throw err;
    }
    const simSummary = sim.summary;
    writeReport(join(out, 'sim'), simSummary, sim.records);

    io.err(`compare ${scenario.name}: 2/2 live (${scenario.nodes.count} processes)\n`);
    let live: Awaited<ReturnType<typeof liveRun>>;
    try {
      live = await liveRun(scenario, seed, { mode, clean: parsed.values.clean === true }, io);
    } catch (err) {
      if (err instanceof LiveAbortedError) {
        io.err(`${err.message}\n`);
        return err.signal === 'SIGINT' ? 130 : 143;
      }
      throw err;
    }
    const liveAssertions = checkAssertions(scenario, file, live.result.metrics);
    const liveSum = liveSummary(
      { file, scenario, seed, overrides: [] },
      live.result,
      live.wallMs,
      liveAssertions,
      mode,
    );
    writeReport(join(out, 'live'), liveSum, live.result.records);

    const diffs = differences(simSummary, liveSum, tolerance);
    const agree = diffs.every((d) => d.holds !== false);
    const report = {
      scenario: scenario.name,
      file,
      seed,
      tolerancePp: tolerance,
      agree,
      differences: diffs,
      sim: simSummary,
      live: liveSum,
    };
    writeFileSync(join(out, 'compare.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(
      join(out, 'compare.html'),
      renderCompare(
        { summary: simSummary, records: sim.records },
        { summary: liveSum, records: live.result.records },
        diffs,
        tolerance,
      ),
    );
    if (parsed.values.json) io.out(`${JSON.stringify(report)}\n`);
    const lines = [
      `sim versus live, ${scenario.name} (seed ${seed}, live mode ${liveSum.live!.mode}): ${agree ? 'they agree' : 'they differ'}`,
      ...diffs.map(
        (d) =>
          `  ${d.holds === undefined ? '    ' : d.holds ? 'OK  ' : 'DIFF'}  ${d.what.padEnd(32)} ${d.text}`,
      ),
      `wrote ${join(out, 'compare.html')}, compare.json, sim/ and live/`,
    ];
    io.err(`${lines.join('\n')}\n`);
    return agree ? 0 : 1;
  },
};
