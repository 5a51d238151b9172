// Builds bench/native/open-loop.c with the system C compiler into bench/.build/ (git-ignored), again only
// when the binary is missing or older than the source; returns its path or why it could not be built.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBinary } from './install.mjs';

export const nativeSource = fileURLToPath(new URL('../native/open-loop.c', import.meta.url));
export const nativeBuildDir = fileURLToPath(new URL('../.build/', import.meta.url));
export const nativeBinary = path.join(nativeBuildDir, 'open-loop');

/** C11 plus POSIX/Linux interfaces (the source defines _GNU_SOURCE); no -Werror, so a newer compiler's
 * new warnings never cost the native generator. libm (ceil, floor) is linked after the source. */
const compileFlags = ['-O2', '-std=c11', '-Wall', '-Wextra'];

/**
 * Returns { binary } with the up-to-date generator, or { error } saying why there is none: no compiler
 * (then also noCompiler: true) or the compiler's complaint. `compiler` defaults to cc, gcc or clang.
 */
export function buildNativeOpenLoop({ compiler } = {}) {
  if (isFresh()) return { binary: nativeBinary };
  const cc = compiler ?? findBinary('cc') ?? findBinary('gcc') ?? findBinary('clang');
  if (!cc) return { error: 'no C compiler (cc) found', noCompiler: true };
  mkdirSync(nativeBuildDir, { recursive: true });
  // Built under a unique name and renamed into place, so two harnesses building at once never run a
  // half-written binary.
  const partial = `${nativeBinary}.${process.pid}.tmp`;
  try {
    execFileSync(cc, [...compileFlags, '-o', partial, nativeSource, '-lm'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
    renameSync(partial, nativeBinary);
    return { binary: nativeBinary };
  } catch (err) {
    rmSync(partial, { force: true });
    const stderr = typeof err?.stderr === 'string' ? err.stderr.trim() : '';
    return {
      error: `${path.basename(cc)} failed: ${(stderr || err.message).split('\n').slice(0, 3).join(' ')}`,
    };
  }
}

function isFresh() {
  if (!existsSync(nativeBinary)) return false;
  return statSync(nativeBinary).mtimeMs >= statSync(nativeSource).mtimeMs;
}
