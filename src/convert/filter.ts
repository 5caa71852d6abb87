/**
 * Record filters (`--methods`, `--status`, `--include`/`--exclude`, `--exclude-bots`,
 * `--since`/`--until`, `--strip-query`, `--max-uri-length`). `filterRecord` returns the reason a
 * record is dropped, so every dropped line is counted by reason in the profile.
 */
import type { ConvertOptions } from './options.js';
import type { LogRecord } from './record.js';
import { stripQuery } from './formats/uri.js';

/**
 * User agents of common crawlers, link checkers and monitors (`--exclude-bots`). Generic words
 * (bot, crawl, spider, slurp) catch most; the named ones do not use them.
 */
export const BOT_USER_AGENT = new RegExp(
  [
    'bot\\b', 'bot/', 'crawl', 'spider', 'slurp', 'scrap', 'archiver', 'feedfetcher', 'mediapartners',
    'bingpreview', 'facebookexternalhit', 'yandex', 'baidu', 'sogou', 'ahrefs', 'semrush', 'mj12',
    'python-requests', 'python-urllib', 'go-http-client', 'libwww-perl', 'wget', 'curl/', 'httpclient',
    'headlesschrome', 'phantomjs', 'pingdom', 'uptimerobot', 'portscout', 'nutch', 'zgrab', 'masscan',
  ].join('|'),
  'i',
);

/** Why a record is dropped by a filter (fixed wordings, used as counting keys). */
export type FilterReason =
  | 'before --since'
  | 'after --until'
  | 'method not in --methods'
  | 'status not in --status'
  | 'URI not matching --include'
  | 'URI matching --exclude'
  | 'bot user agent (--exclude-bots)'
  | 'URI longer than --max-uri-length';

/**
 * Apply the filters to `record` (it may be changed: `--strip-query` shortens its URI and
 * Referer). Returns the reason it is dropped, or undefined when it is kept.
 */
export function filterRecord(record: LogRecord, options: ConvertOptions): FilterReason | undefined {
  if (options.since !== undefined && record.time < options.since) return 'before --since';
  if (options.until !== undefined && record.time >= options.until) return 'after --until';
  if (!options.methods.has(record.method as never)) return 'method not in --methods';
  if (options.statusClasses.size > 0 || options.statusCodes.size > 0) {
    const s = record.status;
    if (!options.statusCodes.has(s) && !options.statusClasses.has(Math.floor(s / 100))) return 'status not in --status';
  }
  if (options.stripQuery) {
    record.uri = stripQuery(record.uri);
    record.referer = stripQuery(record.referer);
  }
  if (options.include.length > 0 && !options.include.some((re) => re.test(record.uri))) return 'URI not matching --include';
  if (options.exclude.length > 0 && options.exclude.some((re) => re.test(record.uri))) return 'URI matching --exclude';
  if (options.excludeBots && BOT_USER_AGENT.test(record.userAgent)) return 'bot user agent (--exclude-bots)';
  if (record.uri.length > options.maxUriLength) return 'URI longer than --max-uri-length';
  return undefined;
}
