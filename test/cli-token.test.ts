import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import type { TokenVector } from '../stack/rune/testing/vectors.js';
import { captureIo } from './cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'valhalla-token-'));
const f = (name: string) => join(dir, name);

async function run(...argv: string[]) {
  const c = captureIo();
  const code = await main(argv, c.io);
  return { code, out: c.stdout(), err: c.stderr() };
}

async function identity(name: string): Promise<string> {
  expect((await run('keygen', '--identity', f(`${name}.key`))).code).toBe(0);
  return JSON.parse((await run('id', '--identity', f(`${name}.key`), '--json')).out).nodeId;
}

// Fixed instants, so nothing here depends on the wall clock.
const START = '2030-01-01T00:00:00Z';
const END = '2030-01-02T00:00:00Z';
const DURING = '2030-01-01T06:00:00.000Z';

describe('valhalla token', async () => {
  const service = await identity('service');
  const alice = await identity('alice');
  const bob = await identity('bob');
  /** service issues to alice. */
  const issueToAlice = (...more: string[]) =>
    run('token', 'issue', '--identity', f('service.key'), '--audience', alice, ...more);
  const issue = (...more: string[]) =>
    issueToAlice(
      '--resource',
      'saga:content/*',
      '--ability',
      'saga/fetch',
      '--ability',
      'saga/publish',
      '--caveat',
      'zone=eu',
      '--not-before',
      START,
      '--expires',
      END,
      ...more,
    );
  /** alice delegates alice.tok to bob. */
  const delegate = (...more: string[]) =>
    run(
      'token',
      'delegate',
      '--identity',
      f('alice.key'),
      '--parent',
      f('alice.tok'),
      '--audience',
      bob,
      ...more,
    );
  const verify = (file: string, ...more: string[]) => run('token', 'verify', file, '--at', DURING, ...more);

  it('shows help for every token subcommand', async () => {
    for (const sub of ['issue', 'delegate', 'verify', 'inspect', 'revoke']) {
      const h = await run('token', sub, '--help');
      expect(h.code).toBe(0);
      expect(h.out).toContain(`Usage: valhalla token ${sub}`);
    }
  });

  it('issue writes a token that verify accepts for its holder', async () => {
    const made = await issue('-o', f('alice.tok'), '--json');
    expect(made.code).toBe(0);
    const info = JSON.parse(made.out);
    expect(info.links).toBe(1);
    expect(readFileSync(f('alice.tok'), 'utf8')).toBe(`${info.token}\n`);
    expect(info.token).toMatch(/^rune-token-1:[A-Za-z0-9_-]+$/);
    const ok = await verify(
      f('alice.tok'),
      '--trust',
      service,
      '--audience',
      alice,
      '--resource',
      'saga:content/a',
      '--ability',
      'saga/publish',
      '--context',
      'zone=eu',
      '--json',
    );
    expect(ok.code).toBe(0);
    const v = JSON.parse(ok.out);
    expect(v).toMatchObject({ valid: true, holder: alice, rootIssuer: service, rootTrusted: true, links: 1 });
    expect(v.caveats).toEqual({ zone: 'eu' });
    const human = await verify(f('alice.tok'), '--trust', service);
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/valid at 2030-01-01T06:00:00.000Z/);
    expect(human.out).toMatch(/zone=eu \(not checked\)/);
  });

  it('delegate narrows; verify accepts it for the new holder only', async () => {
    expect((await issue('-o', f('alice.tok'))).code).toBe(0);
    const d = await delegate(
      '--resource',
      'saga:content/photos/*',
      '--ability',
      'saga/fetch',
      '--expires',
      '2030-01-01T12:00:00Z',
      '-o',
      f('bob.tok'),
    );
    expect(d.code, d.err).toBe(0);
    expect(d.err).toContain(`wrote ${f('bob.tok')}`);
    const ok = await verify(
      f('bob.tok'),
      '--trust',
      service,
      '--audience',
      bob,
      '--resource',
      'saga:content/photos/x',
      '--ability',
      'saga/fetch',
      '--context',
      'zone=eu',
    );
    expect(ok.code, ok.err).toBe(0);
    const wrong = await verify(f('bob.tok'), '--trust', service, '--audience', alice, '--json');
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.out)).toMatchObject({
      valid: false,
      code: 'wrong-audience',
      error: 'WrongAudienceError',
    });
    const late = await run('token', 'verify', f('bob.tok'), '--at', '2030-01-01T12:00:00Z');
    expect(late.code).toBe(1);
    expect(late.err).toMatch(/refused: expired \(ExpiredError\)/);
    const notGranted = await verify(
      f('bob.tok'),
      '--resource',
      'saga:content/docs/x',
      '--ability',
      'saga/fetch',
    );
    expect(notGranted.err).toMatch(/refused: not-granted/);
    const caveat = await verify(
      f('bob.tok'),
      '--resource',
      'saga:content/photos/x',
      '--ability',
      'saga/fetch',
    );
    expect(caveat.code).toBe(1);
    expect(caveat.err).toMatch(/refused: caveat-unmet[\s\S]*--context/);
  });

  it('delegate refuses to widen and says what widened, writing nothing', async () => {
    expect((await issue('-o', f('alice.tok'))).code).toBe(0);
    const cases: [string[], RegExp][] = [
      [['--resource', 'saga:*'], /widened \(resource\).*"saga:\*"/],
      [['--ability', 'saga/delete'], /widened \(ability\).*"saga\/delete"/],
      [['--caveat', 'zone=us'], /widened \(caveat\).*zone=eu to zone=us/],
      [['--expires', '2030-01-03T00:00:00Z'], /widened \(expiry\)/],
      [['--not-before', '2029-12-31T00:00:00Z'], /widened \(not-before\)/],
    ];
    for (const [flags, message] of cases) {
      const out = f('widened.tok');
      const r = await delegate(...flags, '-o', out);
      expect(r.code, flags.join(' ')).toBe(1);
      expect(r.err).toMatch(message);
      expect(r.err).toMatch(/can only narrow/);
      expect(existsSync(out)).toBe(false);
    }
    const notHolder = await run(
      'token',
      'delegate',
      '--identity',
      f('bob.key'),
      '--parent',
      f('alice.tok'),
      '--audience',
      bob,
    );
    expect(notHolder.code).toBe(2);
    expect(notHolder.err).toMatch(/only its holder can delegate/);
  });

  it('revoke: an issuer in the chain revokes, verify --revocations refuses', async () => {
    expect((await issue('-o', f('alice.tok'))).code).toBe(0);
    const d = await delegate('-o', f('bob2.tok'));
    expect(d.code).toBe(0);
    const r = await run(
      'token',
      'revoke',
      '--identity',
      f('alice.key'),
      f('bob2.tok'),
      '-o',
      f('revoked.txt'),
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/revocation of link 1/);
    const refused = await verify(f('bob2.tok'), '--revocations', f('revoked.txt'));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/refused: revoked \(RevokedError\)/);
    const fine = await verify(f('alice.tok'), '--revocations', f('revoked.txt'));
    expect(fine.code).toBe(0);
    const stranger = await run('token', 'revoke', '--identity', f('bob.key'), f('bob2.tok'));
    expect(stranger.code).toBe(2);
    expect(stranger.err).toMatch(/issued no link/);
    const above = await run('token', 'revoke', '--identity', f('alice.key'), f('bob2.tok'), '--link', '0');
    expect(above.code).toBe(2);
    expect(above.err).toMatch(/cannot revoke what it received/);
  });

  it('a tampered or foreign file is refused by verify (exit 1) and rejected by inspect (exit 2)', async () => {
    expect((await issue('-o', f('alice.tok'))).code).toBe(0);
    const text = readFileSync(f('alice.tok'), 'utf8').trim();
    const i = text.length - 20;
    writeFileSync(
      f('tampered.tok'),
      `${text.slice(0, i)}${text[i] === 'A' ? 'B' : 'A'}${text.slice(i + 1)}\n`,
    );
    const t = await verify(f('tampered.tok'), '--json');
    expect(t.code).toBe(1);
    expect(['bad-signature', 'malformed']).toContain(JSON.parse(t.out).code);
    writeFileSync(f('foreign.tok'), 'hello\n');
    const v = await verify(f('foreign.tok'));
    expect(v.code).toBe(1);
    expect(v.err).toMatch(/refused: malformed/);
    const ins = await run('token', 'inspect', f('foreign.tok'));
    expect(ins.code).toBe(2);
    expect(ins.err).toMatch(/not a Rune token/);
  });

  it('inspect shows the chain, as text and JSON', async () => {
    expect((await issue('-o', f('alice.tok'))).code).toBe(0);
    const d = await delegate('--ability', 'saga/fetch', '-o', f('bob3.tok'));
    expect(d.code).toBe(0);
    const h = await run('token', 'inspect', f('bob3.tok'));
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/token: 2 links/);
    expect(h.out).toMatch(/link 0 \(root\)[\s\S]*link 1 \(delegated from link 0\)/);
    expect(h.out).toContain(`issuer     ${service}`);
    expect(h.out).toContain('2030-01-01T00:00:00.000Z .. 2030-01-02T00:00:00.000Z (1d)');
    const j = JSON.parse((await run('token', 'inspect', f('bob3.tok'), '--json')).out);
    expect(j.links.map((l: { issuer: string }) => l.issuer)).toEqual([service, alice]);
    expect(j.links[1].parent).toBe(j.links[0].id);
    expect(j.links[1].abilities).toEqual(['saga/fetch']);
  });

  it('bad flags exit 2 with a message saying how to fix them', async () => {
    const cases: [string[], RegExp][] = [
      [['--audience', 'abc'], /valhalla id --identity/],
      [['--ttl', '1y'], /30s, 15m, 1h/],
      [['--expires', 'tomorrow'], /ISO 8601/],
      [['--ttl', '1h', '--expires', END], /not both/],
      [['--resource', 'sa*ga'], /only allowed as the last character/],
      [['--caveat', 'novalue'], /KEY=VALUE/],
    ];
    for (const [flags, message] of cases) {
      const r = await issueToAlice('--resource', 'x', '--ability', 'y', ...flags);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
    const noResource = await run(
      'token',
      'issue',
      '--identity',
      f('service.key'),
      '--audience',
      alice,
      '--ability',
      'y',
    );
    expect(noResource.code).toBe(2);
    expect(noResource.err).toMatch(/at least one --resource/);
    const half = await verify(f('alice.tok'), '--resource', 'x');
    expect(half.code).toBe(2);
    expect(half.err).toMatch(/go together/);
  });

  it('verify agrees with every conformance vector', async () => {
    const { vectors } = JSON.parse(
      readFileSync(new URL('../conformance/vectors/rune.json', import.meta.url), 'utf8'),
    ) as { vectors: TokenVector[] };
    for (const v of vectors) {
      const r = v.request;
      writeFileSync(f('vector.tok'), `${v.token}\n`);
      writeFileSync(f('vector.rev'), r.revocations.map((x) => `${x}\n`).join(''));
      const args = [
        f('vector.tok'),
        '--at',
        new Date(r.nowMs).toISOString(),
        '--audience',
        r.invoker,
        '--resource',
        r.resource,
        '--ability',
        r.ability,
        '--revocations',
        f('vector.rev'),
        '--json',
        ...r.trust.flatMap((t) => ['--trust', t]),
        ...Object.entries(r.context).flatMap(([k, val]) => ['--context', `${k}=${val}`]),
      ];
      const res = await run('token', 'verify', ...args);
      const got = JSON.parse(res.out);
      if (v.expect === 'valid') {
        expect(res.code, v.name).toBe(0);
        expect(got.valid, v.name).toBe(true);
      } else {
        expect(res.code, v.name).toBe(1);
        expect(got.code, v.name).toBe(v.expect);
      }
    }
  });
});

describe('valhalla conformance rune-vectors', () => {
  const file = new URL('../conformance/vectors/rune.json', import.meta.url).pathname;

  it('passes every vector of the shipped file', async () => {
    const c = captureIo();
    expect(await main(['conformance', 'rune-vectors', file], c.io)).toBe(0);
    const n = (JSON.parse(readFileSync(file, 'utf8')).vectors as unknown[]).length;
    expect(c.stdout()).toContain(`${n} passed, 0 failed`);
  });

  it('fails (exit 1) a vector whose expected refusal is not the one produced', async () => {
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const v = doc.vectors.find((x: { name: string }) => x.name === 'expired');
    v.expect = 'revoked';
    const tampered = join(dir, 'tampered-vectors.json');
    writeFileSync(tampered, JSON.stringify(doc));
    const c = captureIo();
    expect(await main(['conformance', 'rune-vectors', tampered], c.io)).toBe(1);
    expect(c.stdout()).toMatch(/FAIL expired: expected revoked, got expired/);
    writeFileSync(tampered, '{"vectors": 3}');
    const bad = captureIo();
    expect(await main(['conformance', 'rune-vectors', tampered], bad.io)).toBe(2);
  });
});
