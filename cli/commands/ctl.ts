import { ADMIN_COMMANDS } from '../../stack/admin/index.js';
import { adminRequest } from '../admin-client.js';
import { requireString } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';

/** Positional arguments each admin command takes, in order. */
const POSITIONALS: Record<string, string[]> = {
  lookup: ['nodeId'],
  ping: ['nodeId'],
  put: ['name', 'value'],
  get: ['key'],
};

type Json = Record<string, unknown>;

function human(cmd: string, r: Json): string {
  switch (cmd) {
    case 'self':
      return `nodeId  ${r.nodeId}\naddress ${r.address}\nlisten  ${(r.listen as string[]).join(', ')}\nuptime  ${((r.uptimeMs as number) / 1000).toFixed(1)} s\n`;
    case 'peers': {
      const peers = r.peers as {
        nodeId: string;
        addrs: string[];
        connected: boolean;
        direction: string | null;
      }[];
      const lines = peers.map(
        (p) =>
          `${p.nodeId}  ${(p.connected ? (p.direction ?? 'open') : 'idle').padEnd(8)}  ${p.addrs.join(', ')}`,
      );
      return `${peers.length} peer${peers.length === 1 ? '' : 's'}\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
    }
    case 'table': {
      const buckets = r.buckets as { index: number; size: number }[];
      const lines = buckets.map((b) => `  bucket ${String(b.index).padStart(3)}  ${b.size}`);
      return `${r.size} entries in ${buckets.length} non-empty buckets\n${lines.join('\n')}\n`;
    }
    case 'lookup':
      return r.found
        ? `found ${r.nodeId} at ${(r.addrs as string[]).join(', ')} in ${r.hops} hops, ${r.queries} queries, ${(r.ms as number).toFixed(1)} ms\n`
        : `not found: ${r.nodeId} (${r.hops} hops, ${r.queries} queries, ${(r.ms as number).toFixed(1)} ms)\n`;
    case 'ping':
      return `${r.nodeId}: ${(r.rttMs as number).toFixed(2)} ms\n`;
    case 'put':
      return `stored on ${r.stored} of ${r.attempted} peers, key ${r.key} (seq ${r.seq})\n`;
    case 'get':
      return r.found ? `${r.value}\n` : 'not found\n';
    default:
      return `${JSON.stringify(r, null, 2)}\n`;
  }
}

export const command: Command = {
  spec: {
    name: 'ctl',
    summary: 'talk to a running node through its admin socket',
    usage: 'valhalla ctl --admin SOCKET <command> [args] [--json]',
    flags: {
      admin: {
        type: 'string',
        arg: 'SOCKET',
        help: 'the admin socket of the node (default .valhalla/admin.sock)',
        default: '.valhalla/admin.sock',
      },
      json: { type: 'boolean', help: 'print the result as one JSON object' },
    },
    details: [
      'Commands:',
      ...Object.entries(ADMIN_COMMANDS).map(
        ([name, c]) =>
          `  ${`${name} ${(POSITIONALS[name] ?? []).map((p) => `<${p}>`).join(' ')}`.padEnd(22)}${c.summary}`,
      ),
      'Exit codes: 0 success, 1 the node reported a failure (or lookup/get found nothing), 2 bad input or no node.',
      'Example: valhalla ctl --admin /tmp/n1/admin.sock lookup <nodeid> --json',
    ].join('\n'),
  },
  async run(parsed, io) {
    const [cmd, ...rest] = parsed.positionals;
    if (!cmd) throw new UsageError(`name a command: one of ${Object.keys(ADMIN_COMMANDS).join(', ')}`);
    if (!ADMIN_COMMANDS[cmd])
      throw new UsageError(
        `unknown ctl command '${cmd}': expected one of ${Object.keys(ADMIN_COMMANDS).join(', ')}`,
      );
    const names = POSITIONALS[cmd] ?? [];
    if (rest.length !== names.length) {
      throw new UsageError(
        `'ctl ${cmd}' takes ${names.length ? names.map((n) => `<${n}>`).join(' ') : 'no arguments'}, got ${rest.length}`,
      );
    }
    const args = Object.fromEntries(names.map((n, i) => [n, rest[i]]));
    const res = await adminRequest(requireString(parsed, 'admin', this.spec), cmd, args);
    if (!res.ok) {
      if (parsed.values.json) io.out(`${JSON.stringify({ error: res.error })}\n`);
      io.err(`valhalla ctl ${cmd}: ${res.error.name}: ${res.error.message}\n`);
      return 1;
    }
    io.out(parsed.values.json ? `${JSON.stringify(res.result)}\n` : human(cmd, res.result));
    return res.result.found === false ? 1 : 0;
  },
};
