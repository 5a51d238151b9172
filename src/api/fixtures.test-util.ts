// Test helper: the repository's test/fixtures folder, found from source (src/api) or compiled (dist/src/api) code.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function fixturesDir(...parts: string[]): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'test', 'fixtures');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return join(candidate, ...parts);
    dir = dirname(dir);
  }
  throw new Error('cannot find test/fixtures');
}
