/**
 * The deployment files as an operator's tools see them: systemd-analyze rates and verifies the units,
 * the install script runs into an alternate root (a path with a space), shellcheck reads the scripts,
 * and health_check.sh runs from an install path with a space with monitoring-plugins exit codes.
 */
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { embeddedHomeFromTemplate } from '../helpers/db.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DEPLOY = join(REPO, 'deploy');
const SERVICES = ['agentic-pipeline.service', 'agentic-pipeline-health.service'];
const UNITS = [...SERVICES, 'agentic-pipeline-health.timer'];
const INSTALL_PATH = '/opt/agentic-startup-studio';
const STUDIO_HOME = '/var/lib/agentic-startup-studio';

async function has(command: string): Promise<boolean> {
  return (await execa('sh', ['-c', `command -v ${command}`], { reject: false })).exitCode === 0;
}
const systemdAnalyze = await has('systemd-analyze');
const shellcheck = await has('shellcheck');
const isRoot = process.getuid?.() === 0;

/** A directory whose path contains a space. */
function spacedDir(prefix: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), prefix)), 'with space');
  mkdirSync(dir, { recursive: true });
  return dir;
}

const unitText = (name: string) => readFileSync(join(DEPLOY, name), 'utf8');
const setting = (text: string, key: string) => text.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));

describe('systemd units', () => {
  it.skipIf(!systemdAnalyze)('systemd-analyze verify passes with nothing to say', async () => {
    const result = await execa('systemd-analyze', ['verify', ...UNITS.map((u) => join(DEPLOY, u))], { reject: false });
    expect({ exit: result.exitCode, stderr: String(result.stderr) }).toEqual({ exit: 0, stderr: '' });
  });

  it.skipIf(!systemdAnalyze)('systemd-analyze security --offline rates both services at exposure <= 4.0', async () => {
    for (const unit of SERVICES) {
      const result = await execa('systemd-analyze', ['security', '--offline=yes', '--no-pager', join(DEPLOY, unit)], { reject: false });
      const exposure = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(String(result.stdout));
      expect(exposure, `${unit}: ${String(result.stdout).slice(-300)}${String(result.stderr)}`).not.toBeNull();
      expect(Number(exposure![1]), unit).toBeLessThanOrEqual(4.0);
    }
  });

  it.skipIf(systemdAnalyze)('systemd-analyze is not installed: the verify and security checks are skipped', () => {
    console.warn('deploy.test: systemd-analyze not found (apt-get install systemd); unit verification skipped');
  });

  it('both services run as studio with STUDIO_HOME set explicitly, the install path in ExecStart, and V8 left its W+X memory', () => {
    for (const unit of SERVICES) {
      const text = unitText(unit);
      expect(setting(text, 'User'), unit).toEqual(['studio']);
      expect(setting(text, 'Environment'), unit).toContain(`STUDIO_HOME=${STUDIO_HOME}`);
      expect(setting(text, 'StateDirectory'), unit).toEqual(['agentic-startup-studio']);
      expect(setting(text, 'ExecStart')[0], unit).toContain(`${INSTALL_PATH}/`);
      expect(setting(text, 'MemoryDenyWriteExecute'), unit).toEqual([]);
    }
    expect(setting(unitText('agentic-pipeline-health.service'), 'ExecStart')).toEqual([`bash ${INSTALL_PATH}/scripts/health_check.sh`]);
    expect(setting(unitText('agentic-pipeline-health.timer'), 'OnCalendar')).toEqual(['*:0/5']);
  });
});

