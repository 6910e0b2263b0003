import writeXlsxFile, { type Cell as SheetCell } from 'write-excel-file/browser';
import type { Cell, Table } from './tables';

/**
 * Exports a table as the browser's own download: CSV (UTF-8 with a byte order mark, so that Excel
 * reads the Chinese as Chinese) or a real .xlsx written in the page (write-excel-file, bundled).
 * Nothing leaves the browser. Amounts stay exact: the CSV has the API's yuan strings; the
 * workbook has them as numbers shown to two decimals while a double holds them exactly
 * (15 significant digits), as text beyond.
 */
const BOM = '\uFEFF';

const quoted = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

export function csvOf(table: Table): string {
  const line = (values: string[]) => values.map(quoted).join(',');
  return (
    BOM +
    [line(table.headers), ...table.rows.map((r) => line(r.cells.map((c) => String(c.value))))].join('\r\n') +
    '\r\n'
  );
}

const EXACT_IN_A_DOUBLE = /^-?\d{1,13}(\.\d{1,2})?$/;

function sheetCell(cell: Cell): SheetCell {
  if (cell.kind === 'count') return { value: cell.value, type: Number };
  if (cell.kind === 'money' && EXACT_IN_A_DOUBLE.test(cell.value))
    return { value: Number(cell.value), type: Number, format: '#,##0.00' };
  return { value: cell.value, type: String };
}

export function workbookOf(table: Table): Promise<Blob> {
  const head: SheetCell[] = table.headers.map((h) => ({ value: h, type: String, fontWeight: 'bold' }));
  return writeXlsxFile([head, ...table.rows.map((r) => r.cells.map(sheetCell))], {
    sheet: table.title.slice(0, 31), // Excel's limit on a sheet's name
    columns: table.headers.map((h) => ({ width: Math.max(10, h.length * 2 + 2) })),
    stickyRowsCount: 1,
  }).toBlob();
}

export function download(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement('a'), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export async function exportTable(table: Table, format: 'csv' | 'xlsx', period: string): Promise<void> {
  const name = `${table.title}_${period}.${format}`;
  if (format === 'csv') download(name, new Blob([csvOf(table)], { type: 'text/csv;charset=utf-8' }));
  else download(name, await workbookOf(table));
}
