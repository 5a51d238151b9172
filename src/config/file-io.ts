// File-system helpers of the file-directory store: listing config files, atomic writes.
import type { Dirent } from 'node:fs';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const CONFIG_FILE = /\.(ya?ml|json)$/;

/** Every *.yaml, *.yml and *.json under `dir`, following symlinks, skipping hidden entries (`.x`, `..data`). */
export async function listConfigFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const s = await stat(path).catch(() => undefined);
      isDir = s?.isDirectory() ?? false;
      isFile = s?.isFile() ?? false;
    }
    if (isDir) out.push(...(await listConfigFiles(path)));
    else if (isFile && CONFIG_FILE.test(entry.name)) out.push(path);
  }
  return out;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Writes through a hidden temporary file and a rename, so the watcher never reads half a file. */
export async function writeAtomic(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, file);
}
