import { LambdaError } from './errors.js';

/**
 * AWS's way of showing a value in a constraint message: `'text'`, `'12'`, `null`, lists as `'[a, b]'`,
 * maps as `'{k=v}'` (Java's toString, which AWS's validator prints).
 */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  return `'${javaString(value)}'`;
}

function javaString(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(javaString).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value).map(([k, v]) => `${k}=${javaString(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** `Value 'x' at 'member' failed to satisfy constraint: <rule>`, one item of a ValidationException. */
export function describeViolation(member: string, value: unknown, rule: string): string {
  return `Value ${showValue(value)} at '${member}' failed to satisfy constraint: ${rule}`;
}

/** AWS's "N validation error(s) detected: a; b" text. */
export function formatViolations(items: readonly string[]): string {
  return `${items.length} validation error${items.length === 1 ? '' : 's'} detected: ${items.join('; ')}`;
}

/**
 * Every constraint a request breaks, collected so the answer lists them all, as AWS does
 * ("2 validation errors detected: …; …"), instead of stopping at the first.
 */
export class Violations {
  private readonly items: Array<{ member: string; text: string }> = [];

  /** `order`: the request's members in the model's order, which is the order AWS lists violations in. */
  constructor(private readonly order: readonly string[] = []) {}

  add(member: string, value: unknown, rule: string): this {
    this.items.push({ member, text: describeViolation(member, value, rule) });
    return this;
  }

  /** A required member that is missing. */
  addNull(member: string): this {
    return this.add(member, null, 'Member must not be null');
  }

  get count(): number {
    return this.items.length;
  }

  /** The ValidationException listing every violation, or undefined when there is none. */
  toError(): LambdaError | undefined {
    if (this.items.length === 0) return undefined;
    const rank = (member: string) => {
      const index = this.order.indexOf(member.split('.')[0] ?? member);
      return index === -1 ? this.order.length : index;
    };
    const sorted = [...this.items].sort((a, b) => rank(a.member) - rank(b.member));
    return new LambdaError('ValidationException', formatViolations(sorted.map((item) => item.text)));
  }

  throwIfAny(): void {
    const error = this.toError();
    if (error !== undefined) throw error;
  }
}
