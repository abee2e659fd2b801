import { runRealmVectorFile } from '../../conformance/realm-vectors.js';
import { vectorFileCommand } from './vector-file-command.js';

export const command = vectorFileCommand(
  {
    name: 'conformance realm-vectors',
    summary:
      'run a Realm wire-format vector file: valid ones decode to their fields (and frames encode back), invalid ones get their named error',
    usage: 'valhalla conformance realm-vectors <file.json> [--json]',
    details:
      'Format: conformance/spec/realm.md §5.\nExample: valhalla conformance realm-vectors conformance/vectors/realm.json',
  },
  'conformance/vectors/realm.json',
  (file) => runRealmVectorFile(file),
);
