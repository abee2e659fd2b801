/**
 * Loading a scenario file: YAML → JSON Schema check (scenarios/schema.json) → typed Scenario.
 * Every problem becomes a ScenarioError naming the file, the line, the field, what was expected
 * and what was found, so a user can fix the file without reading our code.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { type Document, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { contentProblem, isContentKind, toContentWorkload } from './content.js';
import { parseDurationMs } from './duration.js';
import { ScenarioError } from './errors.js';
import { applyOverrides, attributeError, checkPath, type Override, pathsOverlap } from './overrides.js';
import type {
  Assertion,
  Comparator,
  LatencyModel,
  Scenario,
  Selector,
  SweepSpec,
  TimelineEvent,
  Workload,
} from './types.js';

const schema = JSON.parse(readFileSync(new URL('./schema.json', schemaBase()), 'utf8')) as object;

/** The schema sits in scenarios/ of the package; compiled code runs from dist/scenarios/. */
function schemaBase(): URL {
  const here = new URL('.', import.meta.url);
  return here.pathname.includes('/dist/scenarios/') ? new URL('../../scenarios/', here) : here;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

/** Read and check a scenario file, with `--set` overrides applied before the check (in order). */
export function loadScenarioFile(file: string, overrides: readonly Override[] = []): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ScenarioError(file, undefined, '(file)', 'a readable YAML file', code);
  }
  return parseScenario(text, file, overrides);
}

export function parseScenario(text: string, file: string, overrides: readonly Override[] = []): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = lineCounter.linePos(e.pos[0]).line;
    throw new ScenarioError(file, line, '(syntax)', 'valid YAML', e.message.split('\n')[0]!);
  }
  const written: unknown = doc.toJS();
  if (written === null || typeof written !== 'object' || Array.isArray(written)) {
    throw new ScenarioError(
      file,
      1,
      '(document)',
      'a mapping with name, nodes and duration',
      describe(written),
    );
  }
  const data = overrides.length > 0 ? applyOverrides(written, overrides, file) : written;
  try {
    if (!validate(data)) throw schemaError(file, doc, lineCounter, data, validate.errors ?? []);
    return toScenario(file, data as Record<string, any>, doc, lineCounter);
  } catch (err) {
    // A problem in an overridden value is told against the override, not a line of the file.
    if (err instanceof ScenarioError && overrides.length > 0) throw attributeError(err, overrides);
    throw err;
  }
}

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function lineAt(doc: Document, lc: LineCounter, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = (n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)) as YamlNode | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range)
      return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

