/**
 * The whole command table: every command group registered on the root program, in the order `studio
 * --help` lists them. `studio --help`, an unknown command and the docs use it; a known command builds
 * only its own group (`main.ts`, `COMMAND_GROUPS`).
 */
import type { Command } from 'commander';
import { registerConfig } from './config-cmd.js';
import { registerDb } from './db.js';
import { registerBudget } from './budget.js';
import { registerJobs } from './jobs.js';
import { registerMaintenance } from './maintenance.js';
import { registerScheduler } from './scheduler.js';
import { registerBackup } from './backup.js';
import { registerHealth } from './health.js';
import { registerIncidents } from './incidents.js';
import { registerLogs } from './logs.js';
import { registerReport } from './report.js';
import { registerIdeas } from './ideas.js';
import { registerConsole } from './console.js';
import { registerCampaigns } from './campaigns.js';
import { registerAudit } from './audit.js';
import { registerNotify } from './notify.js';
import { createRootProgram } from './root.js';

/** Every group's registration, in help order. */
export const REGISTER_ALL: ReadonlyArray<(program: Command) => void> = [
  registerConfig,
  registerDb,
  registerBudget,
  registerScheduler,
  registerJobs,
  registerMaintenance,
  registerBackup,
  registerHealth,
  registerIncidents,
  registerCampaigns,
  registerNotify,
  registerAudit,
  registerLogs,
  registerReport,
  registerIdeas,
  registerConsole,
];

/** The root program with every command. */
export function buildProgram(): Command {
  const program = createRootProgram();
  for (const register of REGISTER_ALL) register(program);
  return program;
}
