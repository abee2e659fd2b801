import { chmodSync } from 'node:fs';
import { LiveRng } from '../../live/rng.js';
import { generateIdentity, nodeIdToAddress } from '../../stack/identity/index.js';
import { requireString } from '../args.js';
import type { Command } from '../command.js';
import { writeIdentityFile } from '../identity-file.js';

export const command: Command = {
  spec: {
    name: 'keygen',
    summary: 'create an identity file: an Ed25519 key whose SHA-256 is the NodeID',
    usage: 'valhalla keygen --identity FILE [--force] [--json]',
    flags: {
      identity: { type: 'string', arg: 'FILE', help: 'where to write the identity (created with mode 0600)' },
      force: { type: 'boolean', help: 'replace FILE if it exists (the old identity is lost)' },
      json: { type: 'boolean', help: 'print {"nodeId", "address", "file"} on stdout' },
    },
    details:
      "The key comes from the operating system's random source.\nExample: valhalla keygen --identity node.key",
  },
  async run(parsed, io) {
    const file = requireString(parsed, 'identity', this.spec);
    const force = parsed.values.force === true;
    const identity = generateIdentity(new LiveRng());
    writeIdentityFile(file, identity, force);
    chmodSync(file, 0o600); // an existing file keeps its mode on truncate: make it private again
    const nodeId = identity.nodeId.toString();
    const address = nodeIdToAddress(identity.nodeId);
    if (parsed.values.json) io.out(`${JSON.stringify({ nodeId, address, file })}\n`);
    else io.out(`wrote ${file}\nnodeId  ${nodeId}\naddress ${address}\n`);
    return 0;
  },
};