describe('scripts/install-systemd.sh', () => {
  const script = join(REPO, 'scripts/install-systemd.sh');

  it('installs user, STUDIO_HOME and units into --root (a path with a space), enables them, and a second run changes nothing', async () => {
    const root = spacedDir('studio-install-');
    mkdirSync(join(root, 'opt'));
    symlinkSync(REPO, join(root, INSTALL_PATH)); // the release at the install path
    const first = await execa('bash', [script, '--root', root], { reject: false });
    expect(first.exitCode, String(first.stderr)).toBe(0);
    expect(String(first.stderr)).toBe('');
    expect(String(first.stdout)).toContain('user studio: created');

    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8').split('\n').find((l) => l.startsWith('studio:'));
    const [, , uid, gid, , home, shell] = passwd!.split(':');
    expect({ home, shell }).toEqual({ home: STUDIO_HOME, shell: expect.stringMatching(/nologin$/) });
    expect(Number(uid)).toBeLessThan(1000); // a system user
    expect(readFileSync(join(root, 'etc/group'), 'utf8')).toMatch(new RegExp(`^studio:x:${gid}:`, 'm'));

    const homeStat = statSync(join(root, STUDIO_HOME));
    expect(homeStat.mode & 0o777).toBe(0o700);
    if (isRoot) expect({ uid: homeStat.uid, gid: homeStat.gid }).toEqual({ uid: Number(uid), gid: Number(gid) });
    for (const unit of UNITS) {
      const installed = join(root, 'etc/systemd/system', unit);
      expect(readFileSync(installed, 'utf8'), unit).toBe(unitText(unit));
      expect(statSync(installed).mode & 0o777).toBe(0o644);
    }
    if (await has('systemctl')) {
      expect(readlinkSync(join(root, 'etc/systemd/system/multi-user.target.wants/agentic-pipeline.service'))).toBe('/etc/systemd/system/agentic-pipeline.service');
      expect(lstatSync(join(root, 'etc/systemd/system/timers.target.wants/agentic-pipeline-health.timer')).isSymbolicLink()).toBe(true);
    }

    const mtimes = UNITS.map((u) => statSync(join(root, 'etc/systemd/system', u)).mtimeMs);
    const again = await execa('bash', [script, '--root', root], { reject: false });
    expect(again.exitCode, String(again.stderr)).toBe(0);
    expect(String(again.stdout)).toContain('user studio: exists');
    expect(String(again.stdout).match(/up to date/g)).toHaveLength(UNITS.length);
    expect(UNITS.map((u) => statSync(join(root, 'etc/systemd/system', u)).mtimeMs)).toEqual(mtimes);
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8').match(/^studio:/gm)).toHaveLength(1);
  });

  it('refuses without a release at the install path, and on a bad option, with one line', async () => {
    const root = spacedDir('studio-install-empty-');
    const missing = await execa('bash', [script, '--root', root], { reject: false });
    expect(missing.exitCode).toBe(1);
    expect(String(missing.stderr).trim().split('\n')).toEqual([expect.stringMatching(/^install-systemd: no release at .*\/opt\/agentic-startup-studio \(bin\/studio\.js\); put it there first/)]);
    expect(existsSync(join(root, 'etc'))).toBe(false); // nothing half done
    const bad = await execa('bash', [script, '--frobnicate'], { reject: false });
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr).trim()).toBe('install-systemd: unknown option "--frobnicate"; see --help');
  });
});