function valueAt(data: unknown, path: (string | number)[]): unknown {
  let v: any = data;
  for (const p of path) v = v?.[p];
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/**
 * In a oneOf keyed by "kind" or "model", errors from the branches whose discriminator does not
 * match are noise: when the value names a real branch, keep only that branch's errors.
 */
/** The schema node at a JSON pointer like "#/properties/workload/items/oneOf". */
function schemaAt(pointer: string): unknown {
  let node: any = schema;
  for (const part of pointer.replace(/^#\//, '').split('/')) node = node?.[part];
  return node;
}

/** Branches of the first oneOf in the schema whose discriminator values include all of `values`. */
function oneOfOffering(disc: 'kind' | 'model', values: unknown[]): number {
  const visit = (n: unknown): number => {
    if (n === null || typeof n !== 'object') return 0;
    const oneOf = (n as { oneOf?: unknown }).oneOf;
    if (Array.isArray(oneOf)) {
      const offered = oneOf.map(
        (b) => (b as { properties?: Record<string, { const?: unknown }> })?.properties?.[disc]?.const,
      );
      if (values.every((v) => offered.includes(v))) return oneOf.length;
    }
    for (const v of Object.values(n)) {
      const found = visit(v);
      if (found > 0) return found;
    }
    return 0;
  };
  return visit(schema);
}

function dropOtherBranches(errors: ErrorObject[], _data: unknown): ErrorObject[] {
  const discs = errors.filter((e) => e.keyword === 'const' && /\/(kind|model)$/.test(e.instancePath));
  // A branch is its schema path prefix plus the object it applies to: under a $ref (the latency
  // models) ajv's schema paths are relative to the definition ("#/oneOf/1/..."), so the path alone
  // could also match a duration's oneOf elsewhere.
  const failedBranches: { branch: string; at: string }[] = [];
  for (const d of discs) {
    const branch = d.schemaPath.replace(/properties\/(kind|model)\/const$/, '');
    const oneOfPath = branch.replace(/\/\d+\/$/, '');
    const at = d.instancePath.replace(/\/(kind|model)$/, '');
    const refused = discs
      .filter((x) => x.instancePath === d.instancePath)
      .map((x) => (x.params as { allowedValue: unknown }).allowedValue);
    const branches =
      (schemaAt(oneOfPath) as unknown[] | undefined)?.length ??
      // Not found from the root (a path relative to a $ref'd definition): the oneOf that offers them.
      oneOfOffering(d.instancePath.endsWith('/kind') ? 'kind' : 'model', refused);
    const failing = discs.filter((x) => x.instancePath === d.instancePath).length;
    // Every branch refused the value: it names no branch, and the discriminator error is the message.
    if (failing >= branches) continue;
    failedBranches.push({ branch, at });
  }
  if (failedBranches.length === 0) return errors;
  return errors.filter(
    (e) =>
      !(e.keyword === 'oneOf' && failedBranches.some((b) => b.at === e.instancePath)) &&
      !failedBranches.some(
        (b) =>
          (e.instancePath === b.at || e.instancePath.startsWith(`${b.at}/`)) &&
          e.schemaPath.startsWith(b.branch),
      ),
  );
}

/** Pick the most useful ajv error: the deepest path, preferring concrete keywords over oneOf. */
function schemaError(
  file: string,
  doc: Document,
  lc: LineCounter,
  data: unknown,
  allErrors: ErrorObject[],
): ScenarioError {
  let errors = allErrors;
  const score = (e: ErrorObject) =>
    e.instancePath.split('/').length * 10 + (e.keyword === 'oneOf' || e.keyword === 'const' ? 0 : 5);
  errors = dropOtherBranches(errors, data);
  const sorted = [...errors].sort((a, b) => score(b) - score(a));
  // Discriminator first: a wrong "kind"/"model" explains every other error on that object.
  const disc = errors.find((e) => e.keyword === 'const' && /\/(kind|model)$/.test(e.instancePath));
  const e = disc ?? sorted[0]!;
  let path = pathOf(e.instancePath);
  let expected: string;
  let found = describe(valueAt(data, path));
  if (e.schemaPath.includes('/duration/')) {
    const field = path.map(String).join('.');
    const expectedDuration = 'a duration such as 500ms, 30s, 2m or a number of milliseconds';
    return new ScenarioError(file, lineAt(doc, lc, path), field, expectedDuration, found);
  }
  if (path[0] === 'sweep' && path[1] === 'seeds' && e.keyword !== 'minItems') {
    const expectedSeeds = 'seeds as a range "1..8" (inclusive) or a list of integers like [1, 5, 9]';
    return new ScenarioError(file, lineAt(doc, lc, path), path.map(String).join('.'), expectedSeeds, found);
  }
  switch (e.keyword) {
    case 'required':
      path = [...path, (e.params as { missingProperty: string }).missingProperty];
      expected = `a value for required field "${path[path.length - 1]}"`;
      found = 'nothing';
      break;
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      path = [...path, extra];
      expected = `no field "${extra}" (not part of the format; see scenarios/README.md)`;
      found = describe(valueAt(data, path));
      break;
    }
    case 'const': {
      const options = errors
        .filter((x) => x.keyword === 'const' && x.instancePath === e.instancePath)
        .map((x) => JSON.stringify((x.params as { allowedValue: unknown }).allowedValue));
      expected = `one of ${options.join(', ')}`;
      break;
    }
    case 'pattern':
      expected = path.includes('assertions')
        ? 'an assertion like "ping.success_rate >= 0.99"'
        : `a value matching ${(e.params as { pattern: string }).pattern}`;
      break;
    case 'oneOf':
      expected = 'one of the forms described in scenarios/README.md';
      break;
    default:
      expected = `a value that ${e.message ?? 'fits the schema'}`;
  }
  const field = path.length === 0 ? '(document)' : path.map(String).join('.');
  return new ScenarioError(file, lineAt(doc, lc, path), field, expected, found);
}

function ms(v: unknown): number {
  return parseDurationMs(v) ?? 0; // the schema already checked the form
}

function toLatency(raw: Record<string, any> | undefined): LatencyModel {
  if (!raw) return { model: 'lognormal', medianMs: 40, sigma: 0.5 };
  switch (raw.model) {
    case 'fixed':
      return { model: 'fixed', valueMs: ms(raw.value) };
    case 'uniform':
      return { model: 'uniform', minMs: ms(raw.min), maxMs: ms(raw.max) };
    case 'normal':
      return { model: 'normal', meanMs: ms(raw.mean), stddevMs: ms(raw.stddev) };
    case 'lognormal':
      return { model: 'lognormal', medianMs: ms(raw.median), sigma: raw.sigma };
    default:
      return {
        model: 'matrix',
        regions: raw.regions,
        matrixMs: raw.matrix.map((row: unknown[]) => row.map(ms)),
      };
  }
}

type Groups = Record<string, { from: number; to: number }>;

function toGroups(file: string, nodes: Record<string, any>, doc: Document, lc: LineCounter): Groups {
  const out: Groups = {};
  const count: number = nodes.count;
  for (const [name, spec] of Object.entries((nodes.groups ?? {}) as Record<string, string>)) {
    const [a, b] = spec.split('..') as [string, string];
    const share = (t: string) => Math.round((Number(t.slice(0, -1)) / 100) * count);
    // "0%..50%" covers [0, 50%) of the list; "0..499" is inclusive of both ends.
    const from = a.endsWith('%') ? share(a) : Number(a);
    const to = b.endsWith('%') ? share(b) - 1 : Number(b);
    if (from > to || to >= count) {
      const path = ['nodes', 'groups', name];
      throw new ScenarioError(
        file,
        lineAt(doc, lc, path),
        path.join('.'),
        `a non-empty range within 0..${count - 1}`,
        JSON.stringify(spec),
      );
    }
    out[name] = { from, to };
  }
  return out;
}

function toSelector(
  e: Record<string, any>,
  groups: Groups,
  where: () => [number | undefined, string],
): Selector {
  if (e.group !== undefined) {
    if (!groups[e.group]) {
      const [line, field] = where();
      throw new ScenarioError(
        '',
        line,
        `${field}.group`,
        `one of the groups in nodes.groups (${Object.keys(groups).join(', ') || 'none defined'})`,
        JSON.stringify(e.group),
      );
    }
    return { kind: 'group', group: e.group };
  }
  if (e.fraction !== undefined) return { kind: 'fraction', fraction: e.fraction };
  if (e.count !== undefined) return { kind: 'count', count: e.count };
  if (e.nodes !== undefined) return { kind: 'nodes', nodes: e.nodes };
  return { kind: 'all' };
}

function toEvent(
  file: string,
  e: Record<string, any>,
  i: number,
  groups: Groups,
  count: number,
  doc: Document,
  lc: LineCounter,
): TimelineEvent {
  const atMs = ms(e.at);
  const where = (): [number | undefined, string] => [lineAt(doc, lc, ['timeline', i]), `timeline.${i}`];
  const fail = (field: string, expected: string, found: string): never => {
    throw new ScenarioError(
      file,
      lineAt(doc, lc, ['timeline', i, field]),
      `timeline.${i}.${field}`,
      expected,
      found,
    );
  };
  try {
    switch (e.event) {
      case 'crash':
      case 'restart':
      case 'leave': {
        const select = toSelector(e, groups, where);
        if (select.kind === 'nodes')
          for (const n of select.nodes)
            if (n >= count) fail('nodes', `node indexes below ${count}`, String(n));
        return { atMs, event: e.event, select };
      }
      case 'partition':
        for (const g of e.groups as string[])
          if (!groups[g])
            fail(
              'groups',
              `names from nodes.groups (${Object.keys(groups).join(', ') || 'none defined'})`,
              JSON.stringify(g),
            );
        return { atMs, event: 'partition', groups: e.groups };
      case 'heal':
        return { atMs, event: 'heal' };
      case 'churn':
        return { atMs, event: 'churn', ratePerMinute: e.ratePerMinute, untilMs: ms(e.until) };
      default:
        return {
          atMs,
          event: 'degrade',
          select: toSelector(e, groups, where),
          delayMs: e.delay === undefined ? 0 : ms(e.delay),
          loss: e.loss ?? 0,
          untilMs: ms(e.until),
        };
    }
  } catch (err) {
    if (err instanceof ScenarioError && err.file === '') {
      throw new ScenarioError(file, err.line, err.field, err.expected, err.found);
    }
    throw err;
  }
}

/** Sweeps may not run past this many seeds: a typo like 1..100000000 should not start a week-long run. */
export const MAX_SWEEP_SEEDS = 100_000;

function toSweep(file: string, raw: Record<string, any>, doc: Document, lc: LineCounter): SweepSpec {
  const fail = (path: (string | number)[], expected: string, found: string): never => {
    throw new ScenarioError(file, lineAt(doc, lc, path), path.map(String).join('.'), expected, found);
  };
  let seeds: number[] | undefined;
  if (typeof raw.seeds === 'string') {
    seeds = parseSeedRange(raw.seeds);
    if (!seeds)
      fail(
        ['sweep', 'seeds'],
        `a range A..B with A <= B, at most ${MAX_SWEEP_SEEDS.toLocaleString('en-US')} seeds, within 0..4294967295`,
        JSON.stringify(raw.seeds),
      );
  } else if (Array.isArray(raw.seeds)) {
    seeds = raw.seeds as number[];
    const dup = seeds.find((s, i) => seeds!.indexOf(s) !== i);
    if (dup !== undefined) fail(['sweep', 'seeds'], 'each seed once', `${dup} twice`);
  }
  const parameters: SweepSpec['parameters'] = [];
  for (const [path, values] of Object.entries((raw.set ?? {}) as Record<string, unknown[]>)) {
    const where = ['sweep', 'set', path];
    try {
      checkPath(path, `sweep.set.${path}`, file);
    } catch {
      fail(where, 'a dotted path of field names and list indexes, e.g. network.loss', JSON.stringify(path));
    }
    if (path === 'seed' || path.startsWith('sweep'))
      fail(where, 'a scenario field other than seed and sweep (seeds are swept by sweep.seeds)', path);
    const other = parameters.find((p) => pathsOverlap(p.path, path));
    if (other) fail(where, `a path apart from ${other.path} (one is inside the other)`, path);
    parameters.push({
      path,
      values,
      lines: values.map((_, i) => lineAt(doc, lc, [...where, i])),
    });
  }
  return { ...(seeds ? { seeds } : {}), parameters };
}

/** "A..B" (inclusive) → [A, ..., B]; undefined when malformed, reversed, out of range or too long. */
export function parseSeedRange(text: string): number[] | undefined {
  const m = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2]);
  if (!(a <= b && b <= 4294967295 && b - a < MAX_SWEEP_SEEDS)) return undefined;
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

const ASSERTION = /^\s*([a-z0-9_.]+)\s*(>=|<=|==|!=|>|<)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$/;

function toScenario(file: string, raw: Record<string, any>, doc: Document, lc: LineCounter): Scenario {
  const durationMs = ms(raw.duration);
  const latency = toLatency(raw.network?.latency);
  if (latency.model === 'matrix') {
    const n = latency.regions.length;
    const bad = latency.matrixMs.length !== n || latency.matrixMs.some((row) => row.length !== n);
    if (bad) {
      const path = ['network', 'latency', 'matrix'];
      throw new ScenarioError(
        file,
        lineAt(doc, lc, path),
        path.join('.'),
        `a ${n}x${n} matrix`,
        'another shape',
      );
    }
  }
  const workload: Workload[] = (raw.workload ?? []).map((w: Record<string, any>): Workload => {
    if (isContentKind(w.kind)) return toContentWorkload(w);
    if (w.kind === 'lookup') {
      const base = { kind: 'lookup' as const, count: w.count, startMs: ms(w.start), overMs: ms(w.over) };
      return w.label ? { ...base, label: w.label } : base;
    }
    if (w.kind === 'ping6')
      return { kind: 'ping6', count: w.count, startMs: ms(w.start), overMs: ms(w.over) };
    if (w.kind === 'tcp-transfer')
      return {
        kind: 'tcp-transfer',
        count: w.count,
        bytes: w.bytes,
        startMs: ms(w.start),
        overMs: ms(w.over),
      };
    if (w.kind === 'publish') {
      const base = {
        kind: 'publish' as const,
        topic: w.topic ?? 'scenario',
        publishers: w.publishers,
        count: w.count,
        sizeBytes: w.size ?? 64,
        startMs: ms(w.start),
        overMs: ms(w.over),
      };
      return w.label ? { ...base, label: w.label } : base;
    }
    if (w.kind === 'rpc') {
      const timeoutMs = w.timeout === undefined ? 10_000 : ms(w.timeout);
      return { kind: 'rpc', count: w.count, startMs: ms(w.start), overMs: ms(w.over), timeoutMs };
    }
    if (w.kind === 'crdt') {
      const antiEntropyMs = w.antiEntropy === undefined ? 2_000 : ms(w.antiEntropy);
      return { kind: 'crdt', everyMs: ms(w.every), startMs: ms(w.start), stopMs: ms(w.stop), antiEntropyMs };
    }
    return {
      kind: 'ping',
      everyMs: ms(w.every),
      startMs: w.start === undefined ? 0 : ms(w.start),
      stopMs: w.stop === undefined ? durationMs : ms(w.stop),
    };
  });
  workload.forEach((w, i) => {
    if ((w.kind === 'ping6' || w.kind === 'tcp-transfer') && raw.stack?.tun !== true) {
      const path = ['workload', i, 'kind'];
      throw new ScenarioError(
        file,
        lineAt(doc, lc, path),
        path.join('.'),
        `stack: { tun: true } for a ${w.kind} workload (it runs over the nodes' TUN devices)`,
        'no stack.tun',
      );
    }
    if ((w.kind === 'ping' || w.kind === 'crdt') && w.everyMs <= 0) {
      const path = ['workload', i, 'every'];
      throw new ScenarioError(file, lineAt(doc, lc, path), path.join('.'), 'a positive duration', '0');
    }
  });
  const assertions: Assertion[] = (raw.assertions ?? []).map((text: string) => {
    const m = ASSERTION.exec(text)!;
    return { text: text.trim(), metric: m[1]!, op: m[2] as Comparator, value: Number(m[3]) };
  });
  const groups = toGroups(file, raw.nodes, doc, lc);
  const timeline = (raw.timeline ?? []).map((e: Record<string, any>, i: number) =>
    toEvent(file, e, i, groups, raw.nodes.count, doc, lc),
  );
  const contentBad = contentProblem(workload, groups, raw.nodes.count);
  if (contentBad) {
    const [i, field, expected, found] = contentBad;
    const path = ['workload', i, field];
    throw new ScenarioError(file, lineAt(doc, lc, path), path.join('.'), expected, found);
  }
  return {
    file,
    name: raw.name,
    ...(raw.sweep ? { sweep: toSweep(file, raw.sweep, doc, lc) } : {}),
    timeline,
    sampleMs: raw.sample === undefined ? durationMs / 100 : ms(raw.sample),
    description: raw.description,
    seed: raw.seed ?? 1,
    durationMs,
    nodes: {
      count: raw.nodes.count,
      regions: raw.nodes.regions ?? [],
      joinOverMs: raw.nodes.joinOver === undefined ? 10_000 : ms(raw.nodes.joinOver),
      groups,
    },
    stack: {
      k: raw.stack?.k,
      alpha: raw.stack?.alpha,
      requestTimeoutMs: raw.stack?.requestTimeout === undefined ? undefined : ms(raw.stack.requestTimeout),
      ...(raw.stack?.tun ? { tun: true } : {}),
      ...(raw.stack?.tunMtu ? { tunMtu: raw.stack.tunMtu } : {}),
    },
    network: {
      latency,
      jitterMs: raw.network?.jitter === undefined ? 0 : ms(raw.network.jitter),
      bandwidthMbit: raw.network?.bandwidthMbit,
      loss: raw.network?.loss ?? 0,
    },
    workload,
    assertions,
  };
}
