/**
 * Just enough of the pcap format (libpcap's classic file, Ethernet link type) to pull TCP
 * payloads out of a capture: the TUN test checks what crossed a veth.
 */
const GLOBAL_HEADER_LEN = 24; // bytes
const RECORD_HEADER_LEN = 16; // ts_sec, ts_usec, incl_len, orig_len
const ETHERNET_HEADER_LEN = 14;
const LINKTYPE_ETHERNET = 1;

/** The TCP payloads of every IPv4 or IPv6 packet in a pcap file, in order (empty ones left out). */
export function tcpPayloads(file: Buffer): Buffer[] {
  const magic = file.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && file.readUInt32BE(0) !== 0xa1b2c3d4 && file.readUInt32BE(0) !== 0xa1b23c4d)
    throw new Error(`not a pcap file (magic ${magic.toString(16)})`);
  const u32 = (at: number): number => (le ? file.readUInt32LE(at) : file.readUInt32BE(at));
  if (u32(20) !== LINKTYPE_ETHERNET) throw new Error(`pcap link type ${u32(20)}, expected Ethernet (1)`);
  const out: Buffer[] = [];
  for (let at = GLOBAL_HEADER_LEN; at + RECORD_HEADER_LEN <= file.length; ) {
    const len = u32(at + 8);
    const frame = file.subarray(at + RECORD_HEADER_LEN, at + RECORD_HEADER_LEN + len);
    at += RECORD_HEADER_LEN + len;
    const type = frame.readUInt16BE(12);
    let ip = ETHERNET_HEADER_LEN;
    let proto: number;
    let end: number;
    if (type === 0x0800) {
      proto = frame[ip + 9];
      end = ip + frame.readUInt16BE(ip + 2);
      ip += (frame[ip] & 0x0f) * 4;
    } else if (type === 0x86dd) {
      proto = frame[ip + 6];
      end = ip + 40 + frame.readUInt16BE(ip + 4);
      ip += 40;
    } else continue;
    if (proto !== 6) continue;
    const payload = frame.subarray(ip + (frame[ip + 12] >> 4) * 4, end);
    if (payload.length > 0) out.push(payload);
  }
  return out;
}
