/**
 * A backup on disk is two files side by side: the dump (`studio-<UTC time>-<mode>.dump` or `.tar.gz`,
 * mode 0600) and its manifest (`...manifest.json`): when, how big, its sha256, the server version, the
 * migration level and the row count of every table, plus the last restore drill's result. File names
 * carry no secret: only the time and the mode.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { BackupError, toError } from '../../core/errors.js';

export const MANIFEST_FORMAT = 'studio-backup/1';

const verificationSchema = z.object({
  at: z.string(),
  status: z.enum(['ok', 'failed']),
  error: z.string().nullable(),
});

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  id: z.string(),
  /** File name of the dump, beside the manifest. */
  file: z.string(),
  createdAt: z.string(),
  mode: z.enum(['server', 'embedded']),
  kind: z.enum(['manual', 'scheduled', 'safety']),
  /** Where it came from: a data directory or host:port/database (no credentials). */
  source: z.string(),
  schema: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  serverVersion: z.string(),
  tool: z.string(),
  migrationLevel: z.string().nullable(),
  rowCounts: z.record(z.string(), z.number().int().nonnegative()),
  durationMs: z.number().nonnegative(),
  verification: verificationSchema.nullable().optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;

/** `20261128-183100` for a time (UTC, to the second). */
export function backupStamp(date: Date): string {
  const iso = date.toISOString(); // 2026-11-28T18:31:00.000Z
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

export function dumpFileName(id: string, mode: string, extension: string): string {
  return `studio-${id}-${mode}.${extension}`;
}

export function manifestPathFor(dumpPath: string): string {
  const name = basename(dumpPath).replace(/\.(dump|tar\.gz)$/, '');
  return join(dirname(dumpPath), `${name}.manifest.json`);
}

/** A free id for a backup made at `date` in `dir`: the stamp, or the stamp with -2, -3 ... */
export function freeBackupId(dir: string, date: Date, taken: (id: string) => boolean = () => false): string {
  const stamp = backupStamp(date);
  const present = existsSync(dir) ? readdirSync(dir) : [];
  for (let n = 1; ; n++) {
    const id = n === 1 ? stamp : `${stamp}-${n}`;
    if (!taken(id) && !present.some((f) => f.startsWith(`studio-${id}-`) && !/^\d/.test(f.slice(`studio-${id}-`.length)))) return id;
  }
}

/** Write the manifest next to the dump, atomically (temp file + rename), mode 0600. */
export async function writeManifest(path: string, manifest: Manifest): Promise<void> {
  const temp = `${path}.partial`;
  await writeFile(temp, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, path);
}

export function readManifest(path: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new BackupError(`backup: the manifest ${path} cannot be read: ${toError(error).message}`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new BackupError(`backup: ${path} is not a studio backup manifest (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

/** Every readable manifest in `dir` (unreadable ones are skipped and named in `skipped`). */
export function scanManifests(dir: string): { manifests: Array<{ path: string; manifest: Manifest }>; skipped: string[] } {
  if (!existsSync(dir)) return { manifests: [], skipped: [] };
  const manifests: Array<{ path: string; manifest: Manifest }> = [];
  const skipped: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.startsWith('studio-') && f.endsWith('.manifest.json')).sort()) {
    const path = join(dir, file);
    try {
      manifests.push({ path, manifest: readManifest(path) });
    } catch {
      skipped.push(path);
    }
  }
  return { manifests, skipped };
}

/** sha256 (hex) and size of a file, streamed. */
export async function hashFile(path: string): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    sizeBytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), sizeBytes };
}
