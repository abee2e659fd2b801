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

/**
 * "v4:a.b.c" for a public IPv4 address, "v6:" + its first three groups for a public IPv6 one,
 * undefined for an exempt address (no limit applies).
 */
export function prefixGroup(addr: string): string | undefined {
  let host: string;
  try {
    host = parseAddress(addr).host;
  } catch {
    return undefined;
  }
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const o = v4.slice(1).map(Number);
    if (o.some((x) => x > 255) || isPrivateV4(o)) return undefined;
    return `v4:${o[0]}.${o[1]}.${o[2]}`;
  }
  const v6 = expandIpv6(host);
  if (v6) {
    const first = Number.parseInt(v6[0], 16);
    const zeros = v6.slice(0, 7).every((g) => g === '0');
    // ::, ::1, fc00::/7 unique local, fe80::/10 link-local.
    if (
      (zeros && (v6[7] === '0' || v6[7] === '1')) ||
      (first & 0xfe00) === 0xfc00 ||
      (first & 0xffc0) === 0xfe80
    ) {
      return undefined;
    }
    return `v6:${v6.slice(0, 3).join(':')}`;
  }
  return undefined;
}

function isPrivateV4(o: number[]): boolean {
  return (
    o[0] === 10 ||
    o[0] === 127 ||
    o[0] === 0 ||
    (o[0] === 172 && o[1] >= 16 && o[1] <= 31) ||
    (o[0] === 192 && o[1] === 168) ||
    (o[0] === 169 && o[1] === 254) ||
    (o[0] === 100 && o[1] >= 64 && o[1] <= 127) // carrier-grade NAT
  );
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
