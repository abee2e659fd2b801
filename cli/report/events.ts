/**
 * Fault and timeline events drawn onto a time chart: a shaded band for each partition (until its
 * heal) and a vertical line per event. Rare kinds (a partition, a heal, a few crashes) get labelled
 * lines; kinds that happen hundreds of times (churn's leaves and joins) get faint unlabelled lines
 * and a count in the legend, so they show their density without burying the rare events.
 */

import { fmtNumber } from './format.js';
import type { FaultRecord } from './records.js';
import { partitionSpans } from './series.js';
import { type LegendItem, type Plot, textWidth } from './svg.js';

const KIND_COLORS: Record<string, string> = {
  partition: '#c0392b',
  heal: '#2e8b57',
  crash: '#7b1fa2',
  restart: '#00838f',
  leave: '#8d6e63',
  join: '#5c6bc0',
  degrade: '#ef6c00',
};
const OTHER_COLORS = ['#6d4c41', '#455a64', '#9e9d24', '#ad1457', '#00695c'];

export const LABELLED_MAX = 8; // a kind with more events than this is drawn unlabelled
const LABEL_ROWS = 4;
const LABEL_CHARS = 30; // a longer label (a big group name) is cut, the tooltip keeps all of it

export function kindColor(kind: string, kinds: readonly string[]): string {
  return KIND_COLORS[kind] ?? OTHER_COLORS[Math.max(0, kinds.indexOf(kind)) % OTHER_COLORS.length]!;
}

function eventLabel(f: FaultRecord): string {
  const text = f.target === '' ? f.kind : `${f.kind} ${f.target}`;
  return text.length > LABEL_CHARS ? `${text.slice(0, LABEL_CHARS - 1)}…` : text;
}

function eventTitle(f: FaultRecord): string {
  return `${(f.tMs / 1000).toFixed(3)} s: ${f.kind} ${f.target}${f.detail ? ` (${f.detail})` : ''}`;
}

/**
 * Draws the events onto `plot` (whose x axis is time in ms) and returns their legend items.
 * `labels` is false for small multiples, where labels would cover the data.
 */
export function drawEvents(
  plot: Plot,
  faults: readonly FaultRecord[],
  endMs: number,
  labels: boolean,
): LegendItem[] {
  if (faults.length === 0) return [];
  for (const s of partitionSpans(faults, endMs))
    plot.band(s.fromMs, s.toMs, 'rgba(192, 57, 43, 0.09)', s.label);
  const counts = new Map<string, number>();
  for (const f of faults) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  const kinds = [...counts.keys()];
  const sorted = faults.slice().sort((a, b) => a.tMs - b.tMs);
  const rowEnd = new Array<number>(LABEL_ROWS).fill(Number.NEGATIVE_INFINITY);
  const scale = plot.x!.scale;
  for (const f of sorted) {
    const color = kindColor(f.kind, kinds);
    if (counts.get(f.kind)! > LABELLED_MAX) {
      plot.vline(f.tMs, color, { widthPx: 1, opacity: 0.3, title: eventTitle(f) });
      continue;
    }
    let label: string | undefined;
    let labelRow: number | undefined;
    if (labels) {
      label = eventLabel(f);
      const x = scale.at(f.tMs);
      const row = rowEnd.findIndex((end) => end < x);
      if (row >= 0) {
        labelRow = row;
        rowEnd[row] = x + 8 + textWidth(label, 11);
      } else label = undefined; // no free row: the line and its tooltip remain
    }
    plot.vline(f.tMs, color, { dash: true, widthPx: 1.5, title: eventTitle(f), label, labelRow });
  }
  return kinds.map((kind) => ({
    label: counts.get(kind)! > LABELLED_MAX ? `${kind} ×${fmtNumber(counts.get(kind)!)}` : kind,
    color: kindColor(kind, kinds),
    dash: counts.get(kind)! <= LABELLED_MAX,
  }));
}
