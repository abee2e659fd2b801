import { readFileSync } from 'node:fs';
import { VectorFileError, type VectorFileReport, type VectorResult } from './noise-vectors.js';

/**
 * Read a `{"vectors": [...]}` file and run check on every vector whose shape `looksRight` accepts
 * (any other shape makes the whole file a VectorFileError, described by `expected`). A check that
 * throws fails its vector with the error's message.
 */
export function runVectorFile<V extends { name: string }>(
  path: string,
  looksRight: (v: Record<string, unknown>) => boolean,
  expected: string,
  check: (v: V) => VectorResult,
): VectorFileReport {
  let doc: { vectors?: unknown };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new VectorFileError(`${path}: ${(err as Error).message}`);
  }
  const vectors = doc.vectors;
  if (!Array.isArray(vectors) || vectors.some((v) => typeof v !== 'object' || v === null || !looksRight(v))) {
    throw new VectorFileError(`${path}: expected {"vectors": [${expected}, ...]}`);
  }
  const results = (vectors as V[]).map((v) => {
    try {
      return check(v);
    } catch (err) {
      return { name: String(v.name), ok: false, error: (err as Error).message };
    }
  });
  const passed = results.filter((r) => r.ok).length;
  return { results, passed, failed: results.length - passed, skipped: 0 };
}
