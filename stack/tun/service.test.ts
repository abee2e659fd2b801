import { describe, expect, it } from 'vitest';
import { parseIpv6 } from '../identity/address.js';
import type { Connection } from '../runtime.js';
import { encodeRelayRequest, RELAY_PROTOCOL, RelayStatus, TUN_PROTOCOL } from './codec.js';
import { HeadReader } from './head-reader.js';
import { IPV6_HEADER_LEN, icmpv6Checksum } from './ipv6.js';
import { ipv6Packet, Mesh, run } from './mesh.test-util.js';

const payload = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('TunService', () => {
  it('carries packets both ways between two linked nodes on one direct stream', async () => {
    const m = new Mesh();
    const a = await m.add('a');
    const b = await m.add('b');
    await m.link(a, b);
    const p = ipv6Packet(a.address, b.address, payload(1000));
    a.tun.inject(p);
    await run(m, 10);
    expect(b.tun.written).toEqual([p]);
    expect(a.tun.released).toBe(true); // the stream copied it into a message: the device may reuse it
    const q = ipv6Packet(b.address, a.address, payload(60_000, 2));
    b.tun.inject(q);
    await run(m, 10);
    expect(a.tun.written).toEqual([q]);
    expect(a.svc.routeList()).toEqual([
      { address: expect.any(String), nodeId: b.identity.nodeId.toString(), via: 'direct' },
    ]);
    // b answered on the stream a opened rather than opening its own.
    expect(b.svc.counts.get('route_direct')).toBe(1);
  });

  it('pauses reading the device while the stream is over its high-water mark, and drops nothing', async () => {
    const m = new Mesh();
    const a = await m.add('a', { pauseQueuedBytes: 32 * 1024, maxQueuedBytes: 64 * 1024 });
    const b = await m.add('b');
    await m.link(a, b);
    const warm = ipv6Packet(a.address, b.address, payload(100));
    a.tun.inject(warm);
    await run(m, 10);
    // 768 kB at once: past the stream's high-water mark (256 KiB) and the 64 KiB a may queue past it;
    // a pauses at 32 KiB past it, so nothing is dropped.
    const burst = Array.from({ length: 12 }, (_, i) => ipv6Packet(a.address, b.address, payload(64_000, i)));
    for (const p of burst) a.tun.inject(p);
    await run(m, 200);
    expect(b.tun.written).toEqual([warm, ...burst]);
    expect(a.tun.pauses).toBeGreaterThan(0);
    expect(a.svc.counts.get('paused')).toBe(a.tun.pauses);
    expect(a.svc.counts.get('drop.congested')).toBeUndefined();
    expect(a.tun.isPaused).toBe(false);
  });

  it('stops pausing for a stream that does not drain, and drops from it instead', async () => {
    const m = new Mesh();
    const a = await m.add('a', { pauseQueuedBytes: 32 * 1024, maxQueuedBytes: 64 * 1024 });
    const b = await m.add('b');
    // A stream to b that never drains (a peer that grants no credit).
    let writes = 0;
    const stuck = {
      closed: false,
      setHandler: () => {},
      write: () => {
        writes++;
        return false;
      },
      end: () => {},
      close: () => {},
    } as unknown as Connection;
    a.svc.adopt(stuck, b.identity.nodeId, 'direct', true);
    for (let i = 0; i < 4; i++) a.tun.inject(ipv6Packet(a.address, b.address, payload(40_000, i)));
    await run(m, 100);
    expect(a.tun.isPaused).toBe(true);
    expect(writes).toBe(1); // paused after the first packet (40 kB > 32 KiB)
    expect(a.tun.released).toBe(false); // a stream that cannot say whether it still holds it
    await run(m, 600);
    expect(a.svc.counts.get('pause_stalled')).toBe(1);
    expect(a.tun.isPaused).toBe(false);
    expect(writes).toBe(2); // the next fits under 64 KiB; the other two are dropped
    expect(a.svc.counts.get('drop.congested')).toBe(2);
  });

  it('reaches a node two hops away through a relay, encrypted end to end, and back', async () => {
    const m = new Mesh();
    const [a, b, c] = [await m.add('a'), await m.add('b'), await m.add('c')];
    await m.link(a, b);
    await m.link(b, c);
    const p = ipv6Packet(a.address, c.address, payload(2000));
    a.tun.inject(p);
    await run(m, 100);
    expect(c.tun.written).toEqual([p]);
    expect(a.svc.routeList()[0].via).toBe('relay');
    expect(b.svc.counts.get('relay.spliced')).toBe(1);
    expect(b.tun.written).toEqual([]);
    const q = ipv6Packet(c.address, a.address, payload(3000, 5));
    c.tun.inject(q);
    await run(m, 100);
    expect(a.tun.written).toEqual([q]);
  });

  it('answers a packet to an address no node owns with ICMPv6 destination unreachable', async () => {
    const m = new Mesh();
    const a = await m.add('a');
    const b = await m.add('b');
    await m.link(a, b);
    const nobody = parseIpv6('fd12:3456::1');
    const p = ipv6Packet(a.address, nobody, payload(100));
    a.tun.inject(p);
    await run(m, 100);
    expect(a.tun.written.length).toBe(1);
    const icmp = a.tun.written[0];
    expect(icmp[6]).toBe(58);
    expect(icmp[IPV6_HEADER_LEN]).toBe(1); // destination unreachable
    expect(icmp.subarray(8, 24)).toEqual(nobody);
    expect(icmp.subarray(24, 40)).toEqual(a.address);
    expect(icmp.subarray(IPV6_HEADER_LEN + 8)).toEqual(p); // the original, quoted
    // A correct checksum sums to zero with itself included: recomputing gives 0xffff ^ 0 inverted.
    const msg = icmp.slice(IPV6_HEADER_LEN);
    const sent = (msg[2] << 8) | msg[3];
    msg[2] = 0;
    msg[3] = 0;
    expect(icmpv6Checksum(icmp.subarray(8, 24), icmp.subarray(24, 40), msg)).toBe(sent);
    // Within the negative-cache window the answer is immediate, and errors are not answered.
    a.tun.inject(p);
    a.tun.inject(icmp.slice());
    await run(m, 0);
    expect(a.tun.written.length).toBe(2);
  });

  it('drops packets whose source is not the authenticated sender (no spoofing)', async () => {
    const m = new Mesh();
    const a = await m.add('a');
    const b = await m.add('b');
    await m.link(a, b);
    const stream = await b.port.openStream(a.identity.nodeId, TUN_PROTOCOL);
    const forged = ipv6Packet(parseIpv6('fd99::5'), a.address, payload(64));
    const frame = new Uint8Array(4 + forged.length);
    frame.set([1, 0, forged.length >> 8, forged.length & 0xff]);
    frame.set(forged, 4);
    stream.write(frame);
    await run(m, 10);
    expect(a.tun.written).toEqual([]);
    expect(a.svc.counts.get('drop.spoofed')).toBe(1);
  });

  it('refuses a spent hop limit and a circuit it has already seen (loop)', async () => {
    const m = new Mesh();
    const [a, b, c] = [await m.add('a'), await m.add('b'), await m.add('c')];
    await m.link(a, b);
    await m.link(b, c);
    const ask = async (hopLimit: number, circuitId: Uint8Array): Promise<number> => {
      const h = new HeadReader(await a.port.openStream(b.identity.nodeId, RELAY_PROTOCOL));
      h.write(encodeRelayRequest({ hopLimit, circuitId, destination: c.identity.nodeId.bytes.slice(0, 15) }));
      const r = h.read(1, m.clock, 1000);
      await run(m, 10);
      return (await r)[0];
    };
    expect(await ask(1, new Uint8Array(16).fill(1))).toBe(RelayStatus.HOP_LIMIT);
    expect(await ask(4, new Uint8Array(16).fill(1))).toBe(RelayStatus.LOOP);
    expect(await ask(4, new Uint8Array(16).fill(2))).toBe(RelayStatus.OK);
  });
});
