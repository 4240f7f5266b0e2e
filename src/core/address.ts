/**
 * What kind of IP address a literal is: public, or one a fetch on a user's (or a search engine's) behalf
 * must not reach — loopback, private, carrier-grade NAT, link-local, unspecified, multicast, reserved or
 * documentation ranges, IPv4 inside IPv6 (mapped, NAT64, 6to4) judged by the IPv4 inside, unique-local.
 * IPv6 is parsed into its 16 bytes, so every spelling of an address (`::ffff:7f00:1`, `0:0::1`, a zone
 * suffix) is judged alike. Pure; used by the SSRF guard of web evidence search and by evidence scoring.
 */
import { isIP } from 'node:net';

export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'link-local'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'reserved'
  | 'unique-local'
  | 'not-an-address';

type V4Range = [a: number, b: number, c: number, d: number, bits: number, kind: AddressKind];

// first match wins; anything not listed is public
const V4_RANGES: V4Range[] = [
  [0, 0, 0, 0, 32, 'unspecified'],
  [0, 0, 0, 0, 8, 'reserved'], // "this network"
  [10, 0, 0, 0, 8, 'private'],
  [100, 64, 0, 0, 10, 'cgnat'],
  [127, 0, 0, 0, 8, 'loopback'],
  [169, 254, 0, 0, 16, 'link-local'],
  [172, 16, 0, 0, 12, 'private'],
  [192, 0, 0, 0, 24, 'reserved'], // IETF protocol assignments
  [192, 0, 2, 0, 24, 'documentation'], // TEST-NET-1
  [192, 88, 99, 0, 24, 'reserved'], // 6to4 relay anycast
  [192, 168, 0, 0, 16, 'private'],
  [198, 18, 0, 0, 15, 'reserved'], // benchmarking
  [198, 51, 100, 0, 24, 'documentation'], // TEST-NET-2
  [203, 0, 113, 0, 24, 'documentation'], // TEST-NET-3
  [224, 0, 0, 0, 4, 'multicast'],
  [255, 255, 255, 255, 32, 'broadcast'],
  [240, 0, 0, 0, 4, 'reserved'],
];

/** The four bytes of a dotted-quad IPv4 literal (what `net.isIP` accepts), else undefined. */
export function parseIPv4(text: string): number[] | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split('.').map(Number);
}

/** The sixteen bytes of an IPv6 literal (brackets and a %zone allowed), else undefined. */
export function parseIPv6(text: string): number[] | undefined {
  let bare = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIP(bare) !== 6) return undefined;
  // a dotted IPv4 tail becomes two hex groups
  bare = bare.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`,
  );
  const split = (s: string) => (s ? s.split(':') : []);
  let groups: string[];
  if (bare.includes('::')) {
    const [left = '', right = ''] = bare.split('::');
    const l = split(left);
    const r = split(right);
    groups = [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  } else groups = split(bare);
  if (groups.length !== 8) return undefined;
  const bytes: number[] = [];
  for (const g of groups) {
    const n = parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  return bytes;
}

function inV4(bytes: number[], range: V4Range): boolean {
  const [a, b, c, d, bits] = range;
  const want = [a, b, c, d];
  for (let i = 0; i < 4; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8));
    if (take === 0) return true;
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[i]! & mask) !== (want[i]! & mask)) return false;
  }
  return true;
}

function classifyV4(bytes: number[]): AddressKind {
  return V4_RANGES.find((range) => inV4(bytes, range))?.[5] ?? 'public';
}

function classifyV6(b: number[]): AddressKind {
  const zeroUpTo = (n: number) => b.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(16)) return 'unspecified';
  if (zeroUpTo(15) && b[15] === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (the old "compatible" form): the IPv4 inside decides
  if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff) return classifyV4(b.slice(12));
  if (zeroUpTo(12)) return classifyV4(b.slice(12)) === 'public' ? 'reserved' : classifyV4(b.slice(12));
  // 64:ff9b::/96 NAT64 well-known prefix: the IPv4 inside decides; 64:ff9b:1::/48 is local use
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    if (b.slice(4, 12).every((x) => x === 0)) return classifyV4(b.slice(12));
    return 'private';
  }
  // 2002::/16 6to4: the IPv4 in bytes 2..5 decides
  if (b[0] === 0x20 && b[1] === 0x02) {
    const inner = classifyV4(b.slice(2, 6));
    return inner === 'public' ? 'public' : inner;
  }
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return 'documentation'; // 2001:db8::/32
  if (b[0] === 0x3f && b[1] === 0xff && (b[2]! & 0xf0) === 0) return 'documentation'; // 3fff::/20
  if (b[0] === 0x20 && b[1] === 0x01 && b[2]! < 0x02) return 'reserved'; // 2001::/23 IETF (Teredo, ORCHID ...)
  if ((b[0]! & 0xfe) === 0xfc) return 'unique-local'; // fc00::/7
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return 'link-local'; // fe80::/10
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return 'private'; // fec0::/10 site-local (deprecated)
  if (b[0] === 0xff) return 'multicast';
  if ((b[0]! & 0xe0) !== 0x20) return 'reserved'; // outside 2000::/3 global unicast: not allocated
  return 'public';
}

/** The kind of an IP literal (dotted IPv4, IPv6 with or without brackets or zone). */
export function classifyAddress(address: string): AddressKind {
  const v4 = parseIPv4(address);
  if (v4) return classifyV4(v4);
  const v6 = parseIPv6(address);
  if (v6) return classifyV6(v6);
  return 'not-an-address';
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}

/** One spelling per address (IPv4 dotted; IPv6 as 8 lower-case hex groups), for comparing; undefined if not an IP. */
export function canonicalAddress(address: string): string | undefined {
  const v4 = parseIPv4(address);
  if (v4) return v4.join('.');
  const v6 = parseIPv6(address);
  if (!v6) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((v6[i]! << 8) | v6[i + 1]!).toString(16));
  return groups.join(':');
}
