/**
 * What sessions and connections share during one run: options, the recorder, the resolved
 * target, the reply and connect deadlines, the connections the watchdog checks, the re-send
 * allowance and the tracer. One object per run, passed by reference.
 */
import type { ReplayOptions } from '../options.js';
import type { Recorder } from '../record/recorder.js';
import type { PreparedRequest } from '../http/request.js';
import type { Tracer } from '../workload/trace.js';

/** A session template with its requests' bytes built once. */
export interface PreparedTemplate {
  readonly bursts: ReadonlyArray<{ readonly requests: readonly PreparedRequest[]; readonly thinkMs: number }>;
  readonly requestCount: number;
  /** See SessionTemplate.pipelineBursts. */
  readonly pipelineBursts: boolean;
}

/** Where and how to connect, resolved once at start (httperf resolves the host once too). */
export interface Target {
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly tls: boolean;
  /** SNI name (omitted for IP literals). */
  readonly serverName: string | undefined;
  readonly rejectUnauthorized: boolean;
  /** --ssl-ciphers: OpenSSL cipher list (undefined: Node's default). */
  readonly ciphers?: string;
}

/** Connections with something in progress, checked by the run's single watchdog timer. */
export interface Watched {
  /** Close the connection as timed out if its deadline has passed. */
  checkDeadline(now: number): void;
}

/** The run-wide state every session and connection of one run reads (see the file comment). */
export interface EngineContext {
  readonly options: ReplayOptions;
  readonly recorder: Recorder;
  readonly target: Target;
  /** --timeout + --think-timeout in ms for a reply; 0 = no reply deadline. */
  readonly replyTimeoutMs: number;
  /** --timeout in ms for connect; 0 = none. */
  readonly connectTimeoutMs: number;
  /** Live connections, only maintained when a timeout is set. */
  readonly watched: Set<Watched> | null;
  /** Re-sends allowed per call (quiet reconnects and --retry-on-failure alike). */
  readonly maxResends: number;
  /** --print-request / --print-reply trace lines; null when off. */
  readonly trace?: Tracer | null;
  /** Called when a session is destroyed (success or failure), after its result is recorded. */
  sessionDestroyed(session: object): void;
  /** Called after each socket read: starts any session that fell due meanwhile (cheap when none did). */
  arrivalsDue(): void;
}
