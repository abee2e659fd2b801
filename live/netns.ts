/**
 * Network namespaces for live runs, like Mininet: one namespace per node, joined to one Linux
 * bridge by a veth pair, each with an IPv6 ULA address of its own; partitions are nftables rules
 * on the bridge (one table per run); a crashed node's link goes down so its kernel's FIN/RST never
 * reach the peers (a host crash, as in the simulator). Everything is made with iproute2 (`ip`) and
 * `nft`, and named after the run so that a run only ever touches what it created:
 *
 *   namespace   vhl-<run>-<n>            bridge     vhl-<run>-br
 *   host veth   vhl-<run>-<n>            nft table  bridge valhalla_live_<run>
 *   addresses   fd76:6868:<run>::<n+1>/64 (the bridge itself has none: nothing reaches the host)
 *
 * <run> is four hex digits. Leftovers of earlier runs are found by these prefixes only.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const NS_PREFIX = 'vhl-';
export const NFT_PREFIX = 'valhalla_live_';
const RUN_ID = /^[0-9a-f]{4}$/;

/** `ip` or `nft` failed; the message carries the command and what it printed. */
export class NetnsError extends Error {
  override name = 'NetnsError';
}

async function run(cmd: string, args: string[], input?: string): Promise<string> {
  try {
    if (input === undefined) return (await exec(cmd, args, { maxBuffer: 16 << 20 })).stdout;
    return await new Promise<string>((resolve, reject) => {
      const child = execFile(cmd, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        if (err) reject(Object.assign(err, { stderr }));
        else resolve(stdout);
      });
      child.stdin!.end(input);
    });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new NetnsError(`${cmd} ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** Why namespace mode cannot run here, or undefined when it can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const tool of ['ip', 'nft']) {
    try {
      await exec(tool, ['-V']);
    } catch {
      return `\`${tool}\` is not installed (apt-get install ${tool === 'ip' ? 'iproute2' : 'nftables'})`;
    }
  }
  return undefined;
}

export function nodeAddress(runId: string, n: number): string {
  return `fd76:6868:${runId}::${(n + 1).toString(16)}`;
}

/** One run's namespaces, bridge and nftables table. */
export class NetnsTestbed {
  readonly bridge: string;
  readonly table: string;
  private created = 0;
  private cuts = 0;

  constructor(readonly runId: string) {
    if (!RUN_ID.test(runId)) throw new NetnsError(`run id "${runId}": expected four hex digits`);
    this.bridge = `${NS_PREFIX}${runId}-br`;
    this.table = `${NFT_PREFIX}${runId}`;
  }

  ns(n: number): string {
    return `${NS_PREFIX}${this.runId}-${n}`;
  }

  /** The host end of node n's veth pair (the namespace end is eth0). */
  veth(n: number): string {
    return `${NS_PREFIX}${this.runId}-${n}`;
  }

  address(n: number): string {
    return nodeAddress(this.runId, n);
  }

  /** Bridge, nftables table, then `count` namespaces with their links and addresses. */
  async create(count: number, onProgress?: (done: number) => void): Promise<void> {
    await run('ip', ['-batch', '-'], `link add ${this.bridge} type bridge\nlink set ${this.bridge} up\n`);
    await run(
      'nft',
      ['-f', '-'],
      `table bridge ${this.table} {\n  chain forward { type filter hook forward priority 0; policy accept; }\n}\n`,
    );
    const BATCH = 25;
    for (let from = 0; from < count; from += BATCH) {
      const to = Math.min(count, from + BATCH);
      const lines: string[] = [];
      for (let n = from; n < to; n++) {
        lines.push(`netns add ${this.ns(n)}`);
        lines.push(`link add ${this.veth(n)} type veth peer name eth0 netns ${this.ns(n)}`);
        lines.push(`link set ${this.veth(n)} master ${this.bridge} up`);
      }
      this.created = to;
      await run('ip', ['-batch', '-'], `${lines.join('\n')}\n`);
      await Promise.all(
        Array.from({ length: to - from }, (_, k) =>
          run(
            'ip',
            ['-n', this.ns(from + k), '-batch', '-'],
            `addr add ${this.address(from + k)}/64 dev eth0 nodad\nlink set eth0 up\nlink set lo up\n`,
          ),
        ),
      );
      onProgress?.(to);
    }
  }

  /** The command prefix that runs a program inside node n's namespace. */
  execPrefix(n: number): string[] {
    return ['ip', 'netns', 'exec', this.ns(n)];
  }

