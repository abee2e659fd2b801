/**
 * Veil over both real Runtime implementations (wireguard-go's genTestPair idea): the same cases
 * over the deterministic simulator and over live TCP on loopback. The in-memory double in
 * veil.test.ts covers the fault cases that need bytes altered in flight.
 */

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { liveHarness } from '../../live/testing.js';
import { simHarness } from '../../sim/testing.js';
import type { HarnessHosts, RuntimeHarness } from '../../test/harness.js';
import { Identity } from '../identity/identity.js';
import type { Connection } from '../runtime.js';
import { HandshakeTimeoutError, PeerIdMismatchError } from './errors.js';
import type { VeilSession } from './session.js';
import { Veil, type VeilInit } from './veil.js';

function readAll(stream: Connection): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    stream.setHandler({
      onData: (c) => chunks.push(c),
      onEnd: () => resolve(Buffer.concat(chunks)),
      onClose: (err) => (err ? reject(err) : resolve(Buffer.concat(chunks))),
    });
  });
}

function echo(session: VeilSession): void {
  session.onStream = (stream) =>
    stream.setHandler({ onData: (c) => stream.write(c), onEnd: () => stream.end() });
}

describe.each([simHarness({ seed: 7 }), liveHarness()] as RuntimeHarness[])(
  'Veil on the $name runtime',
  (harness) => {
    let hosts: HarnessHosts;
    let veils: Veil[] = [];
    beforeEach(async () => {
      hosts = await harness.setup();
    });
    afterEach(async () => {
      await harness.run(() => Promise.all(veils.map((v) => v.stop())));
      veils = [];
      await harness.teardown();
    });

    async function nodes(init: VeilInit = {}) {
      const idA = new Identity(hosts.a.rng.bytes(32));
      const idB = new Identity(hosts.b.rng.bytes(32));
      const a = new Veil({ runtime: hosts.a, identity: idA }, init);
      const b = new Veil({ runtime: hosts.b, identity: idB }, init);
      veils.push(a, b);
      await a.start();
      await b.start();
      return { a, b, idA, idB };
    }

    test('handshake, NodeIDs both ways, and concurrent echo streams across a rekey', async () => {
      const { a, b, idA, idB } = await nodes({ rekeyAfterMessages: 4 });
      await harness.run(async () => {
        const accepted = new Promise<VeilSession>((resolve) => {
          void b.listen(hosts.listenAddrB, (s) => {
            echo(s);
            resolve(s);
          });
        });
        await new Promise((r) => hosts.a.clock.setTimer(1, () => r(undefined)));
        const sA = await a.dial(hosts.listenAddrB, { expectedNodeId: idB.nodeId });
        const sB = await accepted;
        expect(sA.remoteNodeId.equals(idB.nodeId)).toBe(true);
        expect(sB.remoteNodeId.equals(idA.nodeId)).toBe(true);
        const results = [];
        for (let i = 0; i < 4; i++) {
          const stream = sA.openStream();
          const payload = new Uint8Array(200_000).map((_, k) => (k + i) & 0xff);
          const reply = readAll(stream);
          stream.write(payload);
          stream.end();
          results.push(reply.then((got) => expect(Buffer.from(got).equals(Buffer.from(payload))).toBe(true)));
        }
        await Promise.all(results);
        expect(sA.rekeys.send).toBeGreaterThan(0);
        expect(sA.rekeys.recv).toBeGreaterThan(0);
      });
    });

    test('a wrong expected NodeID fails with PeerIdMismatchError', async () => {
      const { a, b } = await nodes();
      await harness.run(async () => {
        await b.listen(hosts.listenAddrB, () => {});
        const wrong = new Identity(new Uint8Array(32).fill(3)).nodeId;
        await expect(a.dial(hosts.listenAddrB, { expectedNodeId: wrong })).rejects.toBeInstanceOf(
          PeerIdMismatchError,
        );
      });
    });

    if (harness.name === 'sim') {
      test('a listener that never answers times the dialer out in virtual time', async () => {
        const { a } = await nodes({ handshakeTimeoutMs: 3_000 });
        await harness.run(async () => {
          await hosts.b.net.listen(hosts.listenAddrB, (conn) => conn.setHandler({ onData() {} }));
          const started = hosts.a.clock.now();
          await expect(a.dial(hosts.listenAddrB)).rejects.toBeInstanceOf(HandshakeTimeoutError);
          expect(hosts.a.clock.now() - started).toBeGreaterThanOrEqual(3_000);
        });
      });
    }
  },
);
