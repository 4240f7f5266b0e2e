/**
 * End to end: the BUILT console (`bin/studio.js console --demo`) in a real terminal (tmux), driven with
 * send-keys and read with capture-pane. Skipped, with a message, where tmux is not installed.
 * Ink prints nothing while CI is set, so the console runs under `env -u CI`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE_ARGS } from '../helpers/cli.js';

const BIN = fileURLToPath(new URL('../../bin/studio.js', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
if (!hasTmux) console.warn('[studio] tmux is not installed: the console end-to-end test is skipped (apt-get install tmux)');

const sessions: string[] = [];
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });

function startConsole(args: string[]): string {
  const name = `studio-e2e-${process.pid}-${Date.now().toString(36)}-${sessions.length}`;
  sessions.push(name);
  const command = `echo BEFORE-CONSOLE; env -u CI -u NODE_EXTRA_CA_CERTS NO_COLOR=1 ${JSON.stringify(process.execPath)} ${NODE_ARGS.join(' ')} ${JSON.stringify(BIN)} console ${args.join(' ')}; echo "EXITED $?"; sleep 600`;
  tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '48', command);
  return name;
}

const pane = (name: string) => tmux('capture-pane', '-p', '-t', name);
/** One key at a time: keys arriving in one read look like a paste to Ink (several tabs are not a tab). */
async function keys(name: string, ...k: string[]): Promise<void> {
  for (const key of k) {
    tmux('send-keys', '-t', name, key);
    await new Promise((resolve) => setTimeout(resolve, 60));
  }
}

/** Poll the pane until `test` holds (10 s at most); the pane in the error when it never does. */
async function waitForPane(name: string, test: (text: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = pane(name);
    if (test(text)) return text;
    if (Date.now() > deadline) throw new Error(`tmux: waited 10 s for ${what}; pane:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

afterEach(() => {
  for (const name of sessions.splice(0)) spawnSync('tmux', ['kill-session', '-t', name], { stdio: 'ignore' });
});

describe.skipIf(!hasTmux)('the built console under tmux', () => {
  it('shows every panel, opens help, resets a stuck idea, and q restores the terminal', async () => {
    const s = startConsole(['--demo']);
    const first = await waitForPane(s, (t) => t.includes('Incidents') && t.includes('Logs'), 'the panels');
    for (const title of ['Budget', 'Services', 'KPIs', 'Pipeline', 'Jobs', 'Incidents', 'Logs']) expect(first).toMatch(new RegExp(`[─═] ${title} `));
    expect(first).toContain('DEMO');
    expect(first).not.toContain('BEFORE-CONSOLE'); // on the alternate screen
    expect(tmux('display-message', '-p', '-t', s, '#{alternate_on}').trim()).toBe('1');
    expect(first.trimEnd().split('\n').length).toBeLessThanOrEqual(47);

    await keys(s, '?');
    await waitForPane(s, (t) => t.includes('Help — keys') && t.includes('reset the selected stuck, parked or budget-waiting idea'), 'the help');
    await keys(s, 'Escape');
    await waitForPane(s, (t) => !t.includes('Help — keys') && t.includes('Incidents'), 'help closed');

    await keys(s, 'Tab', 'Tab', 'Tab');
    await waitForPane(s, (t) => t.includes('═ Pipeline '), 'pipeline focused');
    await keys(s, 'x');
    await waitForPane(s, (t) => t.includes('estimated cost'), 'the reset preview');
    await keys(s, 'y');
    await waitForPane(s, (t) => /✓ .* reset to DECK/.test(t), 'the reset done');

    await keys(s, 'q');
    const after = await waitForPane(s, (t) => t.includes('EXITED 0'), 'the console to exit');
    expect(after).toContain('BEFORE-CONSOLE'); // the previous screen is back
    expect(after).not.toContain('Incidents');
    expect(tmux('display-message', '-p', '-t', s, '#{alternate_on}').trim()).toBe('0');
    expect(tmux('display-message', '-p', '-t', s, '#{cursor_flag}').trim()).toBe('1'); // cursor visible again
  });

  it('--read-only refuses the reset with a message', async () => {
    const s = startConsole(['--demo', '--read-only']);
    await waitForPane(s, (t) => t.includes('Incidents') && t.includes('READ-ONLY'), 'the panels');
    await keys(s, 'Tab', 'Tab', 'Tab');
    await waitForPane(s, (t) => t.includes('═ Pipeline '), 'pipeline focused');
    await keys(s, 'x');
    const refused = await waitForPane(s, (t) => t.includes('read-only console'), 'the refusal');
    expect(refused).not.toContain('estimated cost');
    await keys(s, 'C-c');
    await waitForPane(s, (t) => /EXITED \d+/.test(t) && t.includes('BEFORE-CONSOLE'), 'ctrl-c to restore the terminal');
  });

  it('at 80x24 the mode badges come first and fit, the away line wraps whole onto two rows; enter answers [y/N] with No', async () => {
    const name = `studio-e2e-${process.pid}-${Date.now().toString(36)}-${sessions.length}`;
    sessions.push(name);
    tmux('new-session', '-d', '-s', name, '-x', '80', '-y', '24', `env -u CI -u NODE_EXTRA_CA_CERTS NO_COLOR=1 ${JSON.stringify(process.execPath)} ${NODE_ARGS.join(' ')} ${JSON.stringify(BIN)} console --demo; echo "EXITED $?"; sleep 600`);
    const first = await waitForPane(name, (t) => t.includes('Budget') && t.includes('While you were away'), 'the panels and the away line');
    const rows = first.split('\n');
    const at = rows.findIndex((r) => r.startsWith('While you were away'));
    expect(`${rows[at]!.trimEnd()} ${rows[at + 1]!.trim()}`).toMatch(/^While you were away \(since .* restore drill FAILED$/);
    expect(rows[at + 2]).toMatch(/^tab focus/); // the footer right under it, on the terminal's last rows
    await keys(name, 'Space');
    const paused = await waitForPane(name, (t) => t.includes('PAUSED'), 'PAUSED');
    expect(paused.split('\n')[0]).toMatch(/^studio DEMO\s+PAUSED\s+│ \w+ │ data as of/);
    await keys(name, 'P');
    await waitForPane(name, (t) => t.includes('reason:'), 'the reason prompt');
    await keys(name, 't', 'e', 's', 't', 'Enter');
    await waitForPane(name, (t) => t.includes('[y/N]'), 'the question');
    await keys(name, 'Enter');
    await waitForPane(name, (t) => t.includes('Pause all campaigns: cancelled'), 'cancelled');
    await keys(name, 'q');
    await waitForPane(name, (t) => t.includes('EXITED 0'), 'the exit');
  });
});
