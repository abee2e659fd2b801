import { appendFileSync } from 'node:fs';
import { bytesToHex } from '../../stack/identity/index.js';
import { revocationToText, revokeLink } from '../../stack/rune/index.js';
import { intFlag, requireString, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { readIdentityFile } from '../identity-file.js';
import { readTokenFile, wallNowMs } from '../token-common.js';

export const command: Command = {
  spec: {
    name: 'token revoke',
    summary: 'sign a revocation of a link of a token, as an issuer in its chain',
    usage: 'valhalla token revoke --identity FILE TOKENFILE [--link N] [-o FILE] [--json]',
    flags: {
      identity: {
        type: 'string',
        arg: 'FILE',
        help: 'the revoker: must have issued link N or a link above it',
      },
      link: {
        type: 'string',
        arg: 'N',
        help: 'which link to revoke, 0 = root (default: the last link this identity issued)',
      },
      output: { type: 'string', short: 'o', arg: 'FILE', help: 'append the record to this revocation file' },
      json: { type: 'boolean', help: 'print {"revocation", "link", "linkId", "file"} on stdout' },
    },
    details: `Revoking a link revokes every token that contains it (the link and all delegations below it).
Verifiers consult the records with: valhalla token verify TOKEN --revocations FILE.
A revocation file holds one record per line; -o appends, so one file can collect many.`,
  },
  async run(parsed, io) {
    const identity = readIdentityFile(requireString(parsed, 'identity', this.spec));
    const path = parsed.positionals[0];
    if (path === undefined) throw new UsageError(`missing TOKENFILE\nUsage: ${this.spec.usage}`);
    const token = readTokenFile(path);
    const links = token.links;
    const firstIssued = links.findIndex((l) => l.issuer.equals(identity.nodeId));
    if (firstIssued < 0) {
      throw new UsageError(
        `${identity.nodeId} issued no link of this token; only an issuer in its chain can revoke (see valhalla token inspect ${path})`,
      );
    }
    let lastIssued = firstIssued;
    links.forEach((l, i) => {
      if (l.issuer.equals(identity.nodeId)) lastIssued = i;
    });
    const index = intFlag(parsed, 'link', { min: 0, max: links.length - 1 }) ?? lastIssued;
    if (index < firstIssued) {
      throw new UsageError(
        `link ${index} is above the first link this identity issued (link ${firstIssued}): it cannot revoke what it received`,
      );
    }
    const record = revokeLink(identity, links[index].id, wallNowMs());
    const text = revocationToText(record);
    const file = stringFlag(parsed, 'output');
    if (file !== undefined) {
      try {
        appendFileSync(file, `${text}\n`);
      } catch (err) {
        throw new UsageError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
    }
    const linkId = bytesToHex(links[index].id);
    if (parsed.values.json) {
      io.out(`${JSON.stringify({ revocation: text, link: index, linkId, file: file ?? null })}\n`);
    } else if (file === undefined) {
      io.out(`${text}\n`);
    } else {
      io.err(`appended a revocation of link ${index} (${linkId}) to ${file}\n`);
    }
    return 0;
  },
};
