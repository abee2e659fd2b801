import { runRuneVectorFile } from '../../conformance/rune-vectors.js';
import { vectorFileCommand } from './vector-file-command.js';

export const command = vectorFileCommand(
  {
    name: 'conformance rune-vectors',
    summary:
      'run a Rune token vector file through authorize(): valid ones verify, invalid ones get their named refusal',
    usage: 'valhalla conformance rune-vectors <file.json> [--json]',
    details:
      'Format: conformance/spec/rune.md §10.\nExample: valhalla conformance rune-vectors conformance/vectors/rune.json',
  },
  'conformance/vectors/rune.json',
  (file) => runRuneVectorFile(file),
);
