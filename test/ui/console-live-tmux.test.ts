/**
 * End to end on real data: the BUILT console (`bin/studio.js console`, no --demo) on an embedded
 * database in a real terminal (tmux). It loads the sample ideas into the empty database, hosts the
 * scheduler, shows the real panels; read-only refuses an action; q gives the terminal back.
 * Skipped, with a message, where tmux is not installed. Ink prints nothing while CI is set: `env -u CI`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { embeddedHomeFromTemplate, TEST_EMBEDDING_DIM } from '../helpers/db.js';

const BIN = fileURLToPath(new URL('../../bin/studio.js', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
const sessions: string[] = [];
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const pane = (name: string) => tmux('capture-pane', '-p', '-t', name);

function startConsole(home: string, args: string[], extraEnv = ''): string {
  const name = `studio-live-${process.pid}-${Date.now().toString(36)}-${sessions.length}`;
  sessions.push(name);
  const env = `env -u CI NO_COLOR=1 STUDIO_HOME=${home} EMBEDDING_DIM=${TEST_EMBEDDING_DIM} STUDIO_OPERATOR=erin ${extraEnv}`;
  tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '48', `echo BEFORE-CONSOLE; ${env} ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} console ${args.join(' ')}; echo "EXITED $?"; sleep 600`);
  return name;
}

async function waitForPane(name: string, test: (text: string) => boolean, what: string, ms = 60_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = pane(name);
    if (test(text)) return text;
    if (Date.now() > deadline) throw new Error(`tmux: waited for ${what}; pane:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
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
});
