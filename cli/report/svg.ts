/**
 * A small SVG plotting surface, rendered to a string on the server: the report must open offline
 * in any browser with no script, so charts are drawn here rather than by a JS chart library.
 * A Plot owns a frame (margins, grid, axes with ticks and labels, a legend) and collects marks
 * (lines, bars, bands, vertical markers) drawn clipped to the plot area. All text is escaped.
 */

import { escapeHtml, fmtTick } from './format.js';
import { LABEL_ROW_PX, px, textWidth } from './layout.js';
import type { Scale } from './scale.js';

export interface Margin {
  top: number; // room for the legend
  /** Rows of marker labels between the legend and the plot area, so labels never cover data. */
  labelRows: number;
  right: number;
  bottom: number;
  left: number;
}

export interface Axis {
  scale: Scale;
  label: string;
  format?: (v: number) => string;
}

export interface LegendItem {
  label: string;
  color: string;
  /** 'line' for a series, 'box' for bars and bands, 'rug' for a strip of event ticks. */
  swatch?: 'line' | 'box' | 'rug';
  dash?: boolean;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", sans-serif';
const INK = '#333';
const GRID = '#e6e6e6';
const RUG_PX = 8; // height of one strip of event ticks

export class Plot {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  private readonly legendY: number;
  private readonly labelTop: number;
  x: Axis | undefined;
  y: Axis | undefined;
  private readonly marks: string[] = [];
  private readonly overlay: string[] = [];
  private legendItems: LegendItem[] = [];

  /** `id` must be unique in the page: it names the clip path (and keeps the output deterministic). */
  constructor(
    readonly id: string,
    readonly width: number,
    readonly height: number,
    margin: Partial<Margin> = {},
  ) {
    const m = { top: 30, labelRows: 0, right: 18, bottom: 46, left: 62, ...margin };
    this.left = m.left;
    this.right = width - m.right;
    this.legendY = m.top - 12;
    this.labelTop = m.top;
    this.top = m.top + m.labelRows * LABEL_ROW_PX;
    this.bottom = height - m.bottom;
  }

  get xRange(): [number, number] {
    return [this.left, this.right];
  }

  get yRange(): [number, number] {
    return [this.bottom, this.top];
  }

