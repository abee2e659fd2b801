import { describe, expect, it } from 'vitest';
import { Simulation, uniform } from '../../../sim/index.js';
import { generateIdentity, type Identity } from '../../identity/index.js';
import { delegateToken, issueToken } from '../../rune/index.js';
import { RealmFrameError } from '../errors.js';
import { TEST_PORT, TestRealmNetwork, TestRealmNode } from '../realm-node.test-util.js';
import { decodeRpcFrame, encodeRpcFrame } from './codec.js';
import {
  RpcBadRequestError,
  RpcCancelledError,
  type RpcError,
  RpcInternalError,
  RpcNotFoundError,
  RpcOverloadedError,
  RpcRefusedError,
  RpcTimeoutError,
  RpcUnreachableError,
} from './errors.js';
import { Rpc, type RpcInit } from './rpc.js';

async function pair(init: RpcInit = {}, n = 3) {
  const sim = new Simulation({ seed: 4, network: { latency: uniform(5, 20) } });
  const net = new TestRealmNetwork();
  const ids: Identity[] = [];
  const rpcs: Rpc[] = [];
  for (let i = 0; i < n; i++) {
    const host = sim.addNode();
    const id = generateIdentity(host.runtime.rng.fork('identity'));
    const node = new TestRealmNode(host.runtime, id, net, host.addr(TEST_PORT));
    await node.start();
    const rpc = new Rpc({ runtime: host.runtime, identity: id, node }, init);
    rpc.start();
    ids.push(id);
    rpcs.push(rpc);
  }
  const clock = sim.nodes[0]!.runtime.clock;
  return { sim, ids, rpcs, clock };
}

/** The error a promise rejects with (or fails the test when it resolves). */
async function errorOf(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (err) {
    return err as RpcError;
  }
  throw new Error('expected the call to fail');
}

