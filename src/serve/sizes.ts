/**
 * The demo site's size rule: every path gets a deterministic body size within the range of its
 * file kind, and a Content-Type for that kind. Shared by the demo server (`loadgen serve`) and
 * `tools/make-site.mjs` (which writes the same sizes to disk for nginx), so both targets serve
 * the same bytes for the same session file. Dependency-free on purpose: the tool imports the
 * compiled copy from dist/.
 */

/** The text the demo bodies are made of, repeated and cut to size (the same on every target). */
export const FILLER_LINE = 'loadgen demo server: deterministic filler bytes for load tests.\n';

/** A body of exactly `size` filler bytes. */
export function fillerBody(size: number): Buffer {
  return Buffer.alloc(size, FILLER_LINE);
}

/** The kinds of file the demo site distinguishes. */
export type FileKind = 'html' | 'css' | 'js' | 'image' | 'other';

/** Inclusive body size range in bytes for each kind. */
export const SIZE_RANGES: Readonly<Record<FileKind, { readonly min: number; readonly max: number }>> = {
  html: { min: 5 * 1024, max: 20 * 1024 },
  css: { min: 2 * 1024, max: 5 * 1024 },
  js: { min: 3 * 1024, max: 30 * 1024 },
  image: { min: 1 * 1024, max: 30 * 1024 },
  other: { min: 1 * 1024, max: 4 * 1024 },
};

const HTML_EXTENSIONS = new Set(['html', 'htm', 'shtml', 'php']);

/** Content types of the image extensions (also the set of extensions that count as images). */
const IMAGE_TYPES: Readonly<Record<string, string>> = {
  gif: 'image/gif',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  ico: 'image/x-icon',
  svg: 'image/svg+xml',
};

/** The path part of a request target: no query string or fragment, no `scheme://host` prefix. */
export function pathOf(uri: string): string {
  let path = uri;
  const cut = path.search(/[?#]/);
  if (cut >= 0) path = path.slice(0, cut);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
  if (scheme) path = path.slice(scheme[0].length) || '/';
  return path;
}

/** Lower-case extension of the last path segment, or '' when it has none (or is a directory). */
function extensionOf(path: string): string {
  const segment = path.slice(path.lastIndexOf('/') + 1);
  const dot = segment.lastIndexOf('.');
  return dot <= 0 ? '' : segment.slice(dot + 1).toLowerCase();
}

/** The kind of file a request target names (directories and extension-less names are pages). */
export function fileKind(uri: string): FileKind {
  const ext = extensionOf(pathOf(uri));
  if (ext === '' || HTML_EXTENSIONS.has(ext)) return 'html';
  if (ext === 'css') return 'css';
  if (ext === 'js' || ext === 'mjs') return 'js';
  if (Object.hasOwn(IMAGE_TYPES, ext)) return 'image';
  return 'other';
}

/** Content-Type header value for a request target. */
export function contentTypeFor(uri: string): string {
  const kind = fileKind(uri);
  switch (kind) {
    case 'html':
      return 'text/html; charset=utf-8';
    case 'css':
      return 'text/css; charset=utf-8';
    case 'js':
      return 'text/javascript; charset=utf-8';
    case 'image':
      return IMAGE_TYPES[extensionOf(pathOf(uri))]!;
    case 'other':
      return 'application/octet-stream';
  }
}

/** 32-bit FNV-1a hash of a string's UTF-16 code units (stable across runs and machines). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Body size in bytes for a request target: the hash of its path (query string ignored) mapped
 * into its kind's range, so the same path always gets the same size.
 */
export function bodySizeFor(uri: string): number {
  const path = pathOf(uri);
  const { min, max } = SIZE_RANGES[fileKind(path)];
  return min + (fnv1a32(path) % (max - min + 1));
}
