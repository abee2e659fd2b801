/**
 * Saga between real processes on loopback: a bootstrap node and two `valhalla node`s. A file put
 * through one node's `valhalla ctl put-content` is got through the other's `get-content -o`,
 * byte-identical, with the CID we compute ourselves; a bad CID and a CID nobody provides are named
 * failures, and nothing is left under the output name. Needs `npm run build` (npm test runs it first).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRequest } from '../cli/admin-client.js';
import { reserveFreePorts, waitFor } from '../live/testing.js';
import { defaultCrypto } from '../stack/crypto/select.js';
import { identityFromSeed } from '../stack/identity/identity.js';
import { NodeId } from '../stack/identity/node-id.js';
import { issueToken } from '../stack/rune/index.js';
import { CONTENT_RESOURCE_PREFIX, chunkContent, PUBLISH_ABILITY } from '../stack/saga/index.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const HOST = '127.0.0.1';
const exec = promisify(execFile);

const AUTHORITY = identityFromSeed(new Uint8Array(32).fill(42));
const root = mkdtempSync(join(tmpdir(), 'valhalla-content-'));
const children: ChildProcess[] = [];
const admins: string[] = [];

function ctl(i: number, ...args: string[]) {
  return exec(process.execPath, [CLI, 'ctl', '--admin', admins[i]!, ...args]).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

describe('content between OS processes', () => {
  beforeAll(async () => {
    const ports = await reserveFreePorts(HOST, 3);
    for (let i = 0; i < 3; i++) {
      const dir = join(root, `n${i}`);
      const args =
        i === 0
          ? ['bootstrap', '--listen', `${HOST}:${ports[0]}`, '--data', dir]
          : ['node', '--listen', `${HOST}:${ports[i]}`, '--bootstrap', `${HOST}:${ports[0]}`, '--data', dir];
      // Node 2 publishes only under a capability from AUTHORITY.
      const policy = i === 2 ? ['--publish-issuer', AUTHORITY.nodeId.toString()] : [];
      const child = spawn(
        process.execPath,
        [CLI, ...args, ...policy, '--chunk-size', '64KiB', '--log-format', 'json'],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      child.stderr!.resume();
      children.push(child);
      admins.push(join(dir, 'admin.sock'));
    }
    for (const a of admins) {
      await waitFor('a node', 15_000, async () => {
        const r = await adminRequest(a, 'peers');
        return r.ok && (r.result.peers as unknown[]).length >= 1 ? true : undefined;
      });
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    rmSync(root, { recursive: true, force: true });
  });

  it('put-content on one node, get-content on another: byte-identical, the CID we compute', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const file = join(root, 'in.bin');
    writeFileSync(file, data);
    const put = await ctl(1, 'put-content', file);
    expect(put.code, put.stderr).toBe(0);
    const cid = put.stdout.trim();
    expect(cid).toBe(chunkContent(defaultCrypto(), data, 64 * 1024).root.toString());

    const out = join(root, 'out.bin');
    const got = await ctl(2, 'get-content', cid, '-o', out, '--json');
    expect(got.code, got.stderr).toBe(0);
    const r = JSON.parse(got.stdout);
    expect(r).toMatchObject({ cid, sizeBytes: data.length, corruptBlocks: 0, providersTried: 1, out });
    expect(readFileSync(out).equals(data)).toBe(true);
    // The second node's store now holds it: another get is served locally.
    const again = await ctl(2, 'get-content', cid, '-o', join(root, 'again.bin'), '--json');
    expect(JSON.parse(again.stdout).local).toBe(true);
  }, 60_000);

  it('a malformed CID and a CID nobody provides fail with named errors and leave no file', async () => {
    const out = join(root, 'missing.bin');
    const bad = await ctl(2, 'get-content', 'bafy-not-a-cid', '-o', out);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('CidError');
    const nobody = chunkContent(defaultCrypto(), randomBytes(100)).root.toString();
    const none = await ctl(2, 'get-content', nobody, '-o', out);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('NoProvidersError');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).filter((n) => n.endsWith('.valhalla-part'))).toEqual([]);
    const noFile = await ctl(1, 'put-content', join(root, 'does-not-exist'));
    expect(noFile.code).toBe(2);
  }, 60_000);

  it('a node that requires a publish capability refuses put-content without one and accepts a valid token', async () => {
    const file = join(root, 'policy.bin');
    writeFileSync(file, randomBytes(1000));
    const without = await ctl(2, 'put-content', file);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('PublishRefusedError');
    const self = await adminRequest(admins[2]!, 'self');
    if (!self.ok) throw new Error(`self: ${self.error.message}`);
    const nodeId = NodeId.parse(self.result.nodeId as string);
    const grant = (audience: NodeId) =>
      issueToken(AUTHORITY, {
        audience,
        resources: [`${CONTENT_RESOURCE_PREFIX}*`],
        abilities: [PUBLISH_ABILITY],
        notBeforeMs: Date.now() - 60_000,
        expiresMs: Date.now() + 3_600_000,
      }).toText();
    const foreignFile = join(root, 'foreign-token.txt');
    writeFileSync(foreignFile, grant(AUTHORITY.nodeId));
    const foreign = await ctl(2, 'put-content', file, '--token', foreignFile);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('wrong-audience');
    const tokenFile = join(root, 'token.txt');
    writeFileSync(tokenFile, grant(nodeId));
    const ok = await ctl(2, 'put-content', file, '--token', tokenFile);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout.trim()).toMatch(/^bafkrei/);
  }, 60_000);
});
