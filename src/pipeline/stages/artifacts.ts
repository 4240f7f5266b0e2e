/** Artifacts on disk: written whole or not at all (temp file + rename), so a crash never leaves half a file. */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function writeArtifact(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, path);
  return path;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