describe('scripts/health_check.sh', () => {
  const scripts = ['scripts/health_check.sh', 'scripts/install-systemd.sh'];

  it.skipIf(!shellcheck)('shellcheck finds nothing in the shipped scripts', async () => {
    const result = await execa('shellcheck', ['--severity=style', ...scripts], { cwd: REPO, reject: false });
    expect(String(result.stdout) + String(result.stderr)).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('names the install path and STUDIO_HOME of the units', () => {
    const text = readFileSync(join(REPO, 'scripts/health_check.sh'), 'utf8');
    expect(text).toContain(`${INSTALL_PATH}/scripts/health_check.sh`);
    expect(text).toContain(`export STUDIO_HOME="\${STUDIO_HOME:-${STUDIO_HOME}}"`);
  });

  /** A release under a path with a space: the real tree linked in, the script copied (its own dir is real). */
  function spacedInstall(): string {
    const dir = join(spacedDir('studio-hc-'), 'agentic startup studio');
    mkdirSync(join(dir, 'scripts'), { recursive: true });
    for (const entry of ['bin', 'dist', 'node_modules', 'migrations', 'examples', 'package.json']) symlinkSync(join(REPO, entry), join(dir, entry));
    cpSync(join(REPO, 'scripts/health_check.sh'), join(dir, 'scripts/health_check.sh'));
    return join(dir, 'scripts/health_check.sh');
  }
  const run = (script: string, env: Record<string, string>, cwd?: string) =>
    execa('bash', [script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, extendEnv: false, reject: false, cwd, timeout: 240_000 });
  const verdict = (stdout: unknown) => String(stdout).split('\n')[0]!;

  it('runs from an install path with a space on a STUDIO_HOME with a space: a report, the plugin code of its level', { timeout: 300_000 }, async () => {
    const script = spacedInstall();
    const home = await embeddedHomeFromTemplate('studio hc home ');
    const result = await run(script, { STUDIO_HOME: home, EMBEDDING_DIM: '64' });
    const names = ['OK', 'WARNING', 'CRITICAL'];
    expect([0, 1, 2], String(result.stdout) + String(result.stderr)).toContain(result.exitCode);
    expect(verdict(result.stdout)).toMatch(new RegExp(`^STUDIO ${names[result.exitCode!]} - `));
    expect(String(result.stdout)).toMatch(/^(✅|⚠️ |❌) database: (HEALTHY|WARNING|CRITICAL) /m);
    expect(String(result.stdout)).toContain(`STUDIO_HOME: ${home}`);
    expect(String(result.stderr)).not.toContain('Cannot find module');
  });

  it('UNKNOWN (3), not WARNING, when node crashes', { timeout: 120_000 }, async () => {
    const script = spacedInstall();
    const home = mkdtempSync(join(tmpdir(), 'studio-hc-crash-'));
    const crash = join(home, 'crash.cjs');
    writeFileSync(crash, "throw new Error('simulated crash at start-up');\n");
    const result = await run(script, { STUDIO_HOME: home, NODE_OPTIONS: `--require ${crash}` });
    expect(result.exitCode).toBe(3);
    expect(verdict(result.stdout)).toBe('STUDIO UNKNOWN - studio health exited 1 without a report');
    expect(String(result.stdout)).toContain('simulated crash at start-up');
  });

  it('UNKNOWN (3) on a missing install, a missing STUDIO_HOME (creating nothing where cron runs it) and a configuration error', { timeout: 120_000 }, async () => {
    const lone = join(spacedDir('studio-hc-lone-'), 'scripts');
    mkdirSync(lone);
    cpSync(join(REPO, 'scripts/health_check.sh'), join(lone, 'health_check.sh'));
    const noInstall = await run(join(lone, 'health_check.sh'), { STUDIO_HOME: tmpdir() });
    expect(noInstall.exitCode).toBe(3);
    expect(verdict(noInstall.stdout)).toMatch(/^STUDIO UNKNOWN - no studio at .*with space\/bin\/studio\.js; install the release in /);

    const cronHome = mkdtempSync(join(tmpdir(), 'studio-hc-cron-')); // cron's working directory, no STUDIO_HOME set
    const script = spacedInstall();
    const noHome = await run(script, {}, cronHome);
    if (!existsSync(STUDIO_HOME)) {
      expect(noHome.exitCode).toBe(3);
      expect(verdict(noHome.stdout)).toBe(`STUDIO UNKNOWN - STUDIO_HOME ${STUDIO_HOME} does not exist; run scripts/install-systemd.sh or set STUDIO_HOME`);
    }
    expect(readdirSync(cronHome)).toEqual([]);

    const badConfig = await run(script, { STUDIO_HOME: cronHome, EMBEDDING_DIM: 'lots' });
    expect(badConfig.exitCode).toBe(3);
    expect(verdict(badConfig.stdout)).toMatch(/^STUDIO UNKNOWN - studio health exited 2 without a report$/);
    expect(String(badConfig.stdout)).toContain('EMBEDDING_DIM');
  });

  it('CRITICAL (2) when the database cannot be reached', { timeout: 120_000 }, async () => {
    const script = spacedInstall();
    const home = mkdtempSync(join(tmpdir(), 'studio-hc-down-'));
    const result = await run(script, { STUDIO_HOME: home, DATABASE_URL: 'postgres://studio@127.0.0.1:1/studio', DB_CONNECT_TIMEOUT: '2s' });
    expect(result.exitCode, String(result.stdout)).toBe(2);
    expect(verdict(result.stdout)).toMatch(/^STUDIO CRITICAL - database: unreachable: /);
  });
});
