/**
 * Settings of one `loadgen convert` run, as plain data (validated by command.ts), with the
 * defaults documented in docs/convert.md.
 */
import type { HttpMethod } from '../session/model.js';

/** How requests are attributed to a client. */
export type ClientKey = 'ip' | 'ip+ua';

export interface ConvertOptions {
  /** `--format` value: a name (auto, common, combined, nginx, json) or a format string. */
  readonly format: string;
  /** `--field NAME=KEY` pairs for JSON logs. */
  readonly jsonFields: readonly string[];
  readonly clientKey: ClientKey;
  /** Seconds without a request after which a client's next request starts a new session. */
  readonly idleTimeout: number;
  /** Seconds a line may be older than the newest line read so far and still be placed in order. */
  readonly reorderWindow: number;
  /** Seconds after the previous request of a burst within which an asset without Referer joins it. */
  readonly burstWindow: number;
  /** File extensions (lower case, no dot) of embedded resources. */
  readonly assetExtensions: ReadonlySet<string>;
  /** Think-time bounds (seconds, after scaling) and scale factor. */
  readonly minThink: number;
  readonly maxThink: number;
  readonly thinkScale: number;
  /** Methods kept. */
  readonly methods: ReadonlySet<HttpMethod>;
  /** Status filter: classes (1..5) and exact codes; both empty = keep every status. */
  readonly statusClasses: ReadonlySet<number>;
  readonly statusCodes: ReadonlySet<number>;
  readonly include: readonly RegExp[];
  readonly exclude: readonly RegExp[];
  readonly excludeBots: boolean;
  readonly stripQuery: boolean;
  /** Time range in epoch seconds (inclusive start, exclusive end). */
  readonly since?: number;
  readonly until?: number;
  readonly maxSessions?: number;
  /** Fraction of clients kept, in (0, 1]. */
  readonly sample: number;
  readonly minRequests: number;
  /** Requests with a longer URI (after encoding) are dropped: httperf 0.9.0 reads lines of < 10000 bytes. */
  readonly maxUriLength: number;
  readonly strict: boolean;
}

/** Embedded-resource extensions: stylesheets, scripts, images, fonts, media. */
export const DEFAULT_ASSET_EXTENSIONS: readonly string[] = [
  'css', 'js', 'mjs', 'map',
  'png', 'jpg', 'jpeg', 'gif', 'ico', 'svg', 'webp', 'avif', 'bmp', 'tif', 'tiff', 'xbm', 'cur',
  'woff', 'woff2', 'ttf', 'otf', 'eot',
  'mp4', 'webm', 'ogg', 'ogv', 'mp3', 'wav', 'm4a', 'aac', 'flac', 'mpg', 'mpeg', 'mov', 'avi', 'm3u8', 'ts',
];

/** Defaults of every option. */
export const DEFAULT_CONVERT_OPTIONS: ConvertOptions = {
  format: 'auto',
  jsonFields: [],
  clientKey: 'ip+ua',
  idleTimeout: 1800,
  reorderWindow: 120,
  burstWindow: 5,
  assetExtensions: new Set(DEFAULT_ASSET_EXTENSIONS),
  minThink: 0,
  maxThink: Number.POSITIVE_INFINITY,
  thinkScale: 1,
  methods: new Set<HttpMethod>(['GET', 'HEAD']),
  statusClasses: new Set(),
  statusCodes: new Set(),
  include: [],
  exclude: [],
  excludeBots: false,
  stripQuery: false,
  sample: 1,
  minRequests: 1,
  maxUriLength: 8190,
  strict: false,
};

/** Options with defaults filled in for any not given. */
export function convertOptions(partial: Partial<ConvertOptions> = {}): ConvertOptions {
  return { ...DEFAULT_CONVERT_OPTIONS, ...partial };
}