  /** A polyline through (xs[i], ys[i]); a NaN y breaks the line, so a window with no data shows as a gap. */
  line(
    xs: ArrayLike<number>,
    ys: ArrayLike<number>,
    color: string,
    opts: { widthPx?: number; dash?: boolean; step?: boolean } = {},
  ): void {
    const { x, y } = this.axes();
    let d = '';
    let pen = false;
    for (let i = 0; i < xs.length; i++) {
      if (Number.isNaN(ys[i]!)) {
        pen = false;
        continue;
      }
      const X = px(x.scale.at(xs[i]!));
      const Y = px(y.scale.at(ys[i]!));
      if (pen && opts.step)
        d += `H${X}V${Y}`; // a CDF is a step function: across, then up
      else d += `${pen ? 'L' : 'M'}${X} ${Y}`;
      pen = true;
    }
    if (d === '') return;
    const dash = opts.dash ? ' stroke-dasharray="5 4"' : '';
    this.marks.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="${opts.widthPx ?? 2}" stroke-linejoin="round"${dash}/>`,
    );
  }

  /** Dots at points, for sparse series where a line alone would hide that there are few samples. */
  dots(xs: ArrayLike<number>, ys: ArrayLike<number>, color: string, radiusPx = 2.5): void {
    const { x, y } = this.axes();
    let out = '';
    for (let i = 0; i < xs.length; i++) {
      if (Number.isNaN(ys[i]!)) continue;
      out += `<circle cx="${px(x.scale.at(xs[i]!))}" cy="${px(y.scale.at(ys[i]!))}" r="${radiusPx}"/>`;
    }
    if (out !== '') this.marks.push(`<g fill="${color}">${out}</g>`);
  }

  /** A rectangle in data coordinates; `title` becomes the hover tooltip. */
  rect(x0: number, x1: number, y0: number, y1: number, color: string, title?: string): void {
    const { x, y } = this.axes();
    const X0 = Math.min(x.scale.at(x0), x.scale.at(x1));
    const X1 = Math.max(x.scale.at(x0), x.scale.at(x1));
    const Y0 = Math.min(y.scale.at(y0), y.scale.at(y1));
    const Y1 = Math.max(y.scale.at(y0), y.scale.at(y1));
    const tip = title === undefined ? '' : `<title>${escapeHtml(title)}</title>`;
    this.marks.push(
      `<rect x="${px(X0)}" y="${px(Y0)}" width="${px(X1 - X0)}" height="${px(Y1 - Y0)}" fill="${color}">${tip}</rect>`,
    );
  }

  /** A full-height band between two x values (a partition's duration). */
  band(x0: number, x1: number, color: string, title?: string): void {
    const { x } = this.axes();
    const X0 = x.scale.at(x0);
    const X1 = x.scale.at(x1);
    const tip = title === undefined ? '' : `<title>${escapeHtml(title)}</title>`;
    this.marks.unshift(
      `<rect x="${px(X0)}" y="${px(this.top)}" width="${px(Math.max(0, X1 - X0))}" height="${px(this.bottom - this.top)}" fill="${color}">${tip}</rect>`,
    );
  }

  /**
   * A vertical marker at x. A label goes into row `labelRow` of the strip above the plot (see
   * Margin.labelRows; a dotted stem joins it to its line), or inside the plot's top if there is no
   * strip; `flip` puts it left of the line.
   */
  vline(
    xv: number,
    color: string,
    opts: {
      dash?: boolean;
      label?: string;
      labelRow?: number;
      flip?: boolean;
      title?: string;
      widthPx?: number;
      opacity?: number;
    } = {},
  ): void {
    const X = this.axes().x.scale.at(xv);
    if (X < this.left - 0.5 || X > this.right + 0.5) return;
    const dash = opts.dash ? ' stroke-dasharray="4 3"' : '';
    const alpha = opts.opacity === undefined ? '' : ` stroke-opacity="${opts.opacity}"`;
    const tip = opts.title === undefined ? '' : `<title>${escapeHtml(opts.title)}</title>`;
    this.marks.push(
      `<line x1="${px(X)}" x2="${px(X)}" y1="${px(this.top)}" y2="${px(this.bottom)}" stroke="${color}" stroke-width="${opts.widthPx ?? 1.5}"${dash}${alpha}>${tip}</line>`,
    );
    if (opts.label === undefined) return;
    const row = opts.labelRow ?? 0;
    const inStrip = this.top > this.labelTop;
    const y = (inStrip ? this.labelTop : this.top) + 11 + LABEL_ROW_PX * row;
    const flip = opts.flip ?? X + 4 + textWidth(opts.label, 11) > this.right;
    const tx = flip ? X - 4 : X + 4;
    if (inStrip)
      this.overlay.push(
        `<line x1="${px(X)}" x2="${px(X)}" y1="${px(y - 10)}" y2="${px(this.top)}" stroke="${color}" stroke-width="1" stroke-dasharray="1 2"/>`,
      );
    this.overlay.push(
      `<text x="${px(tx)}" y="${px(y)}" font-size="11" fill="${color}" text-anchor="${flip ? 'end' : 'start'}" stroke="#fff" stroke-width="3" paint-order="stroke">${escapeHtml(opts.label)}</text>`,
    );
  }

  /**
   * Short ticks along the bottom of the plot, one per pixel column that has any of `xs` (a rug):
   * shows where thousands of events fall without covering the data. `row` stacks strips upwards.
   */
  rug(xs: readonly number[], color: string, row: number, title: string): void {
    const scale = this.axes().x.scale;
    const columns = new Set<number>();
    for (const v of xs) {
      const X = Math.round(scale.at(v));
      if (X >= this.left && X <= this.right) columns.add(X);
    }
    if (columns.size === 0) return;
    const y0 = this.bottom - 2 - RUG_PX * (row + 1);
    let d = '';
    for (const X of [...columns].sort((a, b) => a - b)) d += `M${X} ${px(y0)}v${RUG_PX - 1}`;
    this.marks.push(
      `<path d="${d}" stroke="${color}" stroke-width="1" stroke-opacity="0.8"><title>${escapeHtml(title)}</title></path>`,
    );
  }

  /** Text at a data position, for annotating a mark. */
  note(
    xv: number,
    yv: number,
    text: string,
    color = INK,
    anchor: 'start' | 'middle' | 'end' = 'middle',
  ): void {
    const { x, y } = this.axes();
    const dx = anchor === 'start' ? 4 : anchor === 'end' ? -4 : 0; // clear of the mark it annotates
    this.overlay.push(
      `<text x="${px(x.scale.at(xv) + dx)}" y="${px(y.scale.at(yv) - 4)}" font-size="11" fill="${color}" text-anchor="${anchor}">${escapeHtml(text)}</text>`,
    );
  }

  legend(items: LegendItem[]): void {
    this.legendItems = items;
  }

  render(ariaLabel: string): string {
    const frame = this.x && this.y ? this.renderAxes(this.x, this.y) : '';
    const clip = `clip-${this.id}`;
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" class="plot" id="svg-${this.id}" viewBox="0 0 ${this.width} ${this.height}" width="${this.width}" height="${this.height}" role="img" aria-label="${escapeHtml(ariaLabel)}" font-family='${FONT}'>`,
      `<defs><clipPath id="${clip}"><rect x="${this.left}" y="${this.top}" width="${this.right - this.left}" height="${this.bottom - this.top}"/></clipPath></defs>`,
      frame,
      `<g clip-path="url(#${clip})">${this.marks.join('')}</g>`,
      this.overlay.join(''),
      this.renderLegend(),
      '</svg>',
    ].join('\n');
  }

