/**
 * Realm across seven OS processes on loopback (one bootstrap, six nodes): `valhalla ctl subscribe`
 * on five nodes prints a message published with `valhalla ctl publish` on a sixth; `ctl call`
 * reaches a method on another node by NodeID; a method that requires a Rune token is refused
 * without one (RpcRefusedError) and runs with a token the serving node issued to one node and that
 * node delegated to the caller (`valhalla token issue` / `delegate`). Needs `npm run build`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../cli/admin-client.js';
import { reserveFreePorts, waitFor } from '../live/testing.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const HOST = '127.0.0.1';
const NODES = 7; // index 0 is the bootstrap node
const run = promisify(execFile);

interface Proc {
  child: ChildProcess;
  dir: string;
  admin: string;
  nodeId?: string;
}

const root = mkdtempSync(join(tmpdir(), 'valhalla-realm-'));
const procs: Proc[] = [];
const extra: ChildProcess[] = [];

function kill(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  });
}

async function ctl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(process.execPath, [CLI, 'ctl', ...args], { timeout: 60_000 });
    return { ...r, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('Realm across seven OS processes', () => {
  beforeAll(async () => {
    const ports = await reserveFreePorts(HOST, NODES);
    for (let i = 0; i < NODES; i++) {
      const dir = join(root, `n${i}`);
      const args =
        i === 0
          ? ['bootstrap', '--listen', `${HOST}:${ports[0]}`, '--data', dir]
          : ['node', '--listen', `${HOST}:${ports[i]}`, '--bootstrap', `${HOST}:${ports[0]}`, '--data', dir];
      const child = spawn(process.execPath, [CLI, ...args, '--log-format', 'json'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr!.resume();
      procs.push({ child, dir, admin: join(dir, 'admin.sock') });
    }
    for (const p of procs) {
      p.nodeId = await waitFor('a node', 20_000, async () => {
        const r = await adminRequest(p.admin, 'self', {}, 5_000);
        return r.ok ? (r.result.nodeId as string) : undefined;
      });
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all([...extra, ...procs.map((p) => p.child)].map(kill));
    rmSync(root, { recursive: true, force: true });
  });

  it('a publish on one process reaches subscribe on five others', async () => {
    const subs = [2, 3, 4, 5, 6].map((i) => {
      const child = spawn(
        process.execPath,
        [CLI, 'ctl', '--admin', procs[i]!.admin, 'subscribe', 'news', '--json', '--count', '1'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      extra.push(child);
      let out = '';
      let err = '';
      child.stdout!.on('data', (b) => {
        out += b;
      });
      child.stderr!.on('data', (b) => {
        err += b;
      });
      const exited = new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? -1)));
      return { child, exited, out: () => out, err: () => err };
    });
    await waitFor(
      'five subscribers',
      20_000,
      async () => subs.every((s) => s.err().includes('subscribed')) || undefined,
    );
    // Give the meshes a few heartbeats to form.
    await new Promise((r) => setTimeout(r, 4_000));
    const pub = await ctl('--admin', procs[1]!.admin, 'publish', 'news', 'hello from one', '--json');
    expect(pub.code, pub.stderr).toBe(0);
    const id = JSON.parse(pub.stdout).id as string;
    const codes = await Promise.race([
      Promise.all(subs.map((s) => s.exited)),
      new Promise<string>((r) => setTimeout(() => r('timeout'), 30_000)),
    ]);
    expect(codes, subs.map((s) => s.err()).join('\n')).toEqual([0, 0, 0, 0, 0]);
    for (const s of subs) {
      const msg = JSON.parse(s.out().trim());
      expect(msg).toMatchObject({ topic: 'news', id, data: 'hello from one', from: procs[1]!.nodeId });
    }
  }, 90_000);

  it('ctl call reaches a method by NodeID; a token-protected method needs a (delegated) token', async () => {
    const [, a, server, bob] = procs as [Proc, Proc, Proc, Proc];
    const echo = await ctl('--admin', a.admin, 'call', server.nodeId!, 'realm.echo', '{"x":[1,2]}', '--json');
    expect(echo.code, echo.stderr).toBe(0);
    expect(JSON.parse(echo.stdout)).toEqual({ result: { x: [1, 2] } });
    const refused = await ctl('--admin', bob.admin, 'call', server.nodeId!, 'realm.whoami', '--json');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error.name).toBe('RpcRefusedError');
    // The serving node grants A; A delegates to Bob; Bob's call runs.
    const rootToken = join(root, 'a.token');
    const bobToken = join(root, 'bob.token');
    const issue = await run(process.execPath, [
      CLI,
      'token',
      'issue',
      '--identity',
      join(server.dir, 'identity.json'),
      '--audience',
      a.nodeId!,
      '--resource',
      'rpc:*',
      '--ability',
      'rpc/call',
      '--ttl',
      '1h',
      '-o',
      rootToken,
    ]);
    expect(issue.stderr).not.toMatch(/error/i);
    await run(process.execPath, [
      CLI,
      'token',
      'delegate',
      '--parent',
      rootToken,
      '--identity',
      join(a.dir, 'identity.json'),
      '--audience',
      bob.nodeId!,
      '--resource',
      'rpc:realm.whoami',
      '-o',
      bobToken,
    ]);
    const ok = await ctl(
      '--admin',
      bob.admin,
      'call',
      server.nodeId!,
      'realm.whoami',
      '--token',
      bobToken,
      '--json',
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).result).toMatchObject({
      caller: bob.nodeId,
      served: server.nodeId,
      authorized: true,
    });
  }, 90_000);
});
