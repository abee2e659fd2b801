/**
 * What earlier live runs left behind: node processes, namespaces, veths, bridges, nftables tables
 * and run directories whose runner is gone (killed with SIGKILL, a power cut). Only names of our
 * own (vhl-XXXX-*, valhalla_live_XXXX, RUNS_ROOT/XXXX) are considered, and never a run whose
 * runner is still alive: two live runs may share a machine.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inventory, removeRun, runIdOf } from '../../live/netns.js';

export const RUNS_ROOT = join(tmpdir(), 'valhalla-live');

export interface Leftover {
  runId: string;
  pids: number[];
  namespaces: string[];
  links: string[];
  tables: string[];
  dir?: string;
}

interface Owner {
  pid: number;
  finished?: boolean;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(dir: string): Owner | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

/** Node processes of any live run: pid → run id (from the data directory in their command line). */
function nodeProcesses(): Map<number, string> {
  const out = new Map<number, string>();
  const marker = `${RUNS_ROOT}/`;
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const at = cmd.indexOf(marker);
    if (at < 0 || !cmd.includes('\0node\0')) continue;
    const id = cmd.slice(at + marker.length, at + marker.length + 4);
    if (/^[0-9a-f]{4}$/.test(id)) out.set(Number(e), id);
  }
  return out;
}

/** Leftovers of runs whose runner is no longer alive (never `except`, the caller's own run). */
export async function findLeftovers(except?: string): Promise<Leftover[]> {
  const runs = new Map<string, Leftover>();
  const get = (runId: string): Leftover => {
    let l = runs.get(runId);
    if (!l) {
      l = { runId, pids: [], namespaces: [], links: [], tables: [] };
      runs.set(runId, l);
    }
    return l;
  };
  const inv = await inventory();
  for (const n of inv.namespaces) get(runIdOf(n)).namespaces.push(n);
  for (const n of inv.links) get(runIdOf(n)).links.push(n);
  for (const t of inv.tables) get(runIdOf(t)).tables.push(t);
  for (const [pid, runId] of nodeProcesses()) get(runId).pids.push(pid);
  if (existsSync(RUNS_ROOT)) {
    for (const id of readdirSync(RUNS_ROOT)) {
      if (!/^[0-9a-f]{4}$/.test(id)) continue;
      const owner = readOwner(join(RUNS_ROOT, id));
      if (owner?.finished) continue; // a finished run that kept its logs on purpose
      get(id).dir = join(RUNS_ROOT, id);
    }
  }
  return [...runs.values()].filter((l) => {
    if (l.runId === except) return false;
    const owner = readOwner(join(RUNS_ROOT, l.runId));
    return !(owner && !owner.finished && alive(owner.pid));
  });
}

export function describeLeftover(l: Leftover): string {
  const parts = [
    l.pids.length
      ? `${l.pids.length} node processes (pids ${l.pids.slice(0, 5).join(', ')}${l.pids.length > 5 ? ', ...' : ''})`
      : '',
    l.namespaces.length ? `${l.namespaces.length} namespaces` : '',
    l.links.length
      ? `${l.links.length} links (${l.links.slice(0, 3).join(', ')}${l.links.length > 3 ? ', ...' : ''})`
      : '',
    l.tables.length ? `nftables table ${l.tables.join(', ')}` : '',
    l.dir ? `directory ${l.dir}` : '',
  ].filter((p) => p !== '');
  return `run ${l.runId}: ${parts.join(', ')}`;
}

/** Remove one leftover run; returns what could not be removed. */
export async function removeLeftover(l: Leftover): Promise<string[]> {
  for (const pid of l.pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  for (let i = 0; i < 50 && l.pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  const failed = l.pids.filter(alive).map((p) => `process ${p} did not exit`);
  failed.push(...(await removeRun(l.runId)));
  if (l.dir) rmSync(l.dir, { recursive: true, force: true });
  return failed;
}