  /** A frame with a message in place of data, so an empty table still explains itself. */
  static empty(id: string, width: number, height: number, message: string): string {
    const p = new Plot(id, width, height, { left: 18 }); // no axes: centre the frame
    p.overlay.push(
      `<rect x="${p.left}" y="${p.top}" width="${p.right - p.left}" height="${p.bottom - p.top}" fill="#fafafa" stroke="${GRID}"/>`,
      `<text x="${px((p.left + p.right) / 2)}" y="${px((p.top + p.bottom) / 2)}" font-size="14" fill="#777" text-anchor="middle">${escapeHtml(message)}</text>`,
    );
    return p.render(message);
  }

  private axes(): { x: Axis; y: Axis } {
    if (!this.x || !this.y) throw new Error(`plot ${this.id}: set x and y before drawing`);
    return { x: this.x, y: this.y };
  }

  private renderAxes(x: Axis, y: Axis): string {
    const out: string[] = [];
    const fx = x.format ?? fmtTick;
    const fy = y.format ?? fmtTick;
    for (const t of y.scale.ticks) {
      const Y = px(y.scale.at(t));
      out.push(`<line x1="${this.left}" x2="${this.right}" y1="${Y}" y2="${Y}" stroke="${GRID}"/>`);
      out.push(
        `<text x="${this.left - 6}" y="${Y}" dy="0.32em" font-size="12" fill="${INK}" text-anchor="end">${escapeHtml(fy(t))}</text>`,
      );
    }
    for (const t of x.scale.ticks) {
      const X = px(x.scale.at(t));
      out.push(`<line x1="${X}" x2="${X}" y1="${this.bottom}" y2="${this.bottom + 5}" stroke="${INK}"/>`);
      out.push(
        `<text x="${X}" y="${this.bottom + 18}" font-size="12" fill="${INK}" text-anchor="middle">${escapeHtml(fx(t))}</text>`,
      );
    }
    out.push(
      `<path d="M${this.left} ${this.top}V${this.bottom}H${this.right}" fill="none" stroke="${INK}"/>`,
    );
    const midX = px((this.left + this.right) / 2);
    out.push(
      `<text x="${midX}" y="${this.height - 8}" font-size="12" fill="${INK}" text-anchor="middle">${escapeHtml(x.label)}</text>`,
    );
    const midY = px((this.top + this.bottom) / 2);
    out.push(
      `<text transform="translate(14 ${midY}) rotate(-90)" font-size="12" fill="${INK}" text-anchor="middle">${escapeHtml(y.label)}</text>`,
    );
    return out.join('');
  }

  /** One row above the plot area, items left to right; what does not fit is dropped with "…". */
  private renderLegend(): string {
    let X = this.left;
    const Y = this.legendY;
    const out: string[] = [];
    for (const item of this.legendItems) {
      const w = 22 + textWidth(item.label) + 14;
      if (X + w > this.width - 4) {
        out.push(`<text x="${px(X)}" y="${Y}" dy="0.32em" font-size="12" fill="${INK}">…</text>`);
        break;
      }
      if (item.swatch === 'rug')
        out.push(
          `<path d="M${px(X + 2)} ${Y - 5}v10M${px(X + 6)} ${Y - 5}v10M${px(X + 10)} ${Y - 5}v10M${px(X + 14)} ${Y - 5}v10" stroke="${item.color}" stroke-width="1.5"/>`,
        );
      else if (item.swatch === 'box')
        out.push(`<rect x="${px(X)}" y="${Y - 5}" width="16" height="10" fill="${item.color}"/>`);
      else {
        const dash = item.dash ? ' stroke-dasharray="4 3"' : '';
        out.push(
          `<line x1="${px(X)}" x2="${px(X + 16)}" y1="${Y}" y2="${Y}" stroke="${item.color}" stroke-width="2.5"${dash}/>`,
        );
      }
      out.push(
        `<text x="${px(X + 22)}" y="${Y}" dy="0.32em" font-size="12" fill="${INK}">${escapeHtml(item.label)}</text>`,
      );
      X += w;
    }
    return out.join('');
  }
}
