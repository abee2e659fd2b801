import { existsSync } from 'node:fs';
import { runNoiseVectorFile } from '../../conformance/noise-vectors.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';

export const command: Command = {
  spec: {
    name: 'conformance noise-vectors',
    summary: 'run a Noise test-vector file (cacophony/snow JSON format) through our Noise XX',
    usage: 'valhalla conformance noise-vectors <file.json> [--json]',
    flags: {
      json: { type: 'boolean', help: 'print one JSON object {passed, failed, results} on stdout' },
    },
    details:
      'Only Noise_XX_25519_ChaChaPoly_SHA256 entries are run; how many others were skipped is said on stderr.\n' +
      'Example: valhalla conformance noise-vectors conformance/vectors/noise-xx-25519-chachapoly-sha256.snow.json',
  },
  async run(parsed, io) {
    const file = parsed.positionals[0];
    if (!file)
      throw new UsageError(
        'name a vector file, e.g. conformance/vectors/noise-xx-25519-chachapoly-sha256.snow.json',
      );
    if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
    const report = runNoiseVectorFile(file);
    if (parsed.values.json) {
      io.out(`${JSON.stringify(report)}\n`);
    } else {
      for (const r of report.results)
        io.out(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.error ? `: ${r.error}` : ''}\n`);
      if (report.skipped > 0) io.err(`(${report.skipped} entries of other Noise protocols skipped)\n`);
      io.out(`${report.passed} passed, ${report.failed} failed\n`);
    }
    return report.failed === 0 ? 0 : 1;
  },
};
