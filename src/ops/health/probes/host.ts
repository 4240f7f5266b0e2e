/**
 * The host probe: memory in use (MemAvailable from /proc/meminfo where there is one), disk usage of the
 * data, log and backup paths (the fullest decides), and the load average per core.
 */
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { ServiceProbe, ServiceState } from '../../../core/health.js';
import { levelForValue } from '../../../core/health.js';
import { worstLevel, type Level } from '../../../core/types.js';
import { KPI_THRESHOLDS, LOAD_PER_CORE_WARNING } from '../thresholds.js';

export interface HostProbeOptions {
  /** Paths whose file systems are checked (data, logs, backups). Missing paths are checked at their nearest existing parent. */
  paths: Record<string, string>;
  /** Read memory figures (tests). */
  memory?: () => { totalBytes: number; availableBytes: number };
  /** Read disk figures for a path (tests). */
  disk?: (path: string) => { totalBytes: number; freeBytes: number };
}

export function createHostProbe(options: HostProbeOptions): ServiceProbe {
  const readMemory = options.memory ?? systemMemory;
  const readDisk = options.disk ?? systemDisk;
  return {
    name: 'host',
    async probe(): Promise<ServiceState> {
      const problems: Array<[Level, string]> = [];
      const memory = readMemory();
      const memoryPct = round((100 * (memory.totalBytes - memory.availableBytes)) / Math.max(1, memory.totalBytes));
      const memoryLevel = levelForValue(memoryPct, KPI_THRESHOLDS.memory_pct);
      if (memoryLevel !== 'HEALTHY') problems.push([memoryLevel, `memory ${memoryPct}% used`]);

      const disks: Record<string, { path: string; pct: number; freeBytes: number; totalBytes: number }> = {};
      for (const [label, path] of Object.entries(options.paths)) {
        const at = nearestExisting(path);
        const disk = readDisk(at);
        const pct = round((100 * (disk.totalBytes - disk.freeBytes)) / Math.max(1, disk.totalBytes));
        disks[label] = { path, pct, freeBytes: disk.freeBytes, totalBytes: disk.totalBytes };
        const level = levelForValue(pct, KPI_THRESHOLDS.disk_pct);
        if (level !== 'HEALTHY') problems.push([level, `disk of ${label} (${path}) ${pct}% used`]);
      }
      const diskPct = Math.max(0, ...Object.values(disks).map((d) => d.pct));

      const cores = Math.max(1, cpus().length);
      const [load1, load5, load15] = loadavg();
      const perCore = round((load5 ?? 0) / cores);
      if (perCore > LOAD_PER_CORE_WARNING) problems.push(['WARNING', `load ${round(load5 ?? 0)} on ${cores} cores`]);

      return {
        name: 'host',
        level: worstLevel('HEALTHY', ...problems.map(([l]) => l)),
        reason: problems.length > 0 ? problems.map(([, r]) => r).join('; ') : 'ok',
        details: {
          memoryPct,
          memory,
          diskPct,
          disks,
          load: { load1: round(load1 ?? 0), load5: round(load5 ?? 0), load15: round(load15 ?? 0), cores, perCore },
          processRssBytes: process.memoryUsage.rss(),
        },
      };
    },
  };
}

function systemMemory(): { totalBytes: number; availableBytes: number } {
  try {
    const info = readFileSync('/proc/meminfo', 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(info)?.[1] ?? NaN) * 1024;
    const total = field('MemTotal');
    const available = field('MemAvailable');
    if (Number.isFinite(total) && Number.isFinite(available)) return { totalBytes: total, availableBytes: available };
  } catch {
    // not Linux: fall back to what os reports
  }
  return { totalBytes: totalmem(), availableBytes: freemem() };
}

function systemDisk(path: string): { totalBytes: number; freeBytes: number } {
  const stats = statfsSync(path);
  return { totalBytes: stats.blocks * stats.bsize, freeBytes: stats.bavail * stats.bsize };
}

function nearestExisting(path: string): string {
  let at = path;
  while (!existsSync(at)) {
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  return at;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
