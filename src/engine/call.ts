import type { PreparedRequest } from '../http/request.js';

/** One request/reply exchange of a session ("call" in httperf's words). */
export class Call {
  /** performance.now() when the request was written, ms. */
  sendStart = 0;
  /** performance.now() when the first reply byte arrived, ms. */
  firstByte = 0;
  /** Reply deadline (ms, performance.now() clock); 0 = none. */
  deadline = 0;
  /** Read count of its connection when it was written: bytes of that same read cannot answer it. */
  writtenAtRead = 0;
  /** Times this call was sent again (after a reconnect or --retry-on-failure). */
  resends = 0;

  constructor(readonly request: PreparedRequest) {}
}
