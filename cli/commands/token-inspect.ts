import { bytesToHex } from '../../stack/identity/index.js';
import { type Token, TokenRefusedError, verifyToken } from '../../stack/rune/index.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { formatDuration, iso, readTokenFile, wallNowMs } from '../token-common.js';

/** A token's links for humans: who granted what to whom, and when. */
export function describeToken(token: Token, opts: { brief?: boolean } = {}): string {
  const lines: string[] = [];
  const n = token.links.length;
  lines.push(`token: ${n} link${n === 1 ? '' : 's'}, ${token.bytes.length} bytes, held by ${token.holder}`);
  token.links.forEach((l, i) => {
    if (opts.brief && i < n - 1) return;
    const role = i === 0 ? 'root' : `delegated from link ${i - 1}`;
    lines.push(`link ${i} (${role})`);
    lines.push(`  id         ${bytesToHex(l.id)}`);
    lines.push(`  issuer     ${l.issuer}`);
    lines.push(`  audience   ${l.audience}`);
    lines.push(`  resources  ${l.resources.join('  ')}`);
    lines.push(`  abilities  ${l.abilities.join('  ')}`);
    const cav = Object.entries(l.caveats).map(([k, v]) => `${k}=${v}`);
    lines.push(`  caveats    ${cav.length > 0 ? cav.join('  ') : '(none)'}`);
    lines.push(
      `  valid      ${iso(l.notBeforeMs)} .. ${iso(l.expiresMs)} (${formatDuration(l.expiresMs - l.notBeforeMs)})`,
    );
  });
  return `${lines.join('\n')}\n`;
}

function linkJson(token: Token) {
  return token.links.map((l, i) => ({
    index: i,
    id: bytesToHex(l.id),
    issuer: l.issuer.toString(),
    issuerPublicKey: bytesToHex(l.issuerKey),
    audience: l.audience.toString(),
    resources: [...l.resources],
    abilities: [...l.abilities],
    caveats: { ...l.caveats },
    notBefore: iso(l.notBeforeMs),
    notBeforeMs: l.notBeforeMs,
    expires: iso(l.expiresMs),
    expiresMs: l.expiresMs,
    parent: l.parent === null ? null : bytesToHex(l.parent),
    nonce: bytesToHex(l.nonce),
    signature: bytesToHex(l.signature),
  }));
}

export const command: Command = {
  spec: {
    name: 'token inspect',
    summary: "show a token's chain: each link's issuer, audience, grant and validity",
    usage: 'valhalla token inspect TOKENFILE [--json]',
    flags: {
      json: { type: 'boolean', help: 'print {"links": [...], "check": {...}} on stdout' },
    },
    details: `TOKENFILE may be "-" for stdin. Inspect also checks the chain now (signatures, links, narrowing,
time) without a trusted root; use valhalla token verify to decide whether to accept it.`,
  },
  async run(parsed, io) {
    const path = parsed.positionals[0];
    if (path === undefined) throw new UsageError(`missing TOKENFILE\nUsage: ${this.spec.usage}`);
    if (parsed.positionals.length > 1) throw new UsageError(`one TOKENFILE only\nUsage: ${this.spec.usage}`);
    const token = readTokenFile(path);
    const nowMs = wallNowMs();
    let check: { valid: true } | { valid: false; code: string; error: string; message: string } = {
      valid: true,
    };
    try {
      verifyToken(token, { nowMs });
    } catch (err) {
      if (!(err instanceof TokenRefusedError)) throw err;
      check = { valid: false, code: err.code, error: err.name, message: err.message };
    }
    if (parsed.values.json) {
      io.out(`${JSON.stringify({ holder: token.holder.toString(), links: linkJson(token), check })}\n`);
      return 0;
    }
    io.out(describeToken(token));
    io.out(
      check.valid
        ? `check at ${iso(nowMs)}: chain valid (root issuer not judged; see valhalla token verify --trust)\n`
        : `check at ${iso(nowMs)}: refused: ${check.code}: ${check.message}\n`,
    );
    return 0;
  },
};
