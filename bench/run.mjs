// npm run bench [name ...]: runs each bench/*.bench.ts in its own process (tsx), in order, and prints
// their figures. A bench measures its own baseline in the same run and prints the ratio.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  // the soak runs for an hour: only when named (npm run bench -- soak)
  .filter((f) => (wanted.length === 0 ? !f.startsWith('soak') : wanted.some((w) => f.includes(w))))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${file}`], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
