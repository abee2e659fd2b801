/**
 * The content.publish and content.fetch workloads (Saga): from validated YAML to typed workloads,
 * and the checks the schema cannot make (a fetch names a publish label that exists, a group that
 * exists, sizes and fractions that fit together).
 */
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from '../stack/saga/constants.js';
import { parseDurationMs } from './duration.js';
import { parseSizeBytes } from './size.js';
import type { ContentFetchWorkload, ContentPublishWorkload, Workload } from './types.js';

const ms = (v: unknown): number => parseDurationMs(v) ?? 0;

export function isContentKind(kind: unknown): kind is 'content.publish' | 'content.fetch' {
  return kind === 'content.publish' || kind === 'content.fetch';
}

// biome-ignore lint/suspicious/noExplicitAny: schema-validated YAML
export function toContentWorkload(w: Record<string, any>): Workload {
  if (w.kind === 'content.publish') {
    const out: ContentPublishWorkload = {
      kind: 'content.publish',
      label: w.label,
      publishers: w.publishers ?? 1,
      objects: w.objects,
      copies: w.copies ?? 1,
      sizeBytes: parseSizeBytes(w.size) ?? 0,
      atMs: ms(w.at),
      lying: w.lying ?? 0,
      stalling: w.stalling ?? 0,
      crashing: w.crashing ?? 0,
      crashAtMs: w.crashAt === undefined ? 0 : ms(w.crashAt),
    };
    if (w.group !== undefined) out.group = w.group;
    if (w.chunkSize !== undefined) out.chunkSizeBytes = parseSizeBytes(w.chunkSize);
    return out;
  }
  const out: ContentFetchWorkload = {
    kind: 'content.fetch',
    label: w.label,
    fetchers: w.fetchers,
    startMs: ms(w.start),
    overMs: ms(w.over),
    provide: w.provide ?? false,
  };
  if (w.stallTimeout !== undefined) out.stallTimeoutMs = ms(w.stallTimeout);
  return out;
}

/** The first problem with the content workloads, as [index, field, expected, found], or undefined. */
export function contentProblem(
  workload: Workload[],
  groups: Record<string, { from: number; to: number }>,
  nodeCount: number,
): [number, string, string, string] | undefined {
  const labels = new Map<string, ContentPublishWorkload>();
  for (const [i, w] of workload.entries()) {
    if (w.kind !== 'content.publish') continue;
    if (labels.has(w.label))
      return [i, 'label', 'a label no other content.publish uses', JSON.stringify(w.label)];
    labels.set(w.label, w);
    const pool = w.group ? groups[w.group] : undefined;
    if (w.group !== undefined && !pool) {
      return [
        i,
        'group',
        `one of the groups in nodes.groups (${Object.keys(groups).join(', ') || 'none defined'})`,
        JSON.stringify(w.group),
      ];
    }
    const publishers = pool ? pool.to - pool.from + 1 : w.publishers;
    if (!pool && publishers > nodeCount - 1)
      return [i, 'publishers', `at most ${nodeCount - 1} (node 0 never publishes)`, String(publishers)];
    if (w.copies > publishers) return [i, 'copies', `at most the ${publishers} publishers`, String(w.copies)];
    if (w.lying + w.stalling + w.crashing > 1)
      return [i, 'lying', 'lying + stalling + crashing <= 1', String(w.lying + w.stalling + w.crashing)];
    const c = w.chunkSizeBytes;
    if (c !== undefined && (c < MIN_CHUNK_SIZE || c > MAX_CHUNK_SIZE))
      return [i, 'chunkSize', `${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE} bytes`, String(c)];
    if (w.crashing > 0 && w.crashAtMs <= w.atMs)
      return [i, 'crashAt', 'a time after "at"', String(w.crashAtMs)];
  }
  for (const [i, w] of workload.entries()) {
    if (w.kind === 'content.fetch' && !labels.has(w.label)) {
      return [
        i,
        'label',
        `the label of a content.publish workload (${[...labels.keys()].join(', ') || 'none'})`,
        JSON.stringify(w.label),
      ];
    }
  }
  return undefined;
}
