/**
 * Wide tables in the PDF: never clipped at the edge of the A4 text column. Run in the page, in print
 * media, just before printing; each table that is wider than its column is fitted in steps, and
 * stops at the first that fits:
 *
 * 1. smaller type, down to 7 pt, and tighter cells (headers already wrap in print, numbers do not);
 * 2. the table goes on a landscape A4 page (CSS named page), where the column is ~1.5× wider, at
 *    its print size and then the same smaller type again;
 * 3. still wider: the table is scaled to the column (a last resort, the rest of the page unchanged).
 *
 * The LaTeX export fits its tables by its own rules (src/export/latex.ts, `\mpfit`).
 */

/** CSS pixels (96 per inch) of a length in millimetres. */
export const mmToPx = (mm: number): number => (mm / 25.4) * 96;

/**
 * The page-side code (a string, so it runs in the page, where `document` exists), for a page laid out
 * in print media at the portrait column's width; `landscapePx` is the text width of a landscape page.
 * It returns what it did to each wide table: 'smaller', 'landscape' or 'scaled'.
 */
export function fitTablesScript(landscapePx: number): string {
  return `(() => {
  const MIN_PX = 7 * 96 / 72;
  const LANDSCAPE_PX = ${landscapePx.toFixed(1)};
  const style = document.createElement('style');
  style.textContent = '@page mp-landscape { size: A4 landscape; } figure.mp-table.mp-landscape { page: mp-landscape; }';
  document.head.appendChild(style);
  const fitted = [];
  for (const figure of document.querySelectorAll('figure.mp-table')) {
    const table = figure.querySelector('table');
    if (!table) continue;
    const fits = () => table.getBoundingClientRect().width <= figure.clientWidth + 0.5;
    if (fits()) continue;
    const shrink = () => {
      let size = parseFloat(getComputedStyle(table).fontSize);
      for (const cell of table.querySelectorAll('th, td')) cell.style.padding = '0.15rem 0.25rem';
      while (!fits() && size > MIN_PX) {
        size = Math.max(MIN_PX, size - 0.5);
        table.style.fontSize = size + 'px';
      }
    };
    shrink();
    let how = 'smaller';
    if (!fits()) {
      // A landscape page of its own, as wide as its text column: the same steps again.
      figure.classList.add('mp-landscape');
      figure.style.width = LANDSCAPE_PX + 'px';
      table.style.fontSize = '';
      shrink();
      how = 'landscape';
    }
    if (!fits()) {
      table.style.zoom = String(figure.clientWidth / table.getBoundingClientRect().width);
      how = 'scaled';
    }
    fitted.push(how);
  }
  return fitted;
})()`;
}
