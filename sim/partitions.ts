/**
 * Network partitions: each active cut separates group A from group B (both directions). A path
 * is cut when any active cut separates its ends. Nodes in neither group are unaffected, except
 * that a cut made with no group B separates A from every node not in A (including nodes added
 * later).
 */

function membership(indexes: readonly number[]): Uint8Array {
  let max = 0;
  for (const i of indexes) if (i > max) max = i;
  const m = new Uint8Array(max + 1);
  for (const i of indexes) m[i] = 1;
  return m;
}

function has(m: Uint8Array, i: number): boolean {
  return i < m.length && m[i] === 1;
}

export class Cut {
  private readonly a: Uint8Array;
  private readonly b: Uint8Array | null;
  constructor(a: readonly number[], b: readonly number[] | null) {
    this.a = membership(a);
    this.b = b === null ? null : membership(b);
  }
  separates(x: number, y: number): boolean {
    const xa = has(this.a, x);
    const ya = has(this.a, y);
    if (this.b === null) return xa !== ya;
    return (xa && has(this.b, y)) || (ya && has(this.b, x));
  }
}

export class PartitionTable {
  private cuts: Cut[] = [];
  /** True while any cut is active (the hot path checks this first). */
  active = false;

  add(a: readonly number[], b: readonly number[] | null): Cut {
    const cut = new Cut(a, b);
    this.cuts.push(cut);
    this.active = true;
    return cut;
  }

  remove(cut: Cut): boolean {
    const i = this.cuts.indexOf(cut);
    if (i < 0) return false;
    this.cuts.splice(i, 1);
    this.active = this.cuts.length > 0;
    return true;
  }

  clear(): void {
    this.cuts = [];
    this.active = false;
  }

  isCut(x: number, y: number): boolean {
    if (!this.active) return false;
    for (const c of this.cuts) if (c.separates(x, y)) return true;
    return false;
  }
}
