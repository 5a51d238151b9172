// Finds nginx, wrk and a C compiler (for the native open-loop generator), installing them from Debian's
// packages when missing and running as root (nginx-light where the archive has it, else nginx).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const searchDirs = [
  ...(process.env.PATH ?? '').split(':'),
  '/usr/sbin',
  '/usr/local/sbin',
  '/usr/bin',
  '/usr/local/bin',
];

export function findBinary(name) {
  for (const dir of searchDirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

function hasCandidate(pkg) {
  try {
    const out = execFileSync('apt-cache', ['policy', pkg], { encoding: 'utf8' });
    const match = /Candidate:\s*(\S+)/.exec(out);
    return Boolean(match && match[1] !== '(none)');
  } catch {
    return false;
  }
}

/** Returns { nginx, wrk } binary paths; installs missing ones when root, else throws with what to install. */
export function ensureTools(log) {
  let nginx = findBinary('nginx');
  let wrk = findBinary('wrk');
  if (nginx && wrk) return { nginx, wrk };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !findBinary('apt-get')) {
    throw new Error(
      `missing ${[!nginx && 'nginx', !wrk && 'wrk'].filter(Boolean).join(' and ')}: install them ` +
        '(Debian: apt-get install nginx-light wrk) or run the benchmark as root to have it do so',
    );
  }
  log('installing benchmark tools with apt-get (nginx, wrk) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'ignore', env });
  const packages = [];
  if (!nginx) packages.push(hasCandidate('nginx-light') ? 'nginx-light' : 'nginx');
  if (!wrk) packages.push('wrk');
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
    stdio: 'ignore',
    env,
  });
  nginx = findBinary('nginx');
  wrk = findBinary('wrk');
  if (!nginx || !wrk) throw new Error(`apt-get install ${packages.join(' ')} did not provide nginx and wrk`);
  return { nginx, wrk };
}

/**
 * Returns the C compiler's path, installing gcc (and the libc headers, which gcc only recommends) with
 * apt-get when missing and running as root; null when there is none, so the caller falls back to Node.
 */
export function ensureCompiler(log) {
  const existing = findBinary('cc') ?? findBinary('gcc') ?? findBinary('clang');
  if (existing) return existing;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !findBinary('apt-get')) return null;
  log('installing a C compiler for the native open-loop generator with apt-get (gcc, libc6-dev) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update'], { stdio: 'ignore', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'gcc', 'libc6-dev'], {
      stdio: 'ignore',
      env,
    });
  } catch (err) {
    log(`apt-get install gcc failed: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
  return findBinary('cc') ?? findBinary('gcc');
}
