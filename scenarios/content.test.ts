/** content.publish / content.fetch in scenario files: typed, and mistakes named by line and field. */
import { describe, expect, it } from 'vitest';
import { ScenarioError } from './errors.js';
import { parseScenario } from './load.js';

const base = (workload: string) => `name: c
duration: 60s
nodes: { count: 20, groups: { pubs: 1..4 } }
workload:
${workload}
`;

const publish = `  - { kind: content.publish, label: files, publishers: 5, objects: 4, copies: 2, size: 64KiB, chunkSize: 16KiB, at: 10s, lying: 0.2, crashing: 0.2, crashAt: 20s }`;

describe('content workloads in scenario files', () => {
  it('parse into typed workloads with sizes in bytes', () => {
    const s = parseScenario(
      base(
        `${publish}\n  - { kind: content.fetch, label: files, fetchers: 10, start: 15s, over: 10s, provide: true, stallTimeout: 3s }`,
      ),
      'x.yaml',
    );
    expect(s.workload[0]).toMatchObject({
      kind: 'content.publish',
      sizeBytes: 65536,
      chunkSizeBytes: 16384,
      atMs: 10_000,
      crashAtMs: 20_000,
    });
    expect(s.workload[1]).toMatchObject({
      kind: 'content.fetch',
      fetchers: 10,
      provide: true,
      stallTimeoutMs: 3000,
    });
  });

  const bad: [string, string, string][] = [
    [
      'a fetch of an unknown label',
      `${publish}\n  - { kind: content.fetch, label: nope, fetchers: 1, start: 1s, over: 1s }`,
      'workload.1.label',
    ],
    ['more copies than publishers', publish.replace('copies: 2', 'copies: 9'), 'workload.0.copies'],
    ['faulty fractions over 1', publish.replace('lying: 0.2', 'lying: 0.9'), 'workload.0.lying'],
    [
      'a chunk size out of range',
      publish.replace('chunkSize: 16KiB', 'chunkSize: 2MiB'),
      'workload.0.chunkSize',
    ],
    ['a crash before publishing', publish.replace('crashAt: 20s', 'crashAt: 5s'), 'workload.0.crashAt'],
    ['an unknown group', publish.replace('publishers: 5', 'group: nobody'), 'workload.0.group'],
    ['too many publishers', publish.replace('publishers: 5', 'publishers: 20'), 'workload.0.publishers'],
    ['a size that is not one', publish.replace('size: 64KiB', 'size: lots'), 'workload.0.size'],
  ];
  for (const [what, workload, field] of bad) {
    it(`refuses ${what}`, () => {
      let err: unknown;
      try {
        parseScenario(base(workload), 'x.yaml');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ScenarioError);
      expect((err as ScenarioError).field).toBe(field);
    });
  }
});
