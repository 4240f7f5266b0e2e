/**
 * PGlite's `dumpDataDir` writes tar entries with absolute names (`/PG_VERSION`, `/base/1/112`) and mode
 * 0666. An operator's `tar -xzf` then warns "Removing leading `/'" (GNU) or, with other tars, writes to
 * the root of the file system. This rewrites the (uncompressed) ustar archive in place: names relative
 * (`PG_VERSION`, `base/1/112`), files 0600 and directories 0700 (a database is private), checksums
 * recomputed. PGlite's loader joins each name to its data directory, so it reads both forms.
 */

const BLOCK = 512;

/** Octal field of `width` bytes: digits, then a NUL (as tar writes them). */
function writeOctal(header: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8).padStart(width - 1, '0');
  header.write(digits, offset, width - 1, 'ascii');
  header[offset + width - 1] = 0;
}

function readOctal(header: Buffer, offset: number, width: number): number {
  const text = header.toString('ascii', offset, offset + width).replace(/\0.*$/s, '').trim();
  return text ? parseInt(text, 8) : 0;
}

/** Remove leading slashes from a NUL-padded field, keeping its width. */
function stripLeadingSlashes(header: Buffer, offset: number, width: number): void {
  const field = header.subarray(offset, offset + width);
  let n = 0;
  while (n < width && field[n] === 0x2f) n++;
  if (n === 0) return;
  field.copy(field, 0, n);
  field.fill(0, width - n);
}

/** Rewrites a tar archive's headers (names relative, private modes); returns the same buffer. */
export function makeTarRelative(tar: Buffer): Buffer {
  let offset = 0;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break; // end of archive
    const prefix = header.toString('ascii', 345, 500).replace(/\0.*$/s, '');
    if (prefix) stripLeadingSlashes(header, 345, 155);
    else stripLeadingSlashes(header, 0, 100);
    const type = String.fromCharCode(header[156] || 0x30);
    if (type === '5') writeOctal(header, 100, 8, 0o700);
    else if (type === '0' || type === '\0') writeOctal(header, 100, 8, 0o600);
    // checksum: the header's bytes summed with the checksum field read as eight spaces
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, '0'), 148, 6, 'ascii');
    header[154] = 0;
    header[155] = 0x20;
    const size = readOctal(header, 124, 12);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return tar;
}
