/**
 * One CSV per table (render writes the CSV: plain numbers, a header naming unit and scale). Files
 * are named after the table's id (`survey.tbl-cnn.csv`), else its number (`survey.table-3.csv`);
 * breakdown tables (::layers, ::ops), which have neither, after their order (`survey.breakdown-1.csv`).
 */
import { tableToCsv } from '../render/index.js';
import type { DocumentData } from '../docmodel/types.js';

export interface CsvFile {
  /** File name (no folder). */
  name: string;
  content: string;
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-');
}

export function tableCsvFiles(data: DocumentData, stem: string): CsvFile[] {
  let breakdown = 0;
  const used = new Set<string>();
  return data.tables.map((t) => {
    const base = t.table.id ? safe(t.table.id) : t.table.number !== undefined ? `table-${t.table.number}` : `breakdown-${++breakdown}`;
    let name = `${stem}.${base}.csv`;
    for (let n = 2; used.has(name); n++) name = `${stem}.${base}-${n}.csv`;
    used.add(name);
    return { name, content: tableToCsv(t.table) };
  });
}
