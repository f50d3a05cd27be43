/**
 * The one table of `npm run bench`: every figure is a row of the same shape, beside the same-run baseline
 * it is judged against, the ratio to it and the target. Row producers build rows with the helpers here
 * (latencyRows for samples, figureRow for a single figure, notMeasured for a row whose producer is not
 * there yet) and renderTable prints them as one markdown table.
 */

/** What a row's value is: a latency percentile or a wall time (ms), a rate, a size or a count. */
export type Figure = 'p50' | 'p95' | 'p99' | 'wall' | 'inv/s' | 'MB' | 'count';

export const UNIT: Record<Figure, string> = { p50: 'ms', p95: 'ms', p99: 'ms', wall: 'ms', 'inv/s': 'inv/s', MB: 'MB', count: '' };

export interface Baseline {
  name: string;
  value: number;
}

/** A target and whether this run met it (undefined: not measured). */
export interface TargetResult {
  text: string;
  met: boolean | undefined;
}

export interface BenchRow {
  scenario: string;
  figure: Figure;
  /** undefined: not measured in this run (`note` says why). */
  value: number | undefined;
  /** Samples behind a percentile. */
  n?: number;
  baseline?: Baseline;
  /** value ÷ baseline value. */
  ratio?: number;
  target?: TargetResult;
  note?: string;
}

/**
 * A target as a check of a row's value against its baseline's: built by atMost, atLeast, ratioAtMost,
 * ratioAtLeast, overBaselineAtMost.
 */
export interface Target {
  text: string;
  check(value: number, baseline: number | undefined): boolean;
}

export const atMost = (limit: number, unit = 'ms'): Target => ({ text: `≤ ${limit}${unit === '' ? '' : ` ${unit}`}`, check: (v) => v <= limit });
export const atLeast = (limit: number, unit = ''): Target => ({
  text: `≥ ${limit.toLocaleString('en-US')}${unit === '' ? '' : ` ${unit}`}`,
  check: (v) => v >= limit,
});
export const ratioAtMost = (ratio: number): Target => ({
  text: `≤ ${ratio}× baseline`,
  check: (v, b) => b !== undefined && v <= ratio * b,
});
export const ratioAtLeast = (ratio: number): Target => ({
  text: `≥ ${ratio}× baseline`,
  check: (v, b) => b !== undefined && v >= ratio * b,
});
export const overBaselineAtMost = (ms: number): Target => ({
  text: `≤ baseline + ${ms} ms`,
  check: (v, b) => b !== undefined && v - b <= ms,
});
/** Every one of `targets` (e.g. an absolute limit and a ratio). */
export const allOf = (...targets: Target[]): Target => ({
  text: targets.map((t) => t.text).join(' and '),
  check: (v, b) => targets.every((t) => t.check(v, b)),
});

export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

/** The value of a figure over samples (a percentile; any other figure is the single sample's value). */
export function figureOf(samples: readonly number[], figure: Figure): number {
  switch (figure) {
    case 'p50':
      return percentile(samples, 50);
    case 'p95':
      return percentile(samples, 95);
    case 'p99':
      return percentile(samples, 99);
    default:
      return samples[0] ?? NaN;
  }
}

/** A row of one figure, its ratio and target worked out. */
export function figureRow(
  scenario: string,
  figure: Figure,
  value: number | undefined,
  options: { baseline?: Baseline; target?: Target; n?: number; note?: string } = {},
): BenchRow {
  const row: BenchRow = { scenario, figure, value };
  if (options.n !== undefined) row.n = options.n;
  if (options.baseline !== undefined && Number.isFinite(options.baseline.value)) {
    row.baseline = options.baseline;
    if (value !== undefined && options.baseline.value !== 0) row.ratio = value / options.baseline.value;
  }
  if (options.target !== undefined) {
    row.target = {
      text: options.target.text,
      met: value === undefined || !Number.isFinite(value) ? undefined : options.target.check(value, row.baseline?.value),
    };
  }
  if (options.note !== undefined) row.note = options.note;
  return row;
}

/** A baseline made of samples: each figure of a row is compared with the same figure of the baseline. */
export interface SampleBaseline {
  name: string;
  samples: readonly number[];
}

/**
 * Rows of latency samples, one per figure, each beside the same figure of `baseline`'s samples, with the
 * target of that figure if there is one.
 */
export function latencyRows(
  scenario: string,
  samples: readonly number[],
  figures: readonly Figure[],
  options: { baseline?: SampleBaseline; targets?: Partial<Record<Figure, Target>>; note?: string } = {},
): BenchRow[] {
  return figures.map((figure) =>
    figureRow(scenario, figure, samples.length === 0 ? undefined : figureOf(samples, figure), {
      n: samples.length,
      ...(options.baseline === undefined ? {} : { baseline: { name: options.baseline.name, value: figureOf(options.baseline.samples, figure) } }),
      ...(options.targets?.[figure] === undefined ? {} : { target: options.targets[figure] }),
      ...(options.note === undefined ? {} : { note: options.note }),
    }),
  );
}

/** A row this run did not measure (its producer is missing or was skipped): printed, never left out. */
export function notMeasured(scenario: string, figure: Figure, note: string, target?: Target): BenchRow {
  return figureRow(scenario, figure, undefined, { note, ...(target === undefined ? {} : { target }) });
}

export function formatValue(value: number | undefined, figure: Figure): string {
  if (value === undefined || !Number.isFinite(value)) return 'not measured';
  if (figure === 'count' || figure === 'inv/s') return Math.round(value).toLocaleString('en-US');
  if (figure === 'MB') return value < 10 ? value.toFixed(2) : value.toFixed(1);
  return value < 1 ? value.toFixed(3) : value < 10 ? value.toFixed(2) : value.toFixed(1);
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** The rows as one markdown table. */
export function renderTable(rows: readonly BenchRow[]): string {
  const lines = [
    '| scenario | figure | lambdock | baseline | baseline value | ratio | target | met? |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const unit = UNIT[row.figure];
    const value = formatValue(row.value, row.figure);
    const figure = `${row.figure}${unit === '' || unit === row.figure ? '' : ` ${unit}`}${row.n === undefined ? '' : ` (n=${row.n})`}`;
    const met = row.target === undefined ? '' : row.target.met === undefined ? '—' : row.target.met ? 'yes' : '**no**';
    lines.push(
      `| ${cell(row.scenario + (row.note === undefined ? '' : ` (${row.note})`))} | ${figure} | ${value} | ` +
        `${cell(row.baseline?.name ?? '')} | ${row.baseline === undefined ? '' : formatValue(row.baseline.value, row.figure)} | ` +
        `${row.ratio === undefined ? '' : `${row.ratio < 0.1 ? row.ratio.toFixed(3) : row.ratio.toFixed(2)}×`} | ` +
        `${cell(row.target?.text ?? '')} | ${met} |`,
    );
  }
  return lines.join('\n');
}
