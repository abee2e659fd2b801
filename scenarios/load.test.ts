import { describe, expect, it } from 'vitest';
import { ScenarioError } from './errors.js';
import { loadScenarioFile, parseScenario } from './load.js';

const good = `name: t
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

function errorOf(text: string): ScenarioError {
  try {
    parseScenario(text, 'x.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario loading', () => {
  it('turns a valid file into typed options with units in ms', () => {
    const s = parseScenario(good, 'x.yaml');
    expect(s.durationMs).toBe(10_000);
    expect(s.network.latency).toEqual({ model: 'fixed', valueMs: 5 });
    expect(s.workload).toEqual([{ kind: 'ping', everyMs: 500, startMs: 0, stopMs: 10_000 }]);
    expect(s.assertions[0]).toEqual({
      text: 'ping.success_rate >= 0.9',
      metric: 'ping.success_rate',
      op: '>=',
      value: 0.9,
    });
  });

  it('loads the shipped quickstart scenario', () => {
    const s = loadScenarioFile('scenarios/quickstart.yaml');
    expect(s.nodes.count).toBeGreaterThan(1);
    expect(s.assertions.length).toBeGreaterThan(0);
  });

  it('names the line, field, expectation and finding for a wrong type', () => {
    const e = errorOf(good.replace('count: 3', 'count: three'));
    expect(e.line).toBe(3);
    expect(e.field).toBe('nodes.count');
    expect(e.found).toBe('"three"');
    expect(e.message).toMatch(/^x\.yaml:3: nodes\.count: expected/);
  });

  it('reports a missing required field at its parent', () => {
    const e = errorOf(good.replace('duration: 10s\n', ''));
    expect(e.field).toBe('duration');
    expect(e.found).toBe('nothing');
  });

  it('rejects unknown fields by name', () => {
    const e = errorOf(`${good}colour: blue\n`);
    expect(e.field).toBe('colour');
    expect(e.line).toBe(11);
  });

  it('lists the allowed kinds when a workload kind is unknown', () => {
    const e = errorOf(good.replace('kind: ping', 'kind: pong'));
    expect(e.field).toBe('workload.0.kind');
    expect(e.expected).toContain('"ping"');
    expect(e.found).toBe('"pong"');
    expect(e.line).toBe(7);
  });

  it('explains a malformed duration', () => {
    const e = errorOf(good.replace('every: 500ms', 'every: soon'));
    expect(e.field).toBe('workload.0.every');
    expect(e.expected).toMatch(/duration/);
  });

  it('rejects a malformed assertion', () => {
    const e = errorOf(good.replace('ping.success_rate >= 0.9', 'success is high'));
    expect(e.field).toBe('assertions.0');
  });

  it('reports YAML syntax errors with a line', () => {
    const e = errorOf('name: [unclosed\nduration: 1s\n');
    expect(e.field).toBe('(syntax)');
    expect(e.line).toBeGreaterThan(0);
  });

  it('reports a missing file', () => {
    expect(() => loadScenarioFile('does/not/exist.yaml')).toThrow(ScenarioError);
  });
});

describe('lookup workloads and stack options', () => {
  const dht = `name: d
duration: 30s
nodes: { count: 10, joinOver: 5s }
stack: { k: 8, alpha: 2, requestTimeout: 2s }
workload:
  - kind: lookup
    count: 100
    start: 10s
    over: 10s
`;
  it('parses a lookup workload and stack options', () => {
    const s = parseScenario(dht, 'd.yaml');
    expect(s.workload).toEqual([{ kind: 'lookup', count: 100, startMs: 10_000, overMs: 10_000 }]);
    expect(s.stack).toEqual({ k: 8, alpha: 2, requestTimeoutMs: 2000 });
    expect(s.nodes.joinOverMs).toBe(5000);
  });

  it("reports the lookup branch's own error, not the ping branch's", () => {
    const e = errorOf(dht.replace('count: 100', 'count: lots'));
    expect(e.field).toBe('workload.0.count');
    expect(e.found).toBe('"lots"');
  });

  it('rejects an out-of-range stack option', () => {
    const e = errorOf(dht.replace('k: 8', 'k: 0'));
    expect(e.field).toBe('stack.k');
    expect(e.line).toBe(4);
  });
});
