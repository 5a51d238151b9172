// Column-aligned text tables as kubectl and istioctl print them: a header row, left-aligned cells padded to
// the widest in each column, no trailing spaces.

/** `gap` spaces between columns (kubectl prints 3; istioctl's proxy-config tables look best with 5). */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  gap = 3,
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + gap)))
      .join('')
      .trimEnd();
  return [headers, ...rows].map((r) => `${line(r)}\n`).join('');
}
