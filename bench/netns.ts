/**
 * A small lab of Linux network namespaces for the TUN test and benchmark: namespaces joined by
 * veth pairs (IPv4 underlay), processes started inside them, and a cleanup that removes all of
 * it (processes first, then the namespaces, which takes their veths along) also after a failure.
 * Every name starts with the lab's prefix (`vht` + a random tag), so nothing outside is touched.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

export function whyNoNetns(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and TUN devices)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  for (const tool of ['ip', 'ping']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `the \`${tool}\` command is missing (apt-get install ${tool === 'ip' ? 'iproute2' : 'iputils-ping'})`;
    }
  }
  return undefined;
}

export function hasCommand(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class NetnsLab {
  readonly prefix = `vht${randomBytes(3).toString('hex')}`;
  private readonly namespaces: string[] = [];
  private readonly procs = new Set<ChildProcess>();
  private links = 0;

  /** Create namespace `<prefix>-<name>` with loopback up; returns its full name. */
  ns(name: string): string {
    const full = `${this.prefix}-${name}`;
    execFileSync('ip', ['netns', 'add', full]);
    this.namespaces.push(full);
    this.run(full, 'ip', ['link', 'set', 'lo', 'up']);
    return full;
  }

  /** A veth pair between two namespaces with 10.<lab>.<n>.1/24 and .2/24; returns both addresses. */
  link(
    a: string,
    b: string,
    opts: { mtu?: number } = {},
  ): { a: string; b: string; ifA: string; ifB: string } {
    const n = ++this.links;
    const ifA = `vh${n}a`;
    const ifB = `vh${n}b`;
    execFileSync('ip', ['link', 'add', ifA, 'netns', a, 'type', 'veth', 'peer', 'name', ifB, 'netns', b]);
    const net = `10.${200 + (n >> 8)}.${n & 0xff}`;
    for (const [ns, ifc, host] of [
      [a, ifA, 1],
      [b, ifB, 2],
    ] as const) {
      this.run(ns, 'ip', ['addr', 'add', `${net}.${host}/24`, 'dev', ifc]);
      if (opts.mtu) this.run(ns, 'ip', ['link', 'set', ifc, 'mtu', String(opts.mtu)]);
      this.run(ns, 'ip', ['link', 'set', ifc, 'up']);
    }
    return { a: `${net}.1`, b: `${net}.2`, ifA, ifB };
  }

  /** Run a command in a namespace and return its stdout (throws with stderr on failure). */
  run(ns: string, cmd: string, args: string[], opts: { timeoutMs?: number } = {}): string {
    return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
    });
  }

  /** Start a long-running process in a namespace; it is killed by cleanup(). */
  spawn(ns: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    this.procs.add(child);
    outputOf(child);
    child.once('exit', () => this.procs.delete(child));
    return child;
  }

  /** Stop a process started by spawn (SIGTERM, then SIGKILL after graceMs). */
  async stop(child: ChildProcess, graceMs = 3000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(t);
  }

  /** Kill every process, delete every namespace. Safe to call twice; never throws. */
  async cleanup(): Promise<void> {
    await Promise.all([...this.procs].map((p) => this.stop(p).catch(() => {})));
    for (const ns of this.namespaces.splice(0)) {
      // Processes that outlived their parent (ip netns exec forks) would keep the namespace busy.
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
          .split(/\s+/)
          .filter(Boolean);
        for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      } catch {}
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {}
    }
  }

  /** Namespaces of this lab still present (for a test that checks it left nothing behind). */
  leftovers(): string[] {
    const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    return list
      .split('\n')
      .map((l) => l.split(' ')[0])
      .filter((n) => n.startsWith(this.prefix));
  }
}

/** Resolves with the first output line (seen so far or later) matching re; rejects on exit or timeout. */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<string> {
  const out = outputOf(child);
  const seen = out.lines.find((l) => re.test(l));
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const onLine = (l: string): void => {
      if (!re.test(l)) return;
      done();
      resolve(l);
    };
    const onExit = (code: number | null): void => {
      done();
      reject(
        new Error(
          `process exited (${code}) before printing ${re}; its output:\n${out.lines.slice(-20).join('\n')}`,
        ),
      );
    };
    const t = setTimeout(() => {
      done();
      reject(
        new Error(
          `no line matching ${re} within ${timeoutMs} ms; output:\n${out.lines.slice(-20).join('\n')}`,
        ),
      );
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(t);
      out.listeners.delete(onLine);
      child.off('exit', onExit);
    };
    out.listeners.add(onLine);
    child.once('exit', onExit);
  });
}

interface Output {
  lines: string[];
  listeners: Set<(line: string) => void>;
}
const outputs = new WeakMap<ChildProcess, Output>();

/** Every line a spawned process printed (stdout and stderr), always drained so it never blocks. */
export function outputOf(child: ChildProcess): Output {
  let out = outputs.get(child);
  if (out) return out;
  const o: Output = { lines: [], listeners: new Set() };
  out = o;
  outputs.set(child, o);
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        if (o.lines.length > 2000) o.lines.splice(0, 1000);
        o.lines.push(l);
        for (const f of [...o.listeners]) f(l);
      }
    });
  }
  return o;
}
