/**
 * The address list shared by peer and provider records: a count byte, then per address a length
 * byte and that many printable-ASCII bytes forming "host:port" (runtime.ts parseAddress syntax).
 * Addresses are only hints for dialing: Veil authenticates whoever answers, so a wrong address
 * costs a failed dial, never a wrong peer.
 */

import { parseAddress } from '../../runtime.js';
import { MAX_ADDR_SIZE, MAX_ADDRS } from '../constants.js';
import { InvalidFieldError } from '../errors.js';
import type { Reader, Writer } from '../rpc/bytes.js';

/** Throws InvalidFieldError unless addr is printable ASCII of 1..MAX_ADDR_SIZE bytes and parses. */
export function checkAddress(addr: string, what: string): void {
  if (addr.length < 1 || addr.length > MAX_ADDR_SIZE) {
    throw new InvalidFieldError(`${what}: address length ${addr.length} is not in 1..${MAX_ADDR_SIZE}`);
  }
  for (let i = 0; i < addr.length; i++) {
    const c = addr.charCodeAt(i);
    if (c < 0x21 || c > 0x7e)
      throw new InvalidFieldError(`${what}: address byte ${c} is not printable ASCII`);
  }
  let port: number;
  try {
    port = parseAddress(addr).port;
  } catch {
    throw new InvalidFieldError(`${what}: "${addr}" is not host:port`);
  }
  if (port === 0) throw new InvalidFieldError(`${what}: "${addr}" has port 0`);
}

export function checkAddressList(addrs: readonly string[], what: string): void {
  if (addrs.length < 1 || addrs.length > MAX_ADDRS) {
    throw new InvalidFieldError(`${what}: ${addrs.length} addresses, expected 1..${MAX_ADDRS}`);
  }
  for (const a of addrs) checkAddress(a, what);
}

export function writeAddresses(w: Writer, addrs: readonly string[]): void {
  checkAddressList(addrs, 'addresses');
  w.u8(addrs.length);
  for (const a of addrs) {
    w.u8(a.length);
    for (let i = 0; i < a.length; i++) w.u8(a.charCodeAt(i));
  }
}

export function readAddresses(r: Reader, what: string): string[] {
  const count = r.u8(`${what} address count`);
  if (count < 1 || count > MAX_ADDRS) {
    throw new InvalidFieldError(`${what}: address count ${count} is not in 1..${MAX_ADDRS}`);
  }
  const addrs: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = r.u8(`${what} address length`);
    const raw = r.bytesView(len, `${what} address`);
    const addr = String.fromCharCode(...raw);
    checkAddress(addr, what);
    addrs.push(addr);
  }
  return addrs;
}
