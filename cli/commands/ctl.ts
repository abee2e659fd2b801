import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseSizeBytes } from '../../scenarios/size.js';
import { ADMIN_COMMANDS } from '../../stack/admin/index.js';
import { adminRequest, adminStream } from '../admin-client.js';
import { intFlag, type Parsed, requireString, stringFlag } from '../args.js';
import type { Command, Io } from '../command.js';
import { UsageError } from '../errors.js';

/** Positional arguments each admin command takes, in order. */
const POSITIONALS: Record<string, string[]> = {
  lookup: ['nodeId'],
  ping: ['nodeId'],
  put: ['name', 'value'],
  get: ['key'],
  'put-content': ['file'],
  'get-content': ['cid'],
};

/** Commands the daemon adds to its admin socket (live/content-admin.ts), with what they do. */
const CONTENT_COMMANDS: Record<string, string> = {
  'put-content': 'publish a file (chunked, announced in the DHT); prints its CID',
  'get-content': 'fetch a CID from its providers, verify every chunk, write it to -o FILE',
};
/** Realm commands the daemon adds (live/realm-admin.ts); call takes an optional JSON argument. */
const REALM_COMMANDS: Record<string, string> = {
  call: 'call an RPC method on a node (params as JSON; --token FILE for methods that need one)',
  publish: 'publish a message to a pub/sub topic',
  subscribe: 'print messages of a topic as they arrive (JSON lines with --json; --count N to stop after N)',
};
POSITIONALS.call = ['nodeId', 'method', 'params'];
POSITIONALS.publish = ['topic', 'message'];
POSITIONALS.subscribe = ['topic'];
const ALL_COMMANDS = [
  ...Object.keys(ADMIN_COMMANDS),
  ...Object.keys(CONTENT_COMMANDS),
  ...Object.keys(REALM_COMMANDS),
];

const CONTENT_TIMEOUT_MS = 30 * 60_000; // a large transfer takes a while; --timeout overrides

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
    case 'put-content':
      return `${r.cid}\n`;
    case 'call':
      return `${JSON.stringify(r.result, null, 2)}\n`;
    case 'publish':
      return `published ${r.id} to ${r.peers} peer${r.peers === 1 ? '' : 's'}\n`;
    case 'get-content':
      return `${r.cid}: ${r.sizeBytes} bytes to ${r.out} in ${((r.ms as number) / 1000).toFixed(2)} s (${r.local ? 'from the local store' : `${r.providersTried} of ${r.providersFound} providers tried, ${r.corruptBlocks} corrupt blocks dropped, ${r.stalls} stalls`})\n`;
    default:
      return `${JSON.stringify(r, null, 2)}\n`;
  }
}

/** put-content/get-content: paths made absolute here (the node resolves nothing relative to us). */
function contentArgs(cmd: string, parsed: Parsed): Record<string, unknown> {
  if (cmd === 'put-content') {
    const path = resolve(parsed.positionals[1]!);
    if (!existsSync(path)) throw new UsageError(`put-content: no such file: ${path}`);
    const withToken = { path, ...callArgs(parsed) };
    const chunk = stringFlag(parsed, 'chunk-size');
    if (chunk === undefined) return withToken;
    const chunkSizeBytes = parseSizeBytes(chunk);
    if (chunkSizeBytes === undefined)
      throw new UsageError(`--chunk-size: expected a size such as 256KiB, got "${chunk}"`);
    return { ...withToken, chunkSizeBytes };
  }
  const out = stringFlag(parsed, 'out');
  if (out === undefined) throw new UsageError('get-content: name the output file with -o FILE');
  return { out: resolve(out), provide: parsed.values.provide === true };
}

/** call, put-content: the token file's text, read here (the node reads no files on our behalf). */
function callArgs(parsed: Parsed): Record<string, unknown> {
  const file = stringFlag(parsed, 'token');
  if (file === undefined) return {};
  if (!existsSync(file)) throw new UsageError(`--token: no such file: ${file}`);
  return { token: readFileSync(file, 'utf8').trim() };
}

