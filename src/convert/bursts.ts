/**
 * Burst membership: does the next request of a client belong to the burst (page + embedded
 * resources) being built, or does it start a new one? The log's evidence is used in this order
 * (docs/convert.md has the full rules and an example):
 *
 *  1. Referer. When the line has one, it decides: a request whose Referer names the burst's page
 *     or one of its requests (a stylesheet loading a font) joins, if it is an embedded resource
 *     (however late: lazy loading) or comes within the burst window (an XHR/fetch call, which has
 *     no extension); a Referer naming anything else starts a new burst (a click elsewhere).
 *  2. Resource kind. Without a Referer, a request that is not an embedded resource (by its
 *     extension, `--asset-ext`) is a page and starts a new burst.
 *  3. Time. An embedded resource without a Referer joins when it comes within `--burst-window`
 *     seconds of the previous request of the burst.
 *
 * A burst opened by an embedded resource with a Referer (its page is not in the log, e.g. it came
 * from a cache) also answers to the page that Referer names (sessionize.ts `burstNames`).
 */

/** The part of a request the rules look at. */
export interface RequestView {
  readonly uri: string;
  readonly referer: string;
  readonly time: number;
}

/** Lower-case extension of the last path segment of `uri` ('' when none). */
export function extensionOf(uri: string): string {
  let end = uri.indexOf('?');
  if (end < 0) end = uri.length;
  const slash = uri.lastIndexOf('/', end - 1);
  const dot = uri.lastIndexOf('.', end - 1);
  if (dot <= slash || dot === end - 1) return '';
  return uri.slice(dot + 1, end).toLowerCase();
}

/** True when `uri` names an embedded resource by its extension. */
export function isAsset(uri: string, assetExtensions: ReadonlySet<string>): boolean {
  const ext = extensionOf(uri);
  return ext.length > 0 && assetExtensions.has(ext);
}

/**
 * True when `request` joins the burst whose requests have URIs `burstUris` (the page first) and
 * whose latest request was at `lastTime` (rules above).
 */
export function joinsBurst(
  burstUris: readonly string[],
  lastTime: number,
  request: RequestView,
  burstWindow: number,
  assetExtensions: ReadonlySet<string>,
): boolean {
  const closeInTime = request.time - lastTime <= burstWindow;
  if (request.referer !== '') {
    if (!burstUris.includes(request.referer)) return false;
    return closeInTime || isAsset(request.uri, assetExtensions);
  }
  if (!isAsset(request.uri, assetExtensions)) return false;
  return closeInTime;
}
