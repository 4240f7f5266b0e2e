/**
 * What every operation is given. An operation is one operator action (or one read an adapter needs),
 * written once here and called by both adapters: the CLI commands (src/cli/) and the console's
 * ConsoleApi (src/app/console-backend.ts). It takes its dependencies (a slice of the app), the `Operator`
 * when it changes something, and its arguments; it does its transaction and writes its audit row
 * itself, so an action from the shell and from the console is the same code, the same transaction and
 * the same audit row (graphile-worker's WorkerUtils is the model).
 */
import type { App } from '../app.js';

export type { Operator, AuditEvent } from '../../core/operator.js';

/** The database, configuration, clock and logger: what most operations need. */
export type OpsDeps = Pick<App, 'db' | 'config' | 'clock' | 'logger'>;
