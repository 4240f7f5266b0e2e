// Measurement harness only (not studio code): every RSS_EVERY seconds append process.memoryUsage(),
// /proc/self/status RSS fields and the byteLength of every live WebAssembly.Memory to RSS_DIR/<pid>.jsonl.
// Memories are held by WeakRef so the harness keeps nothing alive. A file RSS_DIR/snap-<pid> asks for a heap snapshot.
/* global WebAssembly, setInterval */
import { appendFileSync, existsSync, readFileSync, unlinkSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
const dir = process.env.RSS_DIR ?? '/tmp/rss';
const every = Number(process.env.RSS_EVERY ?? 30) * 1000;
const mems = [];
const keep = (m, how) => { if (m instanceof WebAssembly.Memory) mems.push({ ref: new WeakRef(m), how, born: Date.now() }); };
const fromInstance = (inst, how) => { if (!inst) return; for (const v of Object.values(inst.exports)) keep(v, how); };
const W = WebAssembly;
const OrigMemory = W.Memory;
W.Memory = new Proxy(OrigMemory, { construct(t, a, nt) { const m = Reflect.construct(t, a, nt); keep(m, 'new'); return m; } });
const OrigInstance = W.Instance;
W.Instance = new Proxy(OrigInstance, { construct(t, a, nt) { const i = Reflect.construct(t, a, nt); fromInstance(i, 'Instance'); return i; } });
for (const name of ['instantiate', 'instantiateStreaming']) {
  const orig = W[name];
  if (!orig) continue;
  W[name] = async function (...args) {
    const r = await orig.apply(this, args);
    fromInstance(r instanceof OrigInstance ? r : r.instance, name);
    return r;
  };
}
const status = () => {
  const o = {};
  for (const line of readFileSync('/proc/self/status', 'utf8').split('\n')) {
    const m = /^(VmRSS|RssAnon|RssFile|RssShmem|VmHWM|VmSize):\s+(\d+)/.exec(line);
    if (m) o[m[1]] = Number(m[2]);
  }
  return o;
};
const out = `${dir}/${process.pid}.jsonl`;
const tick = () => {
  const wasm = [];
  for (const e of mems) { const m = e.ref.deref(); wasm.push(m ? m.buffer.byteLength : null); }
  const rec = { t: Date.now(), argv: process.argv.slice(2, 4).join(' '), mu: process.memoryUsage(), st: status(), wasm };
  appendFileSync(out, JSON.stringify(rec) + '\n');
  const trig = `${dir}/snap-${process.pid}`;
  if (existsSync(trig)) { unlinkSync(trig); const f = writeHeapSnapshot(`${dir}/${process.pid}-${Date.now()}.heapsnapshot`); appendFileSync(out, JSON.stringify({ t: Date.now(), snapshot: f }) + '\n'); }
};
setTimeout(tick, 5000).unref();
setInterval(tick, every).unref();