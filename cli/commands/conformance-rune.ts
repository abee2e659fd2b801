import { existsSync } from 'node:fs';
import { VectorFileError } from '../../conformance/noise-vectors.js';
import { runRuneVectorFile } from '../../conformance/rune-vectors.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';

export const command: Command = {
  spec: {
    name: 'conformance rune-vectors',
    summary:
      'run a Rune token vector file through authorize(): valid ones verify, invalid ones get their named refusal',
    usage: 'valhalla conformance rune-vectors <file.json> [--json]',
    flags: {
      json: { type: 'boolean', help: 'print one JSON object {passed, failed, results} on stdout' },
    },
    details:
      'Format: conformance/spec/rune.md §10.\nExample: valhalla conformance rune-vectors conformance/vectors/rune.json',
  },
  async run(parsed, io) {
    const file = parsed.positionals[0];
    if (!file) throw new UsageError('name a vector file, e.g. conformance/vectors/rune.json');
    if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
    let report: ReturnType<typeof runRuneVectorFile>;
    try {
      report = runRuneVectorFile(file);
    } catch (err) {
      if (err instanceof VectorFileError) throw new UsageError(err.message);
      throw err;
    }
    if (parsed.values.json) {
      io.out(`${JSON.stringify(report)}\n`);
    } else {
      for (const r of report.results)
        io.out(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.error ? `: ${r.error}` : ''}\n`);
      io.out(`${report.passed} passed, ${report.failed} failed\n`);
    }
    return report.failed === 0 ? 0 : 1;
  },
};
