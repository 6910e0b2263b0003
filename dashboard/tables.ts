import { count, yuan } from './format';

/**
 * A table of the page as data: drawn into its <table>, and exported as it is (CSV, Excel) with
 * counts as numbers and amounts as the API's exact yuan strings, not the grouped text shown.
 */
export type Cell =
  | { kind: 'text'; value: string }
  | { kind: 'count'; value: number }
  | { kind: 'money'; value: string };

export interface Table {
  /** The <table> element's id. */
  id: string;
  /** Names the exported file and its sheet. */
  title: string;
  headers: string[];
  rows: { key: string; cells: Cell[] }[];
}

export const text = (value: string): Cell => ({ kind: 'text', value });
export const number = (value: number): Cell => ({ kind: 'count', value });
export const money = (value: string): Cell => ({ kind: 'money', value });

export const shown = (cell: Cell): string =>
  cell.kind === 'count' ? count(cell.value) : cell.kind === 'money' ? yuan(cell.value) : cell.value;

/** Draws the table's head and rows into its element (textContent only: nothing is parsed as HTML). */
export function drawTable(table: Table): void {
  const element = document.getElementById(table.id) as HTMLTableElement;
  const head = element.tHead ?? element.createTHead();
  const headRow = document.createElement('tr');
  headRow.append(...table.headers.map((h) => Object.assign(document.createElement('th'), { textContent: h })));
  head.replaceChildren(headRow);
  const body = element.tBodies[0] ?? element.createTBody();
  body.replaceChildren(
    ...table.rows.map(({ key, cells }) => {
      const row = document.createElement('tr');
      row.dataset.key = key;
      for (const cell of cells) row.append(Object.assign(document.createElement('td'), { textContent: shown(cell) }));
      return row;
    }),
  );
}
