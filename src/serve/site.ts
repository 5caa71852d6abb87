/**
 * Build a static docroot for a session file: one file per URI, with the demo server's
 * deterministic sizes and bytes (sizes.ts), so a real web server (nginx) can serve the same site
 * as `loadgen serve --sessions FILE`. Used by `tools/make-site.mjs` and the nginx tests.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { loadSessionFile } from '../session/parse.js';
import { bodySizeFor, fillerBody, pathOf } from './sizes.js';

/** What {@link makeSite} wrote. */
export interface SiteSummary {
  /** Files written. */
  readonly files: number;
  /** Bytes written in all. */
  readonly bytes: number;
  /** URIs that got no file, each with the reason (outside the docroot, or a file/directory clash). */
  readonly skipped: ReadonlyArray<{ readonly uri: string; readonly reason: string }>;
}

/** One file to write: its path under the docroot and the request path its size comes from. */
interface PlannedFile {
  readonly relativePath: string;
  readonly requestPath: string;
}

/** Percent-decode a path as a web server does before mapping it to a file; undecodable stays raw. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The docroot-relative file for a request path (`/a/` -> `a/index.html`), or undefined when the
 * path would leave the docroot (`/../x`).
 */
export function siteFileFor(requestPath: string): string | undefined {
  const decoded = decodePath(requestPath);
  if (decoded.includes('\0')) return undefined;
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') segments.push(segment);
    else if (segments.pop() === undefined) return undefined; // above the root: web servers answer 400
  }
  const isDirectory = segments.length === 0 || /\/\.{0,2}$/.test(decoded);
  const relative = segments.join('/');
  return isDirectory ? (relative === '' ? 'index.html' : `${relative}/index.html`) : relative;
}

/** Decide which files to write: one per distinct path; a path that is also a directory becomes the directory. */
function planFiles(uris: Iterable<string>): { files: PlannedFile[]; skipped: { uri: string; reason: string }[] } {
  const byFile = new Map<string, PlannedFile>();
  const skipped: { uri: string; reason: string }[] = [];
  for (const uri of uris) {
    const requestPath = pathOf(uri);
    const relativePath = siteFileFor(requestPath);
    if (relativePath === undefined) skipped.push({ uri, reason: 'outside the docroot' });
    else if (!byFile.has(relativePath)) byFile.set(relativePath, { relativePath, requestPath });
  }
  const directories = new Set<string>();
  for (const name of byFile.keys()) {
    for (let dir = posix.dirname(name); dir !== '.'; dir = posix.dirname(dir)) directories.add(dir);
  }
  const files: PlannedFile[] = [];
  for (const file of byFile.values()) {
    // `/news` and `/news/x.gif` cannot both exist on disk; nginx redirects `/news` to `/news/` anyway.
    if (directories.has(file.relativePath)) skipped.push({ uri: file.requestPath, reason: 'also a directory' });
    else files.push(file);
  }
  return { files, skipped };
}

/**
 * Create `docroot` with a file for every URI of the session file at `sessionFilePath` (query
 * strings stripped; a URI ending in `/` becomes `dir/index.html`). Bad session files throw the
 * parser's InputError/UsageError.
 */
export async function makeSite(sessionFilePath: string, docroot: string): Promise<SiteSummary> {
  const sessions = await loadSessionFile(sessionFilePath);
  const uris: string[] = [];
  for (const template of sessions.templates) {
    // URIs are the file's bytes (session/model.ts); file names are text: decode them as UTF-8.
    for (const burst of template.bursts) for (const request of burst.requests) uris.push(Buffer.from(request.uri, 'latin1').toString('utf8'));
  }
  const { files, skipped } = planFiles(uris);
  let bytes = 0;
  for (const file of files) {
    const target = join(docroot, ...file.relativePath.split('/'));
    const body = fillerBody(bodySizeFor(file.requestPath));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, body);
    bytes += body.length;
  }
  return { files: files.length, bytes, skipped };
}
