// The memory of the browser under test as the OS sees it: resident set size of every process
// Playwright launched from this Node process (browser, renderers, GPU and utility processes).
// Used by npm run bench and by the large-scan browser test.
import { readFileSync, readdirSync } from 'node:fs';

/**
 * Resident memory (bytes) of all descendants of `rootPid`, not counting the process itself: with
 * rootPid = this Node process, that is the Chromium Playwright launched (browser, renderers,
 * GPU and utility processes).
 */
export function treeRss(rootPid = process.pid) {
  const children = new Map();
  const rss = new Map();
  const page = 4096;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(f[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
      rss.set(Number(d), Number(readFileSync(`/proc/${d}/statm`, 'utf8').split(' ')[1]) * page);
    } catch { /* the process ended while we looked */ }
  }
  let total = 0;
  const stack = [...(children.get(rootPid) ?? [])];
  while (stack.length) {
    const p = stack.pop();
    total += rss.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

/** Samples treeRss every `ms`; peak() gives the highest value since the last reset(). */
export function rssSampler(rootPid = process.pid, ms = 50) {
  let peak = 0;
  const sample = () => { peak = Math.max(peak, treeRss(rootPid)); };
  const timer = setInterval(sample, ms);
  return {
    reset() { peak = 0; sample(); },
    peak() { sample(); return peak; },
    now: () => treeRss(rootPid),
    stop() { clearInterval(timer); },
  };
}
