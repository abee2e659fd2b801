import { describe, expect, it } from 'vitest';
import { parseScenario } from './load.js';
import {
  applyOverrides,
  effectiveOverrides,
  formatSetValue,
  OverrideError,
  overridesRecord,
  parseSetArg,
  setArgs,
} from './overrides.js';

const base = `name: t
duration: 10s
nodes: { count: 3 }
network:
  latency: { model: fixed, value: 5ms }
workload:
  - kind: ping
    every: 500ms
assertions:
  - ping.success_rate >= 0.9
`;

function errorOf(fn: () => unknown): OverrideError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OverrideError);
    return err as OverrideError;
  }
  throw new Error('expected an OverrideError');
}

const set = (...args: string[]) => args.map((a) => parseSetArg(a, 'x.yaml'));

describe('--set path=value', () => {
  it('parses values as YAML scalars and flow collections', () => {
    expect(parseSetArg('nodes.count=200').value).toBe(200);
    expect(parseSetArg('network.loss=0.02').value).toBe(0.02);
    expect(parseSetArg('a=true').value).toBe(true);
    expect(parseSetArg('a=30s').value).toBe('30s');
    expect(parseSetArg('a="42"').value).toBe('42');
    expect(parseSetArg('a=').value).toBeNull();
    expect(parseSetArg('a=[eu, us]').value).toEqual(['eu', 'us']);
    expect(parseSetArg('a={ model: fixed, value: 5ms }').value).toEqual({ model: 'fixed', value: '5ms' });
    expect(parseSetArg('description=a=b').value).toBe('a=b'); // only the first "=" splits
  });

  it('overrides fields, list items and missing sections of a scenario', () => {
    const s = parseScenario(
      base,
      'x.yaml',
      set('nodes.count=7', 'network.loss=0.05', 'workload.0.every=2s', 'stack.k=8', 'seed=9'),
    );
    expect(s.nodes.count).toBe(7);
    expect(s.network.loss).toBe(0.05);
    expect(s.workload[0]).toMatchObject({ kind: 'ping', everyMs: 2000 });
    expect(s.stack.k).toBe(8);
    expect(s.seed).toBe(9);
  });

  it('appends to a list at its length, and later overrides win', () => {
    const s = parseScenario(
      base,
      'x.yaml',
      set('workload.1={kind: ping, every: 1s}', 'nodes.count=4', 'nodes.count=5'),
    );
    expect(s.workload).toHaveLength(2);
    expect(s.nodes.count).toBe(5);
  });

  it('names the --set argument, the path, what was expected and what was found', () => {
    const e = errorOf(() => parseScenario(base, 'x.yaml', set('nodes.count=-1')));
    expect(e.origin).toBe('--set nodes.count=-1');
    expect(e.field).toBe('nodes.count');
    expect(e.found).toBe('-1');
    expect(e.message).toMatch(/^--set nodes\.count=-1: nodes\.count: expected .*>= 1.*, found -1$/);
    const typo = errorOf(() => parseScenario(base, 'x.yaml', set('nodes.cuont=3')));
    expect(typo.field).toBe('nodes.cuont');
    expect(typo.expected).toContain('no field "cuont"');
    const type = errorOf(() => parseScenario(base, 'x.yaml', set('network.loss=lots')));
    expect(type.found).toBe('"lots"');
    const dur = errorOf(() => parseScenario(base, 'x.yaml', set('duration=soon')));
    expect(dur.expected).toMatch(/duration/);
  });

  it('refuses malformed arguments and paths it cannot follow', () => {
    expect(errorOf(() => parseSetArg('nodes.count')).expected).toMatch(/path=value/);
    expect(errorOf(() => parseSetArg('nodes..count=1')).field).toBe('(path)');
    expect(errorOf(() => parseSetArg('=1')).field).toBe('(path)');
    expect(errorOf(() => parseSetArg('a=[1,')).expected).toBe('a YAML value');
    const index = errorOf(() => parseScenario(base, 'x.yaml', set('workload.5.every=1s')));
    expect(index.expected).toMatch(/list index 0\.\.0 \(or 1 to append\)/);
    expect(index.found).toBe('"5"');
    const scalar = errorOf(() => parseScenario(base, 'x.yaml', set('name.first=1')));
    expect(scalar.field).toBe('name');
    expect(scalar.expected).toMatch(/mapping or a list/);
  });

  it('explains a changed latency model, and a bad duration inside one (in a file, too)', () => {
    const model = errorOf(() => parseScenario(base, 'x.yaml', set('network.latency.model=uniform')));
    expect(model.origin).toBe('--set network.latency.model=uniform');
    expect(model.field).toMatch(/^network\.latency\.(min|max|value)$/);
    const wrong = errorOf(() => parseScenario(base, 'x.yaml', set('network.latency.model=fast')));
    expect(wrong.expected).toContain('"lognormal"');
    const lognormal = base.replace(
      '{ model: fixed, value: 5ms }',
      '{ model: lognormal, median: soon, sigma: 0.5 }',
    );
    let fileErr: unknown;
    try {
      parseScenario(lognormal, 'x.yaml');
    } catch (e) {
      fileErr = e;
    }
    expect((fileErr as Error).message).toMatch(/^x\.yaml:5: network\.latency\.median: expected a duration/);
  });

  it('leaves errors elsewhere in the file to the file', () => {
    const bad = base.replace('count: 3', 'count: 0');
    expect(() => parseScenario(bad, 'x.yaml', set('network.loss=0.1'))).toThrow(/^x\.yaml:3: nodes\.count/);
  });

  it('does not touch the data it was given', () => {
    const data = { nodes: { count: 3 } };
    const out = applyOverrides(data, set('nodes.count=4')) as typeof data;
    expect(out.nodes.count).toBe(4);
    expect(data.nodes.count).toBe(3);
  });

  it('records the effective overrides and formats them back for a command line', () => {
    const list = set('network.latency.median=20ms', 'network.latency={model: fixed, value: 5ms}', 'name=1');
    expect(effectiveOverrides(list).map((o) => o.path)).toEqual(['network.latency', 'name']);
    expect(overridesRecord(list)).toEqual({ 'network.latency': { model: 'fixed', value: '5ms' }, name: 1 });
    expect(formatSetValue('30s')).toBe('30s');
    expect(formatSetValue('1')).toBe('"1"'); // a string that YAML would read as a number
    expect(formatSetValue('true')).toBe('"true"');
    expect(formatSetValue(0.05)).toBe('0.05');
    expect(setArgs(list)).toEqual([
      `--set 'network.latency={"model":"fixed","value":"5ms"}'`,
      '--set name=1',
    ]);
    // What setArgs prints parses back to the same values.
    for (const o of effectiveOverrides(list)) {
      const again = parseSetArg(`${o.path}=${formatSetValue(o.value)}`);
      expect(again.value).toEqual(o.value);
    }
  });
});

describe('sweep blocks', () => {
  const sweep = (block: string) => `${base}sweep:\n${block}`;

  it('parses seeds as a range or a list and the grid in order', () => {
    const s = parseScenario(
      sweep('  seeds: 3..6\n  set:\n    network.loss: [0, 0.1]\n    nodes.count: [3, 4]\n'),
      'x.yaml',
    );
    expect(s.sweep?.seeds).toEqual([3, 4, 5, 6]);
    expect(s.sweep?.parameters.map((p) => [p.path, p.values])).toEqual([
      ['network.loss', [0, 0.1]],
      ['nodes.count', [3, 4]],
    ]);
    expect(s.sweep!.parameters[0]!.lines).toEqual([14, 14]);
    expect(parseScenario(sweep('  seeds: [1, 5, 9]\n'), 'x.yaml').sweep?.seeds).toEqual([1, 5, 9]);
  });

  it('refuses bad sweep blocks with the line and field', () => {
    const cases: [string, string, RegExp][] = [
      ['  seeds: 5..1\n', 'sweep.seeds', /A <= B/],
      ['  seeds: 1..1000000\n', 'sweep.seeds', /at most 100,000/],
      ['  seeds: [1, 1]\n', 'sweep.seeds', /each seed once/],
      ['  seeds: lots\n', 'sweep.seeds', /range "1..8"/],
      ['  seeds: [1, -2]\n', 'sweep.seeds.1', /list of integers/],
      ['  set:\n    network.loss: []\n', 'sweep.set.network.loss', /fewer than 1 items/],
      ['  set:\n    network.loss: 0.1\n', 'sweep.set.network.loss', /array/],
      ['  set:\n    seed: [1, 2]\n', 'sweep.set.seed', /sweep\.seeds/],
      ['  set:\n    network: [{}]\n    network.loss: [0]\n', 'sweep.set.network.loss', /apart from network/],
      ['  colour: [1]\n', 'sweep.colour', /no field/],
      ['  {}\n', 'sweep', /fewer than 1 properties/],
    ];
    for (const [block, field, expected] of cases) {
      let err: unknown;
      try {
        parseScenario(sweep(block), 'x.yaml');
      } catch (e) {
        err = e;
      }
      expect(err, block).toBeInstanceOf(Error);
      const e = err as OverrideError;
      expect(e.field, block).toBe(field);
      expect(e.line, block).toBeGreaterThanOrEqual(11);
      expect(`${e.expected} ${e.found}`, block).toMatch(expected);
    }
  });
});

describe('the shipped sweep example', () => {
  it('scenarios/loss-sweep.yaml plans 3 loss rates x 4 seeds, each replica checked', async () => {
    const { loadScenarioFile } = await import('./load.js');
    const { planSweep } = await import('../cli/runner/sweep.js');
    const file = 'scenarios/loss-sweep.yaml';
    const base = loadScenarioFile(file);
    const plan = planSweep({ file, base, cliOverrides: [], build: (o) => loadScenarioFile(file, o) });
    expect(plan.replicas).toHaveLength(12);
    expect(plan.replicas.map((r) => r.scenario.network.loss)).toEqual([
      0, 0, 0, 0, 0.02, 0.02, 0.02, 0.02, 0.05, 0.05, 0.05, 0.05,
    ]);
    expect(plan.replicas.slice(0, 4).map((r) => r.seed)).toEqual([1, 2, 3, 4]);
  });
});