  /** Take node n's link down (before a crash: its last packets go nowhere) or up (restart). */
  async link(n: number, up: boolean): Promise<void> {
    await run('ip', ['link', 'set', this.veth(n), up ? 'up' : 'down']);
  }

  /** Drop everything between nodes a and nodes b (both directions) until heal(). */
  async partition(a: number[], b: number[]): Promise<void> {
    if (a.length === 0 || b.length === 0) return;
    const set = (nodes: number[]) => `{ ${nodes.map((n) => this.address(n)).join(', ')} }`;
    const rule = (x: number[], y: number[]) =>
      `add rule bridge ${this.table} forward ip6 saddr ${set(x)} ip6 daddr ${set(y)} drop\n`;
    await run('nft', ['-f', '-'], rule(a, b) + rule(b, a));
    this.cuts++;
  }

  /** Remove every partition rule. */
  async heal(): Promise<void> {
    if (this.cuts === 0) return;
    await run('nft', ['flush', 'chain', 'bridge', this.table, 'forward']);
    this.cuts = 0;
  }

  /**
   * Remove the table, the namespaces and the bridge. Processes inside the namespaces must be gone
   * first (a namespace with a process in it lives on, and so does its veth pair).
   */
  async destroy(): Promise<string[]> {
    return removeRun(this.runId, this.created);
  }
}

/** What of ours exists on this machine, per run id. */
export interface NetnsInventory {
  namespaces: string[];
  links: string[];
  tables: string[];
}

export async function inventory(runId?: string): Promise<NetnsInventory> {
  const mine = (name: string, prefix: string) =>
    name.startsWith(prefix) && (runId === undefined || name.slice(prefix.length).startsWith(`${runId}`));
  const ns = (await run('ip', ['netns', 'list']).catch(() => ''))
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => mine(n, NS_PREFIX) && RUN_ID.test(n.slice(NS_PREFIX.length, NS_PREFIX.length + 4)));
  const links = (await run('ip', ['-o', 'link', 'show']).catch(() => ''))
    .split('\n')
    .map((l) => l.split(': ')[1]?.split('@')[0] ?? '')
    .filter((n) => mine(n, NS_PREFIX) && RUN_ID.test(n.slice(NS_PREFIX.length, NS_PREFIX.length + 4)));
  const tables = (await run('nft', ['list', 'tables']).catch(() => ''))
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w[0] === 'table' && w[2] !== undefined && mine(w[2], NFT_PREFIX))
    .map((w) => `${w[1]} ${w[2]}`);
  return { namespaces: ns, links, tables };
}

/** The run id a name of ours carries. */
export function runIdOf(name: string): string {
  const bare = name.includes(' ') ? name.split(' ')[1]! : name;
  const rest = bare.startsWith(NFT_PREFIX) ? bare.slice(NFT_PREFIX.length) : bare.slice(NS_PREFIX.length);
  return rest.slice(0, 4);
}

/**
 * Remove one run's table, namespaces, veths and bridge (whatever of them exists); returns what
 * could not be removed, as messages. `known` namespaces are removed even if `ip netns list` lags.
 */
export async function removeRun(runId: string, known = 0): Promise<string[]> {
  const failed: string[] = [];
  const inv = await inventory(runId);
  for (const t of inv.tables)
    await run('nft', ['delete', 'table', ...t.split(' ')]).catch((e) => failed.push(e.message));
  const names = new Set(inv.namespaces);
  for (let n = 0; n < known; n++) names.add(`${NS_PREFIX}${runId}-${n}`);
  const nsLines = [...names].map((n) => `netns del ${n}`);
  // -force: go on past a namespace that is already gone.
  if (nsLines.length > 0)
    await run('ip', ['-force', '-batch', '-'], `${nsLines.join('\n')}\n`).catch(() => undefined);
  // A veth goes with its namespace; what is left (the bridge, veths of lingering namespaces) is deleted by name.
  const left = (await inventory(runId)).links;
  if (left.length > 0)
    await run('ip', ['-force', '-batch', '-'], `${left.map((l) => `link del ${l}`).join('\n')}\n`).catch(
      () => undefined,
    );
  const after = await inventory(runId);
  for (const n of after.namespaces) failed.push(`namespace ${n} is still there`);
  for (const l of after.links) failed.push(`link ${l} is still there`);
  for (const t of after.tables) failed.push(`nftables table ${t} is still there`);
  return failed;
}
