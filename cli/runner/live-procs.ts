/**
 * The OS processes of a live run: one `valhalla node` per scenario node, started (inside its
 * network namespace when there is one) with its own data directory, identity file and admin
 * socket; its log goes to DIR/node.log. Crash = SIGKILL; restart = a new process on the same
 * identity file and data directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdminResponse } from '../../stack/admin/index.js';
import { adminRequest } from '../admin-client.js';

const CLOCK_TICKS = 100; // USER_HZ, the unit of /proc/PID/stat times on Linux

/** The built CLI (dist/cli/main.js), also when this module runs from its TypeScript source. */
export function cliPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return resolve(dirname(here), '..', 'main.js');
  const built = resolve(dirname(here), '..', '..', 'dist', 'cli', 'main.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first`);
  return built;
}

/** A node process died or would not answer; the message says which and ends with its last log lines. */
export class NodeProcessError extends Error {
  override name = 'NodeProcessError';
}

export interface NodeSpawn {
  index: number;
  dir: string;
  listen: string;
  /** Argument prefix that enters the node's namespace (ip netns exec NS), or none. */
  prefix: string[];
  args: string[];
}

export class NodeProc {
  child: ChildProcess | undefined;
  /** Incarnations started so far (1 after the first start). */
  starts = 0;
  readonly admin: string;
  private exited: Promise<void> = Promise.resolve();

  constructor(readonly spec: NodeSpawn) {
    this.admin = join(spec.dir, 'admin.sock');
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const s = this.spec;
    const log = openSync(join(s.dir, 'node.log'), 'a');
    const argv = [process.execPath, cliPath(), 'node', '--listen', s.listen, '--data', s.dir, ...s.args];
    const [cmd, ...rest] = [...s.prefix, ...argv];
    const child = spawn(cmd!, rest, { stdio: ['ignore', 'ignore', log] });
    closeSync(log);
    this.child = child;
    this.starts++;
    this.exited = new Promise((res) => {
      child.once('exit', () => res());
      child.once('error', () => res());
    });
  }

  /** SIGKILL (a crash) or SIGTERM (a clean stop); resolves once the process is gone. */
  async stop(signal: 'SIGKILL' | 'SIGTERM', graceMs = 5_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    if (signal === 'SIGTERM') {
      const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    } else {
      await this.exited;
    }
  }

  /** Resident set size in MiB, from /proc (0 when not running). */
  rssMb(): number {
    const pid = this.pid;
    if (pid === undefined) return 0;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  }

  /** CPU seconds (user + system) the current process has used, from /proc (0 when not running). */
  cpuSeconds(): number {
    const pid = this.pid;
    if (pid === undefined) return 0;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      return 0;
    }
  }

  lastLog(lines = 8): string {
    try {
      const text = readFileSync(join(this.spec.dir, 'node.log'), 'utf8').trimEnd().split('\n');
      return text.slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** One admin request; a failure of the node itself is an ordinary result (ok: false). */
  async call(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<AdminResponse> {
    return adminRequest(this.admin, cmd, args, timeoutMs);
  }

  /** Wait until the admin socket answers `self`; fails at once if the process exits. */
  async ready(timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (!this.running) {
        throw new NodeProcessError(
          `node ${this.spec.index} exited during start-up (code ${this.child?.exitCode}, signal ${this.child?.signalCode}); its log ${join(this.spec.dir, 'node.log')} ends:\n${this.lastLog()}`,
        );
      }
      if (existsSync(this.admin)) {
        const r = await this.call('self', {}, 5_000).catch(() => undefined);
        if (r?.ok) return r.result.nodeId as string;
      }
      if (performance.now() > deadline)
        throw new NodeProcessError(
          `node ${this.spec.index} did not answer on ${this.admin} within ${Math.round(timeoutMs / 1000)} s; its log ends:\n${this.lastLog()}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
