/**
 * Plan: everything computed once before the first session starts — the resolved target and
 * each template's request bytes and think times — so the run loop only copies references.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import { RunFailedError, UsageError } from '../errors.js';
import { prepareRequest, wireBytes, type PreparedRequest, type RequestContext } from '../http/request.js';
import type { ReplayOptions } from '../options.js';
import { templateRequestCount, type SessionFile, type SessionRequest } from '../session/model.js';
import type { PreparedTemplate, Target } from './context.js';

/** The Host header value: --server-name, else --server (bracketed if IPv6), never with the port. */
export function hostHeader(options: ReplayOptions): string {
  const name = options.serverName ?? options.server;
  return net.isIPv6(name) ? `[${name}]` : name;
}

/** Build every template's request bytes and think times (ms). */
export function prepareTemplates(file: SessionFile, options: ReplayOptions): PreparedTemplate[] {
  // Command-line text goes out as its UTF-8 bytes; the session file's strings already are bytes.
  const ctx: RequestContext = {
    hostHeader: options.workload?.noHostHeader ? null : wireBytes(hostHeader(options)),
    httpVersion: options.httpVersion,
    addHeaders: options.addHeaders.map(wireBytes),
  };
  // Generated workloads share request objects between calls: build each one's bytes once.
  const prepared = new Map<SessionRequest, PreparedRequest>();
  const prepare = (req: SessionRequest): PreparedRequest => {
    let p = prepared.get(req);
    if (p === undefined) prepared.set(req, (p = prepareRequest(req, ctx)));
    return p;
  };
  return file.templates.map((template) => ({
    requestCount: templateRequestCount(template),
    pipelineBursts: template.pipelineBursts === true,
    bursts: template.bursts.map((burst) => ({
      requests: burst.requests.map(prepare),
      thinkMs: Math.max(0, (burst.thinkTime ?? options.thinkTime) * 1000),
    })),
  }));
}

/** --ssl-ciphers must name at least one cipher OpenSSL knows (else every connect would throw). */
function checkCiphers(ciphers: string | undefined): void {
  if (ciphers === undefined) return;
  try {
    tls.createSecureContext({ ciphers });
  } catch (err) {
    throw new UsageError(`--ssl-ciphers=${ciphers}: no usable cipher in the list (OpenSSL: ${(err as Error).message})`);
  }
}

/** Resolve --server once (httperf does the same), preferring what the system resolver returns first. */
export async function resolveTarget(options: ReplayOptions): Promise<Target> {
  checkCiphers(options.workload?.sslCiphers);
  const host = options.server.replace(/^\[(.*)\]$/, '$1');
  let address = host;
  let family = net.isIP(host) as 0 | 4 | 6;
  if (family === 0) {
    try {
      const found = await dns.lookup(host);
      address = found.address;
      family = found.family as 4 | 6;
    } catch (err) {
      throw new RunFailedError(`cannot resolve --server ${host}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  return {
    address,
    family: family as 4 | 6,
    port: options.port,
    tls: options.ssl,
    serverName: net.isIP(options.serverName ?? host) ? undefined : (options.serverName ?? host),
    rejectUnauthorized: !options.insecure,
    ciphers: options.workload?.sslCiphers,
  };
}
