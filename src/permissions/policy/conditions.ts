import { matchesArn, matchesWildcard } from './wildcard.js';

/**
 * The Condition element: every operator, and every key under it, must hold (AND); a key's values are
 * alternatives (OR), and for a negated operator the context value must match none of them.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 */

export type RequestContext = Record<string, string | string[] | undefined>;

type Match = (policyValue: string, contextValue: string) => boolean;

const number = (text: string): number => (text.trim() === '' ? Number.NaN : Number(text));
/** A date as IAM takes it: ISO 8601, or epoch seconds. */
const date = (text: string): number => (/^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text));
const compare = (parse: (text: string) => number, test: (c: number, p: number) => boolean): Match => (p, c) => {
  const [pv, cv] = [parse(p), parse(c)];
  return !Number.isNaN(pv) && !Number.isNaN(cv) && test(cv, pv);
};

/** The positive base operators; a `Not` operator is the negation of its base, value by value. */
const BASE_OPERATORS: Record<string, Match> = {
  StringEquals: (p, c) => p === c,
  StringEqualsIgnoreCase: (p, c) => p.toLowerCase() === c.toLowerCase(),
  StringLike: (p, c) => matchesWildcard(p, c),
  ArnEquals: (p, c) => matchesArn(p, c),
  ArnLike: (p, c) => matchesArn(p, c),
  Bool: (p, c) => p.toLowerCase() === c.toLowerCase(),
  NumericEquals: compare(number, (c, p) => c === p),
  NumericLessThan: compare(number, (c, p) => c < p),
  NumericLessThanEquals: compare(number, (c, p) => c <= p),
  NumericGreaterThan: compare(number, (c, p) => c > p),
  NumericGreaterThanEquals: compare(number, (c, p) => c >= p),
  DateEquals: compare(date, (c, p) => c === p),
  DateLessThan: compare(date, (c, p) => c < p),
  DateLessThanEquals: compare(date, (c, p) => c <= p),
  DateGreaterThan: compare(date, (c, p) => c > p),
  DateGreaterThanEquals: compare(date, (c, p) => c >= p),
};

const NEGATED: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
  NumericNotEquals: 'NumericEquals',
  DateNotEquals: 'DateEquals',
};

interface Operator {
  set: 'ForAnyValue' | 'ForAllValues' | undefined;
  match: Match;
  negated: boolean;
  ifExists: boolean;
}

/** `ForAllValues:StringNotLikeIfExists` → its parts; undefined for an operator IAM does not have (or lambdock does not know). */
export function getOperator(name: string): Operator | undefined {
  const setMatch = /^(ForAnyValue|ForAllValues):(.*)$/.exec(name);
  const set = setMatch?.[1] as Operator['set'];
  let rest = setMatch?.[2] ?? name;
  const ifExists = rest.endsWith('IfExists');
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  const base = NEGATED[rest] ?? rest;
  const match = Object.hasOwn(BASE_OPERATORS, base) ? BASE_OPERATORS[base] : undefined;
  return match === undefined ? undefined : { set, match, negated: base !== rest, ifExists };
}

/** Context keys are case-insensitive: one lookup table with lower-case keys, values as lists. */
export function getContextValues(context: RequestContext): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const [key, value] of Object.entries(context)) {
    if (value !== undefined) values.set(key.toLowerCase(), Array.isArray(value) ? value : [value]);
  }
  return values;
}

/** `Null`: `true` wants the key absent, `false` present. */
function holdsNull(expected: string[], present: boolean): boolean {
  return expected.some((e) => (e.toLowerCase() === 'true' ? !present : present));
}

function holdsKey(operator: Operator, expected: string[], actual: string[] | undefined): boolean {
  const one = (c: string): boolean => {
    const any = expected.some((p) => operator.match(p, c));
    return operator.negated ? !any : any;
  };
  if (actual === undefined || actual.length === 0) {
    // ForAllValues holds over an empty set; the others hold only when they ask for no match (negated) or IfExists.
    if (operator.ifExists) return true;
    if (operator.set === 'ForAllValues') return true;
    if (operator.set === 'ForAnyValue') return false;
    return operator.negated;
  }
  if (operator.set === 'ForAllValues') return actual.every(one);
  if (operator.set === 'ForAnyValue') return actual.some(one);
  // A single-valued operator on several values: a positive one needs one of them to match, a negated one none.
  return operator.negated ? actual.every(one) : actual.some(one);
}

/** Whether a statement's Condition holds for the request; an operator IAM does not have never holds. */
export function holdsCondition(condition: Record<string, Record<string, string | string[]>> | undefined, context: ReadonlyMap<string, string[]>): boolean {
  if (condition === undefined) return true;
  return Object.entries(condition).every(([name, keys]) =>
    Object.entries(keys).every(([key, value]) => {
      const expected = Array.isArray(value) ? value.map(String) : [String(value)];
      const actual = context.get(key.toLowerCase());
      if (name === 'Null') return holdsNull(expected, actual !== undefined && actual.length > 0);
      const operator = getOperator(name);
      return operator !== undefined && holdsKey(operator, expected, actual);
    }),
  );
}
