import { LiveRng } from '../../live/rng.js';
import { issueToken } from '../../stack/rune/index.js';
import type { FlagSpec } from '../args.js';
import { requireString, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { readIdentityFile } from '../identity-file.js';
import {
  keyValueFlag,
  listFlag,
  mapRefusals,
  optionalTime,
  parseDuration,
  parseNodeId,
  wallNowMs,
  writeOutput,
} from '../token-common.js';
import { describeToken } from './token-inspect.js';

export const NONCE_BYTES = 16; // random bytes per link, so two equal grants have distinct ids

/** The flags issue and delegate share: what to grant and for how long. */
export const GRANT_FLAGS: Record<string, FlagSpec> = {
  audience: {
    type: 'string',
    arg: 'NODEID',
    help: 'who receives the grant (64 hex characters; see valhalla id)',
  },
  resource: {
    type: 'string',
    multiple: true,
    arg: 'R',
    help: 'a resource pattern, repeatable; a trailing * matches any continuation (saga:content/*)',
  },
  ability: {
    type: 'string',
    multiple: true,
    arg: 'A',
    help: 'an ability pattern, repeatable (saga/publish, rpc/*)',
  },
  caveat: {
    type: 'string',
    multiple: true,
    arg: 'K=V',
    help: 'a condition that must hold when used, repeatable',
  },
  'not-before': {
    type: 'string',
    arg: 'T',
    help: 'start of validity: now, now+1h or an ISO 8601 time with zone',
  },
  expires: { type: 'string', arg: 'T', help: 'end of validity (exclusive), as for --not-before' },
  ttl: { type: 'string', arg: 'DURATION', help: 'end of validity relative to the start: 30m, 1h, 7d' },
  output: { type: 'string', short: 'o', arg: 'FILE', help: 'write the token there instead of stdout' },
  json: { type: 'boolean', help: 'print {"token", "file", "links", "id"} on stdout' },
};

export const TIME_DETAILS = `Times: "now", "now+1h", "now-5m", or ISO 8601 with a zone (2027-01-15T08:00:00Z).
Durations: 90s, 15m, 1h, 7d, 1h30m.`;

/** The expiry from --expires or --ttl (not both), relative to the start. */
export function expiryFlag(
  parsed: Parameters<Command['run']>[0],
  startMs: number,
  nowMs: number,
): number | undefined {
  const expires = optionalTime(parsed, 'expires', nowMs);
  const ttl = stringFlag(parsed, 'ttl');
  if (expires !== undefined && ttl !== undefined) {
    throw new UsageError('give --expires or --ttl, not both');
  }
  return ttl === undefined ? expires : startMs + parseDuration(ttl, 'ttl');
}

export const DEFAULT_TTL = '24h';

export const command: Command = {
  spec: {
    name: 'token issue',
    summary: 'issue a capability token: this identity grants an audience abilities on resources',
    usage:
      'valhalla token issue --identity FILE --audience NODEID --resource R --ability A [--ability B] [--caveat K=V] [--not-before T] [--expires T | --ttl 1h] [-o FILE]',
    flags: {
      identity: { type: 'string', arg: 'FILE', help: 'the issuer: an identity file (from valhalla keygen)' },
      ...GRANT_FLAGS,
    },
    details: `The issuer is the authority: a service trusts tokens whose chain starts at its own identity.
The token is one line of text ("rune-token-1:..."). Default validity: from now for ${DEFAULT_TTL}.
${TIME_DETAILS}
Example:
  valhalla token issue --identity service.key --audience "$(valhalla id --identity alice.key --json | jq -r .nodeId)" \\
    --resource 'saga:content/*' --ability saga/fetch --ttl 1h -o alice.token`,
  },
  async run(parsed, io) {
    const identity = readIdentityFile(requireString(parsed, 'identity', this.spec));
    const audience = parseNodeId(requireString(parsed, 'audience', this.spec), 'audience');
    const resources = listFlag(parsed, 'resource');
    const abilities = listFlag(parsed, 'ability');
    if (resources.length === 0)
      throw new UsageError(`give at least one --resource\nUsage: ${this.spec.usage}`);
    if (abilities.length === 0)
      throw new UsageError(`give at least one --ability\nUsage: ${this.spec.usage}`);
    const nowMs = wallNowMs();
    const notBeforeMs = optionalTime(parsed, 'not-before', nowMs) ?? nowMs;
    const expiresMs =
      expiryFlag(parsed, notBeforeMs, nowMs) ?? notBeforeMs + parseDuration(DEFAULT_TTL, 'ttl');
    const token = mapRefusals(() =>
      issueToken(identity, {
        audience,
        resources,
        abilities,
        caveats: keyValueFlag(parsed, 'caveat'),
        notBeforeMs,
        expiresMs,
        nonce: new LiveRng().bytes(NONCE_BYTES),
      }),
    );
    emitToken(parsed, io, token);
    return 0;
  },
};

/** Write the token (to -o FILE or stdout) and say what was made (stderr, or --json on stdout). */
export function emitToken(
  parsed: Parameters<Command['run']>[0],
  io: Parameters<Command['run']>[1],
  token: import('../../stack/rune/index.js').Token,
): void {
  const file = stringFlag(parsed, 'output');
  const text = `${token.toText()}\n`;
  const toFile = file !== undefined && file !== '-';
  if (parsed.values.json) {
    if (toFile) writeOutput(io, file, text);
    io.out(
      `${JSON.stringify({ token: token.toText(), file: toFile ? file : null, links: token.links.length, id: Buffer.from(token.leaf.id).toString('hex') })}\n`,
    );
    return;
  }
  writeOutput(io, file, text);
  if (toFile) io.err(`wrote ${file}\n${describeToken(token, { brief: true })}`);
}
