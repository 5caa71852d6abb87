/**
 * The HTML report: write one self-contained page for one run or a comparison of several.
 */
import { basename } from 'node:path';
import type { ResultsDocument } from '../../results/schema.js';
import { writeFileAtomic } from '../../util/files.js';
import type { LabelledRun } from './charts.js';
import { renderHtmlReport } from './page.js';

export type { LabelledRun } from './charts.js';
export { renderHtmlReport } from './page.js';

/** Labels for runs read from files: the file names without `.json`, made unique. */
export function labelsFromFiles(files: readonly string[]): string[] {
  const names = files.map((file) => basename(file).replace(/\.json$/i, ''));
  return names.map((name, i) => (names.indexOf(name) === i && names.lastIndexOf(name) === i ? name : `${name} (${i + 1})`));
}

/** Render and write the page atomically (a failed write leaves an existing file as it was). */
export async function writeHtmlReport(path: string, docs: readonly ResultsDocument[], labels: readonly string[]): Promise<void> {
  const runs: LabelledRun[] = docs.map((doc, i) => ({ doc, label: labels[i] ?? `run ${i + 1}` }));
  await writeFileAtomic(path, renderHtmlReport(runs));
}
