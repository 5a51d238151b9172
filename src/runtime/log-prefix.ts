// Copies a child's output line by line with a prefix, so `trellis up` shows which workload said what.
import type { Readable, Writable } from 'node:stream';

export function pipeLines(from: Readable, to: Writable, prefix: string): void {
  let pending = '';
  from.setEncoding('utf8');
  from.on('data', (chunk: string) => {
    const text = pending + chunk;
    const lines = text.split('\n');
    pending = lines.pop() ?? '';
    if (lines.length > 0) to.write(`${lines.map((l) => prefix + l).join('\n')}\n`);
  });
  from.on('end', () => {
    if (pending) to.write(`${prefix}${pending}\n`);
    pending = '';
  });
}
