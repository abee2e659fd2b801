import {
  checkRequest,
  type RefusalCode,
  type Token,
  TokenRefusedError,
  type VerifiedCapability,
  verifyToken,
} from '../../stack/rune/index.js';
import { stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { CheckFailedError, UsageError } from '../errors.js';
import {
  iso,
  keyValueFlag,
  listFlag,
  optionalTime,
  parseNodeId,
  readRevocations,
  readTokenFileForVerify,
  wallNowMs,
} from '../token-common.js';

const HINTS: Partial<Record<RefusalCode, string>> = {
  malformed: 'The file is not an intact token: get it again from whoever issued or delegated it.',
  'bad-signature': 'The token was altered after signing, or was not signed by the key it names.',
  'broken-chain': 'Each link must be issued by the audience of the link before it, and name it as parent.',
  'untrusted-issuer':
    'The root issuer is not among --trust: trust it, or get a token rooted at a trusted node.',
  widened: 'A link grants more than its parent did; the token is not valid as a whole.',
  expired: 'Ask the issuer for a new token (or check --at).',
  'not-yet-valid': 'Wait until not-before (or check --at).',
  revoked: 'An issuer in the chain revoked it: ask for a new token.',
  'wrong-audience': 'Only the token holder may use it: check --audience, or delegate it to that node.',
  'not-granted': 'Ask for a token that grants this resource and ability (see valhalla token inspect).',
  'caveat-unmet': 'Give the request context with --context K=V, or use a token without that caveat.',
};

export const command: Command = {
  spec: {
    name: 'token verify',
    summary: 'check a token offline: chain, signatures, narrowing, time, revocation, and a request',
    usage:
      'valhalla token verify TOKENFILE [--trust NODEID ...] [--audience NODEID] [--resource R --ability A] [--context K=V ...] [--at TIME] [--revocations FILE] [--json]',
    flags: {
      trust: {
        type: 'string',
        multiple: true,
        arg: 'NODEID',
        help: 'accept only chains rooted at this issuer, repeatable (omitted: any root, reported)',
      },
      audience: { type: 'string', arg: 'NODEID', help: 'the node presenting the token: must be its holder' },
      resource: { type: 'string', arg: 'R', help: 'the resource asked for (needs --ability)' },
      ability: { type: 'string', arg: 'A', help: 'the ability asked for (needs --resource)' },
      context: {
        type: 'string',
        multiple: true,
        arg: 'K=V',
        help: 'a fact of the request that caveats are checked against, repeatable',
      },
      at: { type: 'string', arg: 'TIME', help: 'judge at this instant instead of now (now-1h, ISO 8601)' },
      revocations: {
        type: 'string',
        arg: 'FILE',
        help: 'revocation records, one per line (valhalla token revoke)',
      },
      json: { type: 'boolean', help: 'print {"valid", ...} or {"valid": false, "code", "error", "message"}' },
    },
    details: `Exit 0 when valid, 1 when refused (the message starts with the refusal's code: malformed,
bad-signature, broken-chain, untrusted-issuer, widened, not-yet-valid, expired, revoked,
wrong-audience, not-granted, caveat-unmet), 2 for bad flags or unreadable files.
Caveats are checked (against --context) when --resource, --ability or --context is given;
otherwise they are listed as unchecked.`,
  },
  async run(parsed, io) {
    const path = parsed.positionals[0];
    if (path === undefined) throw new UsageError(`missing TOKENFILE\nUsage: ${this.spec.usage}`);
    if (parsed.positionals.length > 1) throw new UsageError(`one TOKENFILE only\nUsage: ${this.spec.usage}`);
    const resource = stringFlag(parsed, 'resource');
    const ability = stringFlag(parsed, 'ability');
    if ((resource === undefined) !== (ability === undefined)) {
      throw new UsageError('--resource and --ability go together: give both to check a request');
    }
    const trustFlags = listFlag(parsed, 'trust');
    const trust = trustFlags.length > 0 ? trustFlags.map((t) => parseNodeId(t, 'trust')) : undefined;
    const audienceFlag = stringFlag(parsed, 'audience');
    const invoker = audienceFlag === undefined ? undefined : parseNodeId(audienceFlag, 'audience');
    const context = keyValueFlag(parsed, 'context');
    const checkCaveats = resource !== undefined || parsed.values.context !== undefined;
    const nowMs = optionalTime(parsed, 'at', wallNowMs()) ?? wallNowMs();
    const revocations = readRevocations(stringFlag(parsed, 'revocations'));

    let cap: VerifiedCapability;
    try {
      const token: Token = readTokenFileForVerify(path);
      cap = verifyToken(token, { nowMs, trust, revocations });
      checkRequest(cap, { invoker, resource, ability, context, caveats: checkCaveats });
    } catch (err) {
      if (!(err instanceof TokenRefusedError)) throw err;
      if (parsed.values.json) {
        io.out(
          `${JSON.stringify({ valid: false, code: err.code, error: err.name, message: err.message })}\n`,
        );
        return 1;
      }
      throw new CheckFailedError(
        `refused: ${err.code} (${err.name}): ${err.message}\n${HINTS[err.code] ?? ''}`.trimEnd(),
      );
    }
    const caveats = Object.entries(cap.caveats).map(([k, v]) => `${k}=${v}`);
    if (parsed.values.json) {
      io.out(
        `${JSON.stringify({
          valid: true,
          at: iso(nowMs),
          holder: cap.holder.toString(),
          rootIssuer: cap.rootIssuer.toString(),
          rootTrusted: trust !== undefined,
          links: cap.token.links.length,
          resources: cap.resources,
          abilities: cap.abilities,
          caveats: cap.caveats,
          caveatsChecked: checkCaveats,
          notBefore: iso(cap.notBeforeMs),
          expires: iso(cap.expiresMs),
        })}\n`,
      );
      return 0;
    }
    const lines = [
      `valid at ${iso(nowMs)}`,
      `  holder     ${cap.holder}${invoker ? ' (the --audience)' : ''}`,
      `  root       ${cap.rootIssuer}${trust ? ' (trusted)' : ' (not checked: give --trust NODEID to require it)'}`,
      `  links      ${cap.token.links.length}`,
      `  resources  ${cap.resources.join('  ')}`,
      `  abilities  ${cap.abilities.join('  ')}`,
      `  caveats    ${caveats.length === 0 ? '(none)' : `${caveats.join('  ')}${checkCaveats ? ' (hold)' : ' (not checked)'}`}`,
      `  valid      ${iso(cap.notBeforeMs)} .. ${iso(cap.expiresMs)}`,
    ];
    if (resource !== undefined) lines.push(`  request    ${ability} on ${resource}: granted`);
    io.out(`${lines.join('\n')}\n`);
    return 0;
  },
};
