// The pollers of bench/pollers.bench.ts, in a process of their own: started once per variant by the
// bench (the console's owner), it starts each poller's command once a second until its stdin closes.
// They are not started by the owner itself because a spawn from a process of the owner's size blocks its
// main thread for the fork (~25 ms at 570 MB RSS, ~1 ms at 45 MB), which the console never pays for a
// `watch` in another terminal (one bench variant still does it that way, to show the difference).
// argv[2]: JSON { command: string[], env, offsets: number[], ownSession: false | true | <autogroup nice> }.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** One loop per offset, each starting `command` once a second from its offset, while polling() says so. */
export async function runPollers({ command, env, offsets, ownSession }, polling) {
  await Promise.all(
    offsets.map(async (offset) => {
      await new Promise((resolve) => setTimeout(resolve, offset));
      while (polling()) {
        const started = Date.now();
        await new Promise((resolve) => {
          const child = spawn(command[0], command.slice(1), { env, stdio: 'ignore', detached: ownSession !== false });
          child.once('exit', resolve);
          // the child's own session's scheduling group (it is alone in it), as `echo 19 > /proc/$$/autogroup`
          // typed in the polling terminal would; never the bench's group (the caller's session)
          if (typeof ownSession === 'number') {
            try {
              writeFileSync(`/proc/${child.pid}/autogroup`, String(ownSession));
            } catch {
              // exited already
            }
          }
        });
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - started))));
      }
    }),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let polling = true;
  process.stdin.on('end', () => (polling = false));
  process.stdin.on('close', () => (polling = false));
  process.stdin.resume();
  await runPollers(JSON.parse(process.argv[2]), () => polling);
}
