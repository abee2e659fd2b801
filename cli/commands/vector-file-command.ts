import { existsSync } from 'node:fs';
import { VectorFileError, type VectorFileReport } from '../../conformance/noise-vectors.js';
import type { CommandSpec } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';

/**
 * A `valhalla conformance <x>-vectors FILE [--json]` command: run the file through `run`, print
 * one line per vector (or one JSON report), exit 0 when every vector passed, 1 when one failed, 2
 * for a missing or malformed file.
 */
export function vectorFileCommand(
  spec: Omit<CommandSpec, 'flags'>,
  example: string,
  run: (file: string) => VectorFileReport,
): Command {
  return {
    spec: {
      ...spec,
      flags: {
        json: { type: 'boolean', help: 'print one JSON object {passed, failed, results} on stdout' },
      },
    },
    async run(parsed, io) {
      const file = parsed.positionals[0];
      if (!file) throw new UsageError(`name a vector file, e.g. ${example}`);
      if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
      let report: VectorFileReport;
      try {
        report = run(file);
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
}
