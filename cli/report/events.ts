/**
 * Fault and timeline events drawn onto a time chart: a shaded band for each partition (until its
 * heal) and a vertical line per event. Rare kinds (a partition, a heal, a few crashes) get labelled
 * lines; kinds that happen hundreds of times (churn's leaves and joins) get faint unlabelled lines
 * and a count in the legend, so they show their density without burying the rare events.
 */

import { fmtNumber } from './format.js';
import { placeLabels } from './layout.js';
import type { FaultRecord } from './records.js';
import type { Scale } from './scale.js';
import { partitionSpans } from './series.js';
import type { LegendItem, Plot } from './svg.js';

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
const LABEL_ROWS = 4; // at most this many rows of labels above a chart
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

/** Events of the kinds that get their own labelled line, in time order. */
function rareEvents(faults: readonly FaultRecord[]): FaultRecord[] {
  const counts = new Map<string, number>();
  for (const f of faults) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  return faults.filter((f) => counts.get(f.kind)! <= LABELLED_MAX).sort((a, b) => a.tMs - b.tMs);
}

function layout(events: readonly FaultRecord[], scale: Scale, rightPx: number) {
  return placeLabels(
    events.map((f) => ({ x: scale.at(f.tMs), text: eventLabel(f) })),
    LABEL_ROWS,
    rightPx,
  );
}

/** How many label rows the events' labels take on this x scale: the strip a chart must reserve. */
export function labelRowsNeeded(faults: readonly FaultRecord[], scale: Scale, rightPx: number): number {
  return Math.max(0, ...layout(rareEvents(faults), scale, rightPx).map((p) => (p ? p.row + 1 : 0)));
}

/** Lines for the rare events, labelled when `labels`. */
function drawRare(plot: Plot, events: FaultRecord[], kinds: string[], labels: boolean): void {
  const places = labels ? layout(events, plot.x!.scale, plot.right) : [];
  for (const [i, f] of events.entries()) {
    const place = places[i];
    const color = kindColor(f.kind, kinds);
    const label = place ? eventLabel(f) : undefined; // no free row: the line and its tooltip remain
    plot.vline(f.tMs, color, {
      dash: true,
      widthPx: 1.5,
      title: eventTitle(f),
      label,
      labelRow: place?.row,
      flip: place?.flip,
    });
  }
}

/**
 * Draws the events onto `plot` (whose x axis is time in ms) and returns their legend items.
 * `labels` is false for small multiples, where labels would cover the data. Frequent kinds become
 * a rug of ticks along the bottom, one strip per kind: thousands of full-height lines would hide
 * the data, and would make the page megabytes long.
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
  const byKind = new Map<string, FaultRecord[]>();
  for (const f of faults) {
    const list = byKind.get(f.kind);
    if (list) list.push(f);
    else byKind.set(f.kind, [f]);
  }
  const kinds = [...byKind.keys()];
  const dense = kinds.filter((k) => byKind.get(k)!.length > LABELLED_MAX);
  for (const [row, kind] of dense.entries()) {
    const times = byKind.get(kind)!.map((f) => f.tMs);
    plot.rug(times, kindColor(kind, kinds), row, `${kind}: ${fmtNumber(times.length)} events`);
  }
  drawRare(plot, rareEvents(faults), kinds, labels);
  return kinds.map((kind) => {
    const n = byKind.get(kind)!.length;
    const color = kindColor(kind, kinds);
    return n > LABELLED_MAX
      ? { label: `${kind} ×${fmtNumber(n)}`, color, swatch: 'rug' as const }
      : { label: kind, color, dash: true };
  });
}
