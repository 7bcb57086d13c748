// IP addresses and networks as parsed values: nothing reaches the encoder as a raw string.
import ipaddr from 'ipaddr.js';
import { InvalidValueError } from './errors.js';

export type Family = 4 | 6;

/** A parsed IP address, printed in canonical form (dotted quad, or RFC 5952 for IPv6). */
export interface IpAddress {
  readonly kind: 'address';
  readonly family: Family;
  readonly text: string;
}

/** A parsed network with no host bits set, printed in CIDR form (`198.51.100.10/32`). */
export interface IpPrefix {
  readonly kind: 'prefix';
  readonly family: Family;
  readonly address: string;
  readonly length: number;
  readonly text: string;
}

const ADDRESS_CHARS = /^[0-9A-Fa-f.:]+$/;

function canonical(addr: ipaddr.IPv4 | ipaddr.IPv6): string {
  return addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
}

function parseRawAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 {
  // ipaddr.js also accepts zone ids and shorthand IPv4 ("1"); neither is an address here.
  if (!ADDRESS_CHARS.test(text)) throw new InvalidValueError(`'${text}' is not an IP address`);
  if (!text.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(text)) {
    throw new InvalidValueError(`'${text}' is not an IP address`);
  }
  if (!ipaddr.isValid(text)) throw new InvalidValueError(`'${text}' is not an IP address`);
  return ipaddr.parse(text);
}

export function parseIpAddress(text: string): IpAddress {
  const addr = parseRawAddress(text);
  return { kind: 'address', family: addr.kind() === 'ipv6' ? 6 : 4, text: canonical(addr) };
}

/**
 * Parses `ADDRESS[/LENGTH]` as a network. A bare address is a host network (/32 or /128).
 * Host bits must be zero, as Python's `ip_network` demands.
 */
export function parseIpPrefix(text: string): IpPrefix {
  const slash = text.indexOf('/');
  const addressPart = slash === -1 ? text : text.slice(0, slash);
  const addr = parseRawAddress(addressPart);
  const family: Family = addr.kind() === 'ipv6' ? 6 : 4;
  const max = family === 6 ? 128 : 32;
  let length = max;
  if (slash !== -1) {
    const lengthPart = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lengthPart) || Number(lengthPart) > max) {
      throw new InvalidValueError(`'${text}' has an invalid prefix length (0 to ${max})`);
    }
    length = Number(lengthPart);
  }
  return makePrefix(addr, length, text);
}

function makePrefix(addr: ipaddr.IPv4 | ipaddr.IPv6, length: number, original: string): IpPrefix {
  const family: Family = addr.kind() === 'ipv6' ? 6 : 4;
  const bytes = addr.toByteArray();
  for (let bit = length; bit < bytes.length * 8; bit++) {
    if ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) {
      throw new InvalidValueError(`'${original}' has host bits set`);
    }
  }
  const address = canonical(addr);
  return { kind: 'prefix', family, address, length, text: `${address}/${length}` };
}

/** The host network of an address (`/32` or `/128`). */
export function hostPrefix(address: IpAddress): IpPrefix {
  return parseIpPrefix(address.text);
}

/** How many addresses a prefix holds (as a bigint: an IPv6 /64 is large). */
export function prefixSize(prefix: IpPrefix): bigint {
  return 1n << BigInt((prefix.family === 6 ? 128 : 32) - prefix.length);
}

/** Every address of a network as a host prefix, in order (`--deaggregate-networks`). */
export function deaggregate(prefix: IpPrefix): IpPrefix[] {
  const bytes = ipaddr.parse(prefix.address).toByteArray();
  let base = 0n;
  for (const byte of bytes) base = (base << 8n) | BigInt(byte);
  const out: IpPrefix[] = [];
  const count = prefixSize(prefix);
  for (let i = 0n; i < count; i++) {
    let value = base + i;
    const next = new Array<number>(bytes.length);
    for (let j = bytes.length - 1; j >= 0; j--) {
      next[j] = Number(value & 0xffn);
      value >>= 8n;
    }
    const addr = ipaddr.fromByteArray(next);
    out.push(makePrefix(addr, prefix.family === 6 ? 128 : 32, canonical(addr)));
  }
  return out;
}

/** Whether an address is in a loopback range (127.0.0.0/8, ::1). */
export function isLoopback(prefix: IpPrefix): boolean {
  const range = ipaddr.parse(prefix.address).range();
  return range === 'loopback';
}
