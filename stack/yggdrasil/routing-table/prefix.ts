/**
 * Network-prefix groups for the per-bucket diversity limit: one operator with one /24 (IPv4) or
 * /48 (IPv6) can cheaply run many NodeIDs, so a bucket admits at most a few entries per group
 * (S/Kademlia-style, and what Mainline DHT implementations do against Sybil clusters).
 *
 * Addresses that are not publicly routable (loopback, RFC 1918 and RFC 4193 private, link-local)
 * and host names are exempt, as in go-libp2p-kbucket's peer diversity filter: on a LAN, on
 * loopback or in the simulator (10.a.b.c) many honest nodes share a prefix by construction, and
 * an attacker gains nothing by being local to us.
 */
import { parseAddress } from '../../runtime.js';

/** "v4:a.b.c" for IPv4, "v6:" + the first three groups for IPv6, "name:<host>" otherwise. */
export function prefixGroup(addr: string): string {
  let host: string;
  try {
    host = parseAddress(addr).host;
  } catch {
    return `invalid:${addr}`;
  }
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4?.slice(1).every((o) => Number(o) <= 255)) return `v4:${v4[1]}.${v4[2]}.${v4[3]}`;
  const v6 = expandIpv6(host);
  if (v6) return `v6:${v6.slice(0, 3).join(':')}`;
  return `name:${host.toLowerCase()}`;
}

/** The 8 groups of an IPv6 literal (lower-case, no leading zeros), or undefined if it is not one. */
export function expandIpv6(host: string): string[] | undefined {
  if (!host.includes(':') || !/^[0-9a-fA-F:.]+$/.test(host)) return undefined;
  const halves = host.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string): string[] | undefined => {
    if (s === '') return [];
    const parts = s.split(':');
    const out: string[] = [];
    for (const p of parts) {
      if (/^\d+\.\d+\.\d+\.\d+$/.test(p)) {
        // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
        const o = p.split('.').map(Number);
        if (o.some((x) => x > 255)) return undefined;
        out.push(((o[0] << 8) | o[1]).toString(16), ((o[2] << 8) | o[3]).toString(16));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(Number.parseInt(p, 16).toString(16));
      else return undefined;
    }
    return out;
  };
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const fill = 8 - head.length - tail.length;
  if (fill < 1) return undefined;
  return [...head, ...Array<string>(fill).fill('0'), ...tail];
}
