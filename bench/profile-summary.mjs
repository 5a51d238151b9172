// Where a proxy's CPU went: the top functions by self time in a V8 .cpuprofile (idle excluded), as a
// markdown list. Used by `npm run bench -- --profile`; also runs alone: node bench/profile-summary.mjs FILE [N]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The top `count` functions by self time, as { percent, name, where } with percent of busy (non-idle) time. */
export function topSelfTime(profile, count = 15) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id).callFrame;
    const micros = profile.timeDeltas[i] ?? 0;
    if (frame.functionName === '(idle)') return;
    const where = frame.url ? `${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'}\t${where}`;
    self.set(key, (self.get(key) ?? 0) + micros);
    busy += micros;
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, micros]) => {
      const [name, where] = key.split('\t');
      return { percent: busy > 0 ? (micros / busy) * 100 : 0, name, where };
    });
}

export function summarizeProfileFile(file, count = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  return topSelfTime(profile, count)
    .map((f) => `- ${f.percent.toFixed(1).padStart(5)} % ${f.name}${f.where ? ` (${f.where})` : ''}`)
    .join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, count] = process.argv.slice(2);
  if (!file || file === '--help' || file === '-h') {
    process.stdout.write('usage: node bench/profile-summary.mjs FILE.cpuprofile [COUNT]\n');
    process.exit(file ? 0 : 2);
  }
  process.stdout.write(`${summarizeProfileFile(file, Number(count) || 15)}\n`);
}