/** subscribe: one request, then one line per message until --count messages or Ctrl-C. */
async function subscribe(parsed: Parsed, rest: string[], io: Io, admin: string): Promise<number> {
  if (rest.length !== 1) throw new UsageError(`'ctl subscribe' takes <topic>, got ${rest.length} arguments`);
  const limit =
    parsed.values.count === undefined ? Number.POSITIVE_INFINITY : intFlag(parsed, 'count', { min: 1 })!;
  const json = parsed.values.json === true;
  let seen = 0;
  const res = await adminStream(
    admin,
    'subscribe',
    { topic: rest[0] },
    (event) => {
      seen++;
      if (json) io.out(`${JSON.stringify(event)}\n`);
      else
        io.out(
          `[${event.topic}] ${String(event.from).slice(0, 16)}: ${event.data ?? `0x${event.dataHex}`}\n`,
        );
      return seen < limit;
    },
    () => io.err(`subscribed to ${rest[0]}; waiting for messages (Ctrl-C to stop)\n`),
  );
  if (!res.ok) {
    io.err(`valhalla ctl subscribe: ${res.error.name}: ${res.error.message}\n`);
    return 1;
  }
  return 0;
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
      out: { type: 'string', short: 'o', arg: 'FILE', help: 'get-content: where to write the content' },
      provide: { type: 'boolean', help: 'get-content: announce this node as a provider afterwards' },
      'chunk-size': { type: 'string', arg: 'SIZE', help: "put-content: chunk size (default: the node's)" },
      token: {
        type: 'string',
        arg: 'FILE',
        help: 'call, put-content: a Rune token file (valhalla token issue/delegate), for methods and nodes that require one',
      },
      count: { type: 'string', arg: 'N', help: 'subscribe: exit after N messages' },
      timeout: {
        type: 'string',
        arg: 'SECONDS',
        help: 'how long to wait for the node (default 60, content 1800)',
      },
    },
    details: [
      'Commands:',
      ...[
        ...Object.entries(ADMIN_COMMANDS).map(([name, c]) => [name, c.summary] as const),
        ...Object.entries(CONTENT_COMMANDS),
        ...Object.entries(REALM_COMMANDS),
      ].map(
        ([name, summary]) =>
          `  ${`${name} ${(POSITIONALS[name] ?? []).map((p) => `<${p}>`).join(' ')}`.padEnd(22)}${summary}`,
      ),
      'Exit codes: 0 success, 1 the node reported a failure (or lookup/get found nothing), 2 bad input or no node.',
      'Example: valhalla ctl --admin /tmp/n1/admin.sock lookup <nodeid> --json',
      'Content: valhalla ctl --admin /tmp/n1/admin.sock put-content ./photo.jpg   (prints the CID)',
      '         valhalla ctl --admin /tmp/n2/admin.sock get-content <cid> -o ./photo.jpg',
      'Realm:   valhalla ctl --admin /tmp/n1/admin.sock call <nodeid> realm.echo \'{"hi":1}\'',
      '         valhalla ctl --admin /tmp/n2/admin.sock subscribe news --json   (and: publish news "hello")',
    ].join('\n'),
  },
  async run(parsed, io) {
    const [cmd, ...rest] = parsed.positionals;
    if (!cmd) throw new UsageError(`name a command: one of ${ALL_COMMANDS.join(', ')}`);
    if (!ALL_COMMANDS.includes(cmd))
      throw new UsageError(`unknown ctl command '${cmd}': expected one of ${ALL_COMMANDS.join(', ')}`);
    if (cmd === 'subscribe') return subscribe(parsed, rest, io, requireString(parsed, 'admin', this.spec));
    const names = POSITIONALS[cmd] ?? [];
    // call's params are optional (null when left out).
    const optional = cmd === 'call' && rest.length === names.length - 1;
    if (rest.length !== names.length && !optional) {
      throw new UsageError(
        `'ctl ${cmd}' takes ${names.length ? names.map((n) => `<${n}>`).join(' ') : 'no arguments'}, got ${rest.length}`,
      );
    }
    const args: Record<string, unknown> = Object.fromEntries(names.map((n, i) => [n, rest[i]]));
    if (cmd in CONTENT_COMMANDS) Object.assign(args, contentArgs(cmd, parsed));
    if (cmd === 'call') Object.assign(args, callArgs(parsed));
    const timeoutText = stringFlag(parsed, 'timeout');
    const timeoutMs =
      timeoutText === undefined
        ? cmd in CONTENT_COMMANDS
          ? CONTENT_TIMEOUT_MS
          : undefined
        : (intFlag(parsed, 'timeout', { min: 1 }) ?? 60) * 1000;
    const res = await adminRequest(requireString(parsed, 'admin', this.spec), cmd, args, timeoutMs);
    if (!res.ok) {
      if (parsed.values.json) io.out(`${JSON.stringify({ error: res.error })}\n`);
      io.err(`valhalla ctl ${cmd}: ${res.error.name}: ${res.error.message}\n`);
      return 1;
    }
    io.out(parsed.values.json ? `${JSON.stringify(res.result)}\n` : human(cmd, res.result));
    return res.result.found === false ? 1 : 0;
  },
};
