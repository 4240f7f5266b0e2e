/**
 * One error tree for the whole program. Every error we raise is an `AppError` with a stable `code` and a
 * message that names the module and says what to do; `cause` keeps the original error. `toError` turns
 * anything caught into an `Error`.
 */
import { visibleControls } from './terminal-text.js';

export interface AppErrorOptions {
  cause?: unknown;
  /** Process exit code a CLI command uses when this error ends it. @default 1 */
  exitCode?: number;
}

export class AppError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A setting is missing or malformed; start-up stops. */
export class ConfigError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('CONFIG', message, { exitCode: 2, ...options });
  }
}

/** What the user typed or sent is wrong; nothing was written. */
export class InvalidInputError extends AppError {
  readonly problems: string[];
  constructor(message: string, problems: string[] = [], options: AppErrorOptions = {}) {
    super('INVALID_INPUT', message, options);
    this.problems = problems;
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('NOT_FOUND', message, options);
  }
}

/** The database could not be reached or refused a statement. */
export class DatabaseError extends AppError {
  /** The connection failed (refused, reset, timed out, lost), not the statement: worth waiting out. */
  readonly unreachable: boolean;
  constructor(message: string, options: AppErrorOptions & { unreachable?: boolean } = {}) {
    super('DATABASE', message, { exitCode: 2, ...options });
    this.unreachable = options.unreachable ?? false;
  }
}

/** The database is out of reach (an outage to ride out), as the storage layer classified it. */
export function isDatabaseUnreachable(error: unknown): error is DatabaseError {
  return error instanceof DatabaseError && error.unreachable;
}

/** A paid call was refused because it would pass a budget cap, or spending is shut down. */
export class BudgetExceededError extends AppError {
  readonly category: string;
  constructor(message: string, category: string, options: AppErrorOptions = {}) {
    super('BUDGET_EXCEEDED', message, options);
    this.category = category;
  }
}

export interface ProviderErrorOptions extends AppErrorOptions {
  provider: string;
  status?: number;
  requestId?: string;
  retryable?: boolean;
  /**
   * Tokens the service billed although the answer could not be used (a malformed model answer): the
   * budget settles them instead of releasing the reservation, so spend matches the invoice.
   */
  billed?: { model: string; inputTokens: number; cachedInputTokens?: number; outputTokens: number };
}

/** An external service (OpenAI, Google Ads, PostHog, a notifier) failed. */
export class ProviderError extends AppError {
  readonly provider: string;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly retryable: boolean;
  readonly billed: ProviderErrorOptions['billed'];
  constructor(message: string, options: ProviderErrorOptions) {
    // provider messages quote what the service answered: stored and shown with its controls made visible
    super('PROVIDER', visibleControls(message, { singleLine: true }), options);
    this.provider = options.provider;
    this.status = options.status;
    this.requestId = options.requestId;
    this.retryable = options.retryable ?? false;
    this.billed = options.billed;
  }
}

/**
 * A service is known to be down (its circuit breaker is open): nothing was sent. Work that needs it waits
 * until `retryAt` instead of counting a failure.
 */
export class ServiceUnavailableError extends ProviderError {
  readonly retryAt: Date;
  constructor(message: string, options: ProviderErrorOptions & { retryAt: Date }) {
    super(message, { ...options, retryable: true });
    this.retryAt = options.retryAt;
  }
}

/** An operator asked for something that needs `--confirm` (or a typed confirmation). */
export class ConfirmationRequiredError extends AppError {
  constructor(message: string) {
    super('CONFIRMATION_REQUIRED', message);
  }
}

/** A backup, restore drill or restore could not be done (tools missing, wrong version, corrupt file ...). */
export class BackupError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('BACKUP', message, options);
  }
}

/** Another process changed the same thing at the same moment; running the action again is safe. */
export class ConflictError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('CONFLICT', message, options);
  }
}

/** A job run (by hand or on schedule) ended failed or timed out; the message carries its error. */
export class JobFailedError extends AppError {
  readonly job: string;
  constructor(message: string, job: string, options: AppErrorOptions = {}) {
    super('JOB_FAILED', message, options);
    this.job = job;
  }
}

/** A broken invariant of our own code (a bug, or a broken installation), never the user's input. */
export class InternalError extends AppError {
  constructor(message: string, options: AppErrorOptions = {}) {
    super('INTERNAL', message, options);
  }
}

/** Anything thrown, as an Error. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (typeof value === 'string') return new Error(value);
  try {
    return new Error(JSON.stringify(value));
  } catch {
    return new Error(String(value));
  }
}

/**
 * An error that is the operator's to fix (a typo, a missing flag, a name that does not exist, a refusal
 * asked for by design), not the system's: logged without a stack and below WARNING.
 */
export function isUsageError(error: unknown): boolean {
  return error instanceof InvalidInputError || error instanceof NotFoundError || error instanceof ConfirmationRequiredError;
}