describe('rpc over a simulated network', () => {
  it('calls a named method; unknown methods, handler failures and bad params have their codes', async () => {
    const { sim, ids, rpcs } = await pair();
    rpcs[1]!.register('add', (p) => {
      const { a, b } = p as { a: number; b: number };
      if (typeof a !== 'number') throw new TypeError('a must be a number');
      return a + b;
    });
    const run = async () => {
      expect(await rpcs[0]!.call(ids[1]!.nodeId, 'add', { a: 2, b: 3 })).toBe(5);
      const nf = await errorOf(rpcs[0]!.call(ids[1]!.nodeId, 'sub', {}));
      expect(nf).toBeInstanceOf(RpcNotFoundError);
      expect(nf.code).toBe('not-found');
      expect(await errorOf(rpcs[0]!.call(ids[1]!.nodeId, 'add', { a: 'x' }))).toBeInstanceOf(
        RpcInternalError,
      );
      expect(await errorOf(rpcs[0]!.call(ids[1]!.nodeId, 'add', 1n as never))).toBeInstanceOf(
        RpcBadRequestError,
      );
    };
    await sim.runUntil(run(), 60_000);
  });

  it('deadlines: the caller gives up and the handler sees its signal abort', async () => {
    const { sim, ids, rpcs, clock } = await pair();
    let aborted = false;
    rpcs[1]!.register('slow', async (_p, ctx) => {
      ctx.signal.addEventListener('abort', () => {
        aborted = true;
      });
      await sim.nodes[1]!.runtime.clock.sleep(5_000);
      return 'late';
    });
    const run = async () => {
      const t0 = clock.now();
      const err = await errorOf(rpcs[0]!.call(ids[1]!.nodeId, 'slow', null, { timeoutMs: 500 }));
      expect(err).toBeInstanceOf(RpcTimeoutError);
      expect(clock.now() - t0).toBeLessThan(600);
      await clock.sleep(1_000);
      expect(aborted).toBe(true);
    };
    await sim.runUntil(run(), 60_000);
  });

  it('cancellation: an aborted call rejects as cancelled and the server aborts the handler', async () => {
    const { sim, ids, rpcs, clock } = await pair();
    let aborted = false;
    rpcs[1]!.register('wait', async (_p, ctx) => {
      await new Promise<void>((resolve) =>
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        }),
      );
      return null;
    });
    const run = async () => {
      const ac = new AbortController();
      const p = rpcs[0]!.call(ids[1]!.nodeId, 'wait', null, { signal: ac.signal });
      await clock.sleep(200);
      ac.abort();
      expect(await errorOf(p)).toBeInstanceOf(RpcCancelledError);
      await clock.sleep(200);
      expect(aborted).toBe(true);
    };
    await sim.runUntil(run(), 60_000);
  });

  it('in-flight limit per peer: calls beyond it are answered overloaded, others still run', async () => {
    const { sim, ids, rpcs } = await pair({ maxInflightPerPeer: 2 });
    rpcs[1]!.register('hold', async () => {
      await sim.nodes[1]!.runtime.clock.sleep(1_000);
      return 'done';
    });
    const run = async () => {
      const calls = [0, 1, 2, 3].map((k) =>
        rpcs[0]!.call(ids[1]!.nodeId, 'hold', k).then(String, (e: Error) => e.name),
      );
      const third = rpcs[2]!.call(ids[1]!.nodeId, 'hold', null); // another peer has its own budget
      const results = await Promise.all(calls);
      expect(results.filter((r) => r === 'done')).toHaveLength(2);
      expect(results.filter((r) => r === new RpcOverloadedError('').name)).toHaveLength(2);
      expect(await third).toBe('done');
    };
    await sim.runUntil(run(), 60_000);
  });

  it('a method that requires a token: refused without one (named error), runs with a delegated token', async () => {
    const { sim, ids, rpcs, clock } = await pair();
    const [alice, server, bob] = [ids[0]!, ids[1]!, ids[2]!];
    rpcs[1]!.register('secret', (_p, ctx) => `hello ${ctx.peer.toString().slice(0, 8)}`, { auth: true });
    const now = sim.nodes[1]!.runtime.clock.wallNow();
    const window = { notBeforeMs: now - 1_000, expiresMs: now + 3_600_000 };
    // The server grants Alice rpc/call on rpc:secret; Alice delegates to Bob.
    const rootToAlice = issueToken(server, {
      audience: alice.nodeId,
      resources: ['rpc:*'],
      abilities: ['rpc/call'],
      ...window,
    });
    const aliceToBob = delegateToken(rootToAlice, alice, { audience: bob.nodeId, resources: ['rpc:secret'] });
    // A token from an issuer the server does not trust.
    const selfMade = issueToken(bob, {
      audience: bob.nodeId,
      resources: ['rpc:*'],
      abilities: ['rpc/call'],
      ...window,
    });
    const run = async () => {
      const missing = await errorOf(rpcs[2]!.call(server.nodeId, 'secret'));
      expect(missing).toBeInstanceOf(RpcRefusedError);
      expect((missing as RpcRefusedError).refusal).toBe('missing-token');
      const untrusted = await errorOf(rpcs[2]!.call(server.nodeId, 'secret', null, { token: selfMade }));
      expect((untrusted as RpcRefusedError).refusal).toBe('untrusted-issuer');
      // Alice's token presented by Bob: not his.
      const stolen = await errorOf(rpcs[2]!.call(server.nodeId, 'secret', null, { token: rootToAlice }));
      expect((stolen as RpcRefusedError).refusal).toBe('wrong-audience');
      expect(await rpcs[2]!.call(server.nodeId, 'secret', null, { token: aliceToBob })).toBe(
        `hello ${bob.nodeId.toString().slice(0, 8)}`,
      );
      expect(await rpcs[0]!.call(server.nodeId, 'secret', null, { token: rootToAlice })).toMatch(/^hello/);
      await clock.sleep(1);
    };
    await sim.runUntil(run(), 60_000);
  });

  it('an unreachable peer is a named error', async () => {
    const { sim, ids, rpcs } = await pair();
    sim.nodes[1]!.crash();
    const err = await sim.runUntil(
      errorOf(rpcs[0]!.call(ids[1]!.nodeId, 'x', null, { timeoutMs: 2_000 })),
      60_000,
    );
    // Whichever comes first: the dial gives up, or the call's deadline passes.
    expect(err instanceof RpcUnreachableError || err instanceof RpcTimeoutError, String(err)).toBe(true);
  });

  it('codec round-trips and refuses malformed frames', () => {
    const req = {
      type: 'request' as const,
      method: 'm',
      deadlineMs: 10,
      token: new Uint8Array([1, 2]),
      params: { a: [1] },
    };
    expect(decodeRpcFrame(encodeRpcFrame(req))).toEqual(req);
    const refused = { type: 'response' as const, status: 2 as const, message: 'no', refusal: 'expired' };
    expect(decodeRpcFrame(encodeRpcFrame(refused))).toEqual(refused);
    for (const bad of [[], [9], [1, 0, 0], [3, 99, 0, 0, 0, 0], [3, 0, 0, 0, 0, 1, 0x7b], [2, 0]]) {
      expect(() => decodeRpcFrame(new Uint8Array(bad)), `${bad}`).toThrow(RealmFrameError);
    }
  });
});
