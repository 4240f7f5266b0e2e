import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { watchLogFile } from '../../src/core/log-watch.js';
import { rotateLogs } from '../../src/jobs/maintenance.js';

it('rotation by one process: another that follows the log reopens it, so no line is lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-logs-'));
  const file = join(dir, 'pipeline.log');
  const rotator = createLogger({ file });
  const other = createLogger({ file }); // e.g. the console on the same host
  const unwatch = watchLogFile(file, other.reopen, 20);
  other.logger.info('other before');
  rotator.logger.info('rotator before');
  const report = await rotateLogs({ logFile: file, clock: systemClock, reopen: rotator.reopen, settleMs: 200 });
  other.logger.info('other after');
  rotator.logger.info('rotator after');
  unwatch();
  expect(report.rotated).toHaveLength(1);
  expect(readdirSync(dir).sort()).toEqual(['pipeline.log', report.rotated[0]!.to.split('/').pop()]);
  const rotated = gunzipSync(readFileSync(report.rotated[0]!.to)).toString();
  const current = readFileSync(file, 'utf8');
  expect(rotated).toMatch(/other before/);
  expect(rotated).toMatch(/rotator before/);
  expect(current).toMatch(/other after/);
  expect(current).toMatch(/rotator after/);
  expect(rotated).not.toMatch(/after/);
});
