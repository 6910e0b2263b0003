import { strFromU8, unzipSync } from 'fflate';

/**
 * Reads back the first sheet of an .xlsx file as the tests need it: each row's cells as numbers
 * (numeric cells) or strings (shared or inline strings), and the number format of each numeric
 * cell. Just enough of SpreadsheetML to check what the dashboard exports; not a general reader.
 */
export interface ReadSheet {
  rows: (string | number)[][];
  /** Per row, per cell: the number format code of a numeric cell, else null. */
  formats: (string | null)[][];
}

const unescapeXml = (xml: string) =>
  xml
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

export function readFirstSheet(file: Uint8Array): ReadSheet {
  const files = unzipSync(file);
  const read = (path: string) => (files[path] ? strFromU8(files[path]) : '');
  if (!read('[Content_Types].xml').includes('spreadsheetml')) throw new Error('not a SpreadsheetML workbook');
  const shared = [...read('xl/sharedStrings.xml').matchAll(/<si>(.*?)<\/si>/gs)].map((m) =>
    unescapeXml([...m[1].matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((t) => t[1]).join('')),
  );
  const styles = read('xl/styles.xml');
  const codes = new Map(
    [...styles.matchAll(/<numFmt numFmtId="(\d+)" formatCode="([^"]*)"/g)].map((m) => [m[1], unescapeXml(m[2])]),
  );
  const cellXfs = /<cellXfs[^>]*>(.*?)<\/cellXfs>/s.exec(styles)?.[1] ?? '';
  const styleFormats = [...cellXfs.matchAll(/<xf\b([^>]*)>/g)].map((m) => {
    const id = /numFmtId="(\d+)"/.exec(m[1])?.[1] ?? '0';
    return codes.get(id) ?? (id === '0' ? null : `builtin ${id}`);
  });
  const sheet = read('xl/worksheets/sheet1.xml');
  const rows: ReadSheet['rows'] = [];
  const formats: ReadSheet['formats'] = [];
  for (const row of sheet.matchAll(/<row\b[^>]*>(.*?)<\/row>/gs)) {
    const cells: (string | number)[] = [];
    const cellFormats: (string | null)[] = [];
    for (const cell of row[1].matchAll(/<c\b([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
      const attributes = cell[1];
      const body = cell[2] ?? '';
      const type = /\bt="(\w+)"/.exec(attributes)?.[1];
      const value = unescapeXml(/<v>(.*?)<\/v>/s.exec(body)?.[1] ?? '');
      const style = Number(/\bs="(\d+)"/.exec(attributes)?.[1] ?? 0);
      if (type === 's') cells.push(shared[Number(value)]);
      else if (type === 'inlineStr')
        cells.push(unescapeXml([...body.matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((t) => t[1]).join('')));
      else if (type === 'str') cells.push(value);
      else cells.push(Number(value));
      cellFormats.push(type === undefined || type === 'n' ? (styleFormats[style] ?? null) : null);
    }
    rows.push(cells);
    formats.push(cellFormats);
  }
  return { rows, formats };
}
