/** `*` (any run of characters, `:` and `/` included) and `?` (any one character), as in IAM's Action, Resource and …Like. */
export function matchesWildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  // Iterative glob match with one backtrack point: linear enough for policy-sized strings, no regex built from input.
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === v[vi])) {
      pi += 1;
      vi += 1;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi;
      mark = vi;
      pi += 1;
    } else if (star !== -1) {
      pi = star + 1;
      mark += 1;
      vi = mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi += 1;
  return pi === p.length;
}

/**
 * ArnEquals / ArnLike: each of the six colon-separated parts is matched on its own (the resource part,
 * the last, keeps its colons), case-sensitively, with wildcards.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
 */
export function matchesArn(pattern: string, arn: string): boolean {
  const split = (text: string): string[] | undefined => {
    const parts = text.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const a = split(arn);
  // A pattern that is not ARN-shaped (`*`) matches the whole value.
  if (p === undefined) return matchesWildcard(pattern, arn);
  if (a === undefined) return false;
  return p.every((part, i) => matchesWildcard(part, a[i] as string));
}
