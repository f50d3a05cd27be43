import type { Outcome, RawRequest } from './raw-http.js';

export type FuzzedApi = 'lambda' | 'runtime';

/** A kind of failure (same API, case, and answer), with how often it happened and its first example. */
export interface FuzzFinding {
  api: FuzzedApi;
  signature: string;
  count: number;
  example: { method: string; target: string; request: string; status?: number; body?: string };
}

export interface FuzzReport {
  seed: number;
  requests: Record<FuzzedApi, number>;
  outcomes: Record<Outcome['kind'], number>;
  statuses: Record<string, number>;
  /** Requests the server closed without an answer, by case (expected only for ones broken at the HTTP layer). */
  closedUnanswered: Record<string, number>;
  /** Answers with a status of 500 or more. */
  serverErrors: number;
  /** Requests neither answered nor closed within the timeout. */
  hangs: number;
  findings: FuzzFinding[];
  /** Checks that a well-behaved client still gets served, during and after the fuzz (empty: all passed). */
  livenessFailures: string[];
}

/** Headers (long values by their length), body size, declared length and ending of a request. */
function describeRequest(request: RawRequest): string {
  const headers = request.headers.map(([name, value]) => `${name}: ${value.length > 60 ? `<${value.length} chars>` : JSON.stringify(value)}`);
  const shown = headers.length > 8 ? [...headers.slice(0, 8), `… ${headers.length - 8} more`] : headers;
  const declared = request.declaredLength === undefined ? '' : `, Content-Length ${request.declaredLength} declared`;
  return `[${shown.join(', ')}] body ${request.body.length} bytes${declared}, ${request.ending}: ${cut(request.body.toString('utf8'), 120)}`;
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);

/** Counts outcomes as the fuzzers report them; 5xx answers and hangs become findings. */
export class FuzzTally {
  private readonly report: FuzzReport;
  private readonly bySignature = new Map<string, FuzzFinding>();

  constructor(seed: number) {
    this.report = {
      seed,
      requests: { lambda: 0, runtime: 0 },
      outcomes: { answered: 0, closed: 0, hang: 0, aborted: 0 },
      statuses: {},
      closedUnanswered: {},
      serverErrors: 0,
      hangs: 0,
      findings: [],
      livenessFailures: [],
    };
  }

  record(api: FuzzedApi, label: string, request: RawRequest, outcome: Outcome): void {
    const r = this.report;
    r.requests[api] += 1;
    r.outcomes[outcome.kind] += 1;
    let signature: string | undefined;
    if (outcome.kind === 'answered') {
      const key = `${api} ${outcome.status}`;
      r.statuses[key] = (r.statuses[key] ?? 0) + 1;
      if (outcome.status >= 500) {
        r.serverErrors += 1;
        signature = `${label} → ${outcome.status} ${outcome.headers['x-amzn-errortype'] ?? ''}`.trim();
      }
    } else if (outcome.kind === 'closed') {
      const key = `${api} ${label} (${request.method}${request.declaredLength === undefined ? '' : ', truncated'}${request.body.length > 1_000_000 ? ', body > 1 MB' : ''})`;
      r.closedUnanswered[key] = (r.closedUnanswered[key] ?? 0) + 1;
    } else if (outcome.kind === 'hang') {
      r.hangs += 1;
      signature = `${label} → no answer`;
    }
    if (signature === undefined) return;
    const id = `${api}|${signature}`;
    const known = this.bySignature.get(id);
    if (known !== undefined) {
      known.count += 1;
      return;
    }
    const finding: FuzzFinding = {
      api,
      signature,
      count: 1,
      example: {
        method: request.method,
        target: cut(request.requestLine ?? request.target, 200),
        request: describeRequest(request),
        ...(outcome.kind === 'answered' ? { status: outcome.status, body: cut(outcome.body, 300) } : {}),
      },
    };
    this.bySignature.set(id, finding);
    r.findings.push(finding);
  }

  livenessFailed(what: string): void {
    this.report.livenessFailures.push(what);
  }

  get result(): FuzzReport {
    return this.report;
  }
}

/** Whether the fuzz passed: no 5xx, no hang, and lambdock kept serving well-behaved clients. */
export function isClean(report: FuzzReport): boolean {
  return report.serverErrors === 0 && report.hangs === 0 && report.livenessFailures.length === 0;
}

export function formatReport(report: FuzzReport): string {
  const lines = [
    `fuzz seed ${report.seed}: ${report.requests.lambda} Lambda API + ${report.requests.runtime} Runtime API requests`,
    `outcomes: ${Object.entries(report.outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `statuses: ${Object.entries(report.statuses).sort().map(([k, v]) => `${k}: ${v}`).join(', ')}`,
    `closed unanswered: ${Object.entries(report.closedUnanswered).sort().map(([k, v]) => `${k}: ${v}`).join(', ') || 'none'}`,
    `answers >= 500: ${report.serverErrors}`,
    `hangs: ${report.hangs}`,
    `liveness: ${report.livenessFailures.length === 0 ? 'ok' : report.livenessFailures.join('; ')}`,
  ];
  for (const f of report.findings) {
    lines.push(`  [${f.api}] ${f.signature} ×${f.count}: ${f.example.method} ${f.example.target}${f.example.body === undefined ? '' : ` → ${f.example.body}`}`);
    lines.push(`      ${f.example.request}`);
  }
  return lines.join('\n');
}
