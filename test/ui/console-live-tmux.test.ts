/**
 * End to end on real data: the BUILT console (`bin/studio.js console`, no --demo) on an embedded
 * database in a real terminal (tmux). It loads the sample ideas into the empty database, hosts the
 * scheduler, shows the real panels; read-only refuses an action; q gives the terminal back.
 * Skipped, with a message, where tmux is not installed. Ink prints nothing while CI is set: `env -u CI`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { describeServer, embeddedHomeFromTemplate, TEST_EMBEDDING_DIM } from '../helpers/db.js';
import { startFakeOpenAi, type FakeOpenAi } from '../helpers/fake-openai.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { NODE_ARGS, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { createPgliteDatabase } from '../../src/storage/pglite.js';

const BIN = fileURLToPath(new URL('../../bin/studio.js', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
const sessions: string[] = [];
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const pane = (name: string) => tmux('capture-pane', '-p', '-t', name);
/** The pane with wrapped lines joined (-J), for lines longer than the terminal is wide. */
const joinedPane = (name: string) => tmux('capture-pane', '-p', '-J', '-t', name);

function startConsole(home: string, args: string[], extraEnv = '', size = { columns: 160, rows: 48 }): string {
  const name = `studio-live-${process.pid}-${Date.now().toString(36)}-${sessions.length}`;
  sessions.push(name);
  const env = `env -u CI -u NODE_EXTRA_CA_CERTS NO_COLOR=1 STUDIO_HOME=${home} EMBEDDING_DIM=${TEST_EMBEDDING_DIM} STUDIO_OPERATOR=erin ${extraEnv}`;
  tmux('new-session', '-d', '-s', name, '-x', String(size.columns), '-y', String(size.rows), `echo BEFORE-CONSOLE; ${env} ${JSON.stringify(process.execPath)} ${NODE_ARGS.join(' ')} ${JSON.stringify(BIN)} console ${args.join(' ')}; echo "EXITED $?"; sleep 600`);
  return name;
}

/** The pid of the console's node process in a session (env execs node: the shell's child). */
function consolePid(name: string): number {
  const shell = tmux('display-message', '-p', '-t', name, '#{pane_pid}').trim();
  const child = execFileSync('pgrep', ['-P', shell], { encoding: 'utf8' }).trim().split('\n')[0]!;
  return Number(child);
}

const chatCalls = (fake: FakeOpenAi) => fake.requests.filter((r) => r.path.startsWith('/chat/')).length;

function waitForPane(name: string, test: (text: string) => boolean, what: string, ms = 60_000): Promise<string> {
  return waitFor(
    `tmux: ${what}`,
    () => {
      const text = pane(name);
      return test(text) && text;
    },
    { timeoutMs: ms, intervalMs: 200, detail: () => `pane:\n${pane(name)}` },
  );
}

/** `KEY=value ...` for the shell line that starts the console. */
const envLine = (env: Record<string, string>) => Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ');

/** The test database behind a TCP proxy that can be made to stop answering, and the env line pointing at it. */
async function proxiedDatabase(env: Record<string, string>) {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.port = String(proxy.port);
  return { proxy, envText: envLine({ ...env, DATABASE_URL: url.toString() }) };
}

/** Run pipeline.tick now, as an operator would: focus Jobs, filter to it, j (not the minute's own tick). */
async function runTickNow(name: string): Promise<void> {
  for (let i = 0; i < 4; i++) tmux('send-keys', '-t', name, 'Tab');
  // focused: the compact summary's ›Jobs at 80x24, the double border in the grid
  await waitForPane(name, (t) => t.includes('›Jobs') || t.includes('╔═ Jobs'), 'the Jobs panel focused', 15_000);
  tmux('send-keys', '-t', name, '/');
  tmux('send-keys', '-t', name, '-l', 'pipeline.tick');
  tmux('send-keys', '-t', name, 'Enter');
  await waitForPane(name, (t) => t.includes('/pipeline.tick') && t.includes('›pipeline.tick'), 'the Jobs list filtered to pipeline.tick', 15_000);
  tmux('send-keys', '-t', name, 'j');
}

afterEach(() => {
  for (const name of sessions.splice(0)) spawnSync('tmux', ['kill-session', '-t', name], { stdio: 'ignore' });
});

