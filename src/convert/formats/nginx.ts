/**
 * nginx `log_format` strings compiled into the shared scanner (scanner.ts).
 *
 * Variables the converter needs have a role (`$remote_addr`, `$time_local`, `$time_iso8601`,
 * `$msec`, `$request`, `$request_method`, `$request_uri`, `$uri`, `$args`, `$status`,
 * `$http_referer`, `$http_user_agent`, `$request_time`); every other variable is skipped.
 * nginx writes the log line when the request ends, so its times are end times: when the format
 * has `$request_time`, the request start is the logged time minus that duration.
 */
import type { CompiledFormat, FieldSpec, Segment } from './scanner.js';

/** nginx's predefined `combined` format. */
export const NGINX_COMBINED_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

function field(directive: string, variable: string): FieldSpec {
  switch (variable) {
    case 'remote_addr':
    case 'realip_remote_addr':
    case 'binary_remote_addr':
      return { directive, role: 'client' };
    case 'time_local':
      return { directive, role: 'time', time: { kind: 'clf' }, timeIsEnd: true };
    case 'time_iso8601':
      return { directive, role: 'time', time: { kind: 'iso' }, timeIsEnd: true };
    case 'msec':
      return { directive, role: 'time', time: { kind: 'epoch' }, timeIsEnd: true };
    case 'request':
      return { directive, role: 'request' };
    case 'request_method':
      return { directive, role: 'method' };
    case 'request_uri':
      return { directive, role: 'target' };
    case 'uri':
    case 'document_uri':
      return { directive, role: 'path' };
    case 'args':
    case 'query_string':
      return { directive, role: 'query' };
    case 'status':
      return { directive, role: 'status' };
    case 'http_referer':
      return { directive, role: 'referer' };
    case 'http_user_agent':
      return { directive, role: 'userAgent' };
    case 'request_time':
      return { directive, role: 'duration', durationScale: 1 };
    default:
      return { directive, role: 'ignore' };
  }
}

/** Compile an nginx log_format string (the quoted parts of the directive, joined). */
export function compileNginxFormat(format: string, name = `nginx "${format}"`): CompiledFormat {
  const segments: Segment[] = [];
  let literal = '';
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c !== '$') {
      literal += c;
      i++;
      continue;
    }
    const start = i;
    let variable: string;
    if (format[i + 1] === '{') {
      const close = format.indexOf('}', i);
      if (close < 0) throw new Error(`log format: unterminated \${ at column ${start + 1}`);
      variable = format.slice(i + 2, close);
      i = close + 1;
    } else {
      i++;
      while (i < format.length && /[A-Za-z0-9_]/.test(format[i]!)) i++;
      variable = format.slice(start + 1, i);
    }
    if (variable.length === 0) throw new Error(`log format: lone $ at column ${start + 1}`);
    if (literal.length > 0) segments.push({ literal });
    literal = '';
    segments.push({ field: field(format.slice(start, i), variable) });
  }
  if (literal.length > 0) segments.push({ literal });
  return { name, segments };
}
