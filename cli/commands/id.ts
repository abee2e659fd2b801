import { nodeIdToAddress } from '../../stack/identity/index.js';
import { requireString } from '../args.js';
import type { Command } from '../command.js';
import { readIdentityFile } from '../identity-file.js';

export const command: Command = {
  spec: {
    name: 'id',
    summary: "print an identity file's NodeID and its overlay IPv6 address",
    usage: 'valhalla id --identity FILE [--json]',
    flags: {
      identity: { type: 'string', arg: 'FILE', help: 'the identity file (from valhalla keygen)' },
      json: { type: 'boolean', help: 'print {"nodeId", "address"} on stdout' },
    },
  },
  async run(parsed, io) {
    const identity = readIdentityFile(requireString(parsed, 'identity', this.spec));
    const nodeId = identity.nodeId.toString();
    const address = nodeIdToAddress(identity.nodeId);
    if (parsed.values.json) io.out(`${JSON.stringify({ nodeId, address })}\n`);
    else io.out(`nodeId  ${nodeId}\naddress ${address}\n`);
    return 0;
  },
};