describe.skipIf(!hasTmux)('the built console on a real embedded database, under tmux', () => {
  it('loads the sample ideas, shows the real panels, and q restores the terminal; read-only refuses actions', { timeout: 180_000 }, async () => {
    const home = await embeddedHomeFromTemplate('studio-live-');
    const s = startConsole(home, []);
    const screen = await waitForPane(s, (t) => t.includes('Incidents') && /IDEATE|RESEARCH|DECK/.test(t) && t.includes('pipeline.tick'), 'the live panels');
    for (const title of ['Budget', 'Services', 'KPIs', 'Pipeline', 'Jobs', 'Incidents', 'Logs']) expect(screen).toMatch(new RegExp(`[─═] ${title} `));
    expect(screen).not.toContain('DEMO');
    expect(screen).toContain('embedded');
    expect(screen).toContain('$62.00');
    expect(screen).toContain('scheduler in-process');
    expect(screen).not.toContain('BEFORE-CONSOLE');
    tmux('send-keys', '-t', s, 'q');
    const after = await waitForPane(s, (t) => t.includes('EXITED'), 'the console to exit', 30_000);
    expect(after).toContain('EXITED 0');
    expect(after).toContain('BEFORE-CONSOLE'); // the previous screen is back
    expect(tmux('display-message', '-p', '-t', s, '#{alternate_on}').trim()).toBe('0');

    // a second session of the same operator, read-only: it says what happened meanwhile and refuses actions
    const r = startConsole(home, ['--read-only']);
    await waitForPane(r, (t) => t.includes('READ-ONLY') && t.includes('While you were away'), 'the read-only console');
    tmux('send-keys', '-t', r, 'h');
    await waitForPane(r, (t) => /read-only/i.test(t) && /refused/i.test(t), 'the refusal', 15_000);
    tmux('send-keys', '-t', r, 'q');
    await waitForPane(r, (t) => t.includes('EXITED 0'), 'the read-only console to exit', 30_000);
  });

  it('starts while OpenAI is unreachable: the service is CRITICAL with an incident, the failed sample load is in the logs', { timeout: 180_000 }, async () => {
    const home = await embeddedHomeFromTemplate('studio-live-down-');
    // a port nothing listens on (a real socket, bound then closed)
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as import('node:net').AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const s = startConsole(home, [], `OPENAI_API_KEY=sk-test-DOWNDOWNDOWN0123456789 OPENAI_BASE_URL=http://127.0.0.1:${port}/v1 OPENAI_MAX_RETRIES=0`);
    const screen = await waitForPane(s, (t) => /openai\s+CRITICAL/.test(t) && t.includes('service:openai'), 'openai CRITICAL with its incident');
    expect(screen).toContain('could not load the sample ideas');
    expect(screen).not.toContain('DOWNDOWNDOWN');
    tmux('send-keys', '-t', s, 'q');
    expect(await waitForPane(s, (t) => t.includes('EXITED'), 'the console to exit', 30_000)).toContain('EXITED 0');
  });

  it('q while pipeline.tick runs a stage: says what it stops, gives the terminal back, exits 0; the stage resumes untouched', { timeout: 240_000 }, async () => {
    const fake = await startFakeOpenAi();
    fake.chatDelayMs = 600_000; // the research summary never answers: the stage is in flight when q comes
    try {
      const home = await embeddedHomeFromTemplate('studio-live-quit-');
      const s = startConsole(home, [], `OPENAI_API_KEY=sk-test-QUITQUIT0123456789 OPENAI_BASE_URL=${fake.url} OPENAI_MAX_RETRIES=0`, { columns: 80, rows: 24 });
      await waitForPane(s, (t) => t.includes('Budget'), 'the console');
      // the tick claims a sample idea and calls the model for its research summary
      await runTickNow(s);
      await waitFor('a stage calling the model', () => chatCalls(fake) > 0, { timeoutMs: 150_000, intervalMs: 200 });
      tmux('send-keys', '-t', s, 'q');
      await waitForPane(s, (t) => t.includes('EXITED'), 'the console to exit', 30_000);
      // at 80 columns the line wraps; another job (health.check) may be running beside the stage
      const after = joinedPane(s);
      expect(after).toMatch(/stopping: pipeline\.tick \(RESEARCH "[^"]+"\)(, [\w.]+( \([^)]*\))?)* —/);
      expect(after).toContain('q again to force');
      expect(after).toContain('EXITED 0');
      expect(after).toContain('BEFORE-CONSOLE');
      expect(tmux('display-message', '-p', '-t', s, '#{alternate_on}').trim()).toBe('0');

      const db = await createPgliteDatabase({ dataDir: join(home, 'data/pglite') });
      try {
        const runs = await db.query<{ state: string; error: string; attempt: number }>("select state, error, attempt from stage_runs where stage = 'RESEARCH'");
        expect(runs.rows).toHaveLength(1);
        expect(runs.rows[0]).toMatchObject({ state: 'waiting', attempt: 1 });
        expect(runs.rows[0]!.error).toMatch(/^interrupted: .*resumes on the next run/);
        const held = await db.query<{ n: number }>("select count(*)::int as n from spend_ledger where state = 'reserved'");
        expect(held.rows[0]!.n).toBe(0); // the summary's reservation was handed back, not left to expire
        const locked = await db.query<{ n: number }>('select count(*)::int as n from ideas where locked_by is not null');
        expect(locked.rows[0]!.n).toBe(0);
      } finally {
        await db.close();
      }
    } finally {
      await fake.close();
    }
  });
});

describeServer('the built console against PostgreSQL, under tmux', (t) => {
  it('a killed console (kill -9 mid-stage): the next run resumes the stage and charges nothing twice', { timeout: 240_000 }, async () => {
    if (!hasTmux) return;
    const fake = await startFakeOpenAi();
    const env = { ...t.env, OPENAI_API_KEY: 'sk-test-KILLKILL0123456789', OPENAI_BASE_URL: fake.url, OPENAI_MAX_RETRIES: '0', STAGE_LEASE: '2s', BUDGET_RESERVATION_LEASE: '2s', LOG_LEVEL: 'info' };
    const envText = envLine(env);
    try {
      const created = await runCli(['create', '--title', 'Pickup ordering for independent bakeries', '--description', 'Bakeries take online orders with pickup slots, fewer phone orders and less waste.', '--category', 'saas'], { env });
      expect(created.code, created.stderr).toBe(0);
      fake.chatDelayMs = 600_000;
      const s = startConsole(t.home, ['--scheduler'], envText);
      await waitForPane(s, (text) => text.includes('Budget'), 'the console');
      await runTickNow(s);
      await waitFor('a stage calling the model', () => chatCalls(fake) > 0, { timeoutMs: 150_000, intervalMs: 200 });
      const held = await t.db.query<{ key: string }>("select idempotency_key as key from spend_ledger where state = 'reserved'");
      expect(held.rows).toHaveLength(1); // the summary's money is held while the call hangs
      const paid = await t.db.query<{ key: string; cents: number }>("select idempotency_key as key, amount_cents::int as cents from spend_ledger where state = 'settled' order by 1");
      process.kill(consolePid(s), 'SIGKILL');
      await waitForPane(s, (text) => text.includes('EXITED'), 'the killed console');

      // the next start (a pipeline worker here): the lease lapses, the run resumes under its key
      fake.chatDelayMs = 0;
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const next = await runCli(['pipeline', 'run', '--until-idle'], { env, timeoutMs: 120_000 });
      expect(next.code, next.stderr).toBe(0);
      const runs = await t.db.query<{ stage: string; attempt: number; state: string }>("select stage, attempt, state from stage_runs where stage = 'RESEARCH'");
      expect(runs.rows).toEqual([{ stage: 'RESEARCH', attempt: 1, state: 'passed' }]);
      const ledger = await t.db.query<{ key: string; state: string; cents: number }>('select idempotency_key as key, state, amount_cents::int as cents from spend_ledger order by 1');
      for (const p of paid.rows) expect(ledger.rows.filter((r) => r.key === p.key)).toEqual([{ key: p.key, state: 'settled', cents: p.cents }]);
      expect(ledger.rows.find((r) => r.key === held.rows[0]!.key)).toMatchObject({ state: 'settled' }); // paid once, on the resumed call
      expect(ledger.rows.some((r) => r.key.includes(':RESEARCH:2:'))).toBe(false);
      expect(ledger.rows.filter((r) => r.state === 'reserved')).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('the database stops answering: the header turns STALE with the data age and r says so; it recovers', { timeout: 180_000 }, async () => {
    if (!hasTmux) return;
    const { proxy, envText } = await proxiedDatabase(t.env);
    try {
      const s = startConsole(t.home, ['--no-scheduler', '--refresh', '1s'], envText, { columns: 80, rows: 24 });
      const fresh = await waitForPane(s, (text) => text.includes('Budget') && text.includes('data as of'), 'the console');
      expect(fresh.split('\n')[0]).not.toContain('STALE');
      proxy.hang();
      const stale = await waitForPane(s, (text) => text.split('\n')[0]!.includes('STALE'), 'STALE', 30_000);
      expect(stale.split('\n')[0]).toMatch(/^studio\s+STALE\s+│ \w+ │ data as of \d\d:\d\d:\d\d \(\d+s old\)/);
      tmux('send-keys', '-t', s, 'r');
      await waitForPane(s, (text) => text.includes('the database has not answered for'), 'r explaining the hang', 15_000);
      proxy.resume();
      await waitForPane(s, (text) => !text.split('\n')[0]!.includes('STALE'), 'fresh data again', 60_000);
      tmux('send-keys', '-t', s, 'q');
      expect(await waitForPane(s, (text) => text.includes('EXITED'), 'the exit', 30_000)).toContain('EXITED 0');
    } finally {
      proxy.resume();
      await proxy.close();
    }
  });

  it('q while the database stopped answering: it says what it waits for, and a second q forces the exit', { timeout: 180_000 }, async () => {
    if (!hasTmux) return;
    const { proxy, envText } = await proxiedDatabase(t.env);
    try {
      const s = startConsole(t.home, ['--scheduler'], envText, { columns: 80, rows: 24 });
      await waitForPane(s, (text) => text.includes('Budget') && text.includes('Jobs'), 'the console');
      proxy.hang();
      tmux('send-keys', '-t', s, 'q');
      await waitForPane(s, (text) => text.includes('q again to force'), 'the stopping line', 15_000);
      tmux('send-keys', '-t', s, 'q');
      const after = await waitForPane(s, (text) => text.includes('EXITED'), 'the forced exit', 15_000);
      expect(after).toContain('forced: did not wait');
      expect(after).toContain('EXITED 130');
      expect(tmux('display-message', '-p', '-t', s, '#{alternate_on}').trim()).toBe('0');
    } finally {
      proxy.resume();
      await proxy.close();
    }
  });
});
