/**
 * Text placement for the SVG charts without a browser to measure text: widths are estimated from
 * the character count, which is close enough for a sans-serif at 11-12 px to keep labels apart.
 */

const CHAR_PX = 6.6; // average glyph width of the 12 px sans-serif used for labels

export const LABEL_ROW_PX = 14; // one row of 11 px marker labels
const LABEL_GAP_PX = 8; // least space between two labels on one row

/** Pixel coordinates with one decimal: enough for a sharp line, short enough for a 10k-point path. */
export function px(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** Estimated width of a label in pixels at `sizePx`. */
export function textWidth(text: string, sizePx = 12): number {
  return text.length * CHAR_PX * (sizePx / 12);
}

/**
 * Assigns each marker label (at pixel x, in order) a row: the first of `rows` rows where it does not
 * overlap the previous label, reading right of its line, or left of it where it would run past
 * `rightPx`. A label with no free row gets no row (its line and tooltip stay).
 */
export function placeLabels(
  items: readonly { x: number; text: string }[],
  rows: number,
  rightPx: number,
): ({ row: number; flip: boolean } | undefined)[] {
  const rowEnd = new Array<number>(rows).fill(Number.NEGATIVE_INFINITY);
  return items.map(({ x, text }) => {
    const w = textWidth(text, 11) + 4;
    const flip = x + w > rightPx;
    const [x0, x1] = flip ? [x - w, x] : [x, x + w];
    const row = rowEnd.findIndex((end) => end + LABEL_GAP_PX <= x0);
    if (row < 0) return undefined;
    rowEnd[row] = x1;
    return { row, flip };
  });
}
