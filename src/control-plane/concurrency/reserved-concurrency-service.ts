import { functionNotFound, invalidParameter } from '../../shared/errors.js';
import { Violations } from '../../shared/violations.js';
import { buildFunctionArn, checkFunctionName, splitFunctionName, type Scope } from '../function-ref.js';
import type { FunctionStore } from '../function-store.js';
import type { ReservedConcurrencyStore } from './reserved-concurrency-store.js';

export interface ConcurrencyLimits {
  /** The account's concurrency (LAMBDOCK_ACCOUNT_CONCURRENCY). */
  account: number;
  /** What reservations must leave unreserved (AWS: 100). */
  minUnreserved: number;
}

/** PutFunctionConcurrency, GetFunctionConcurrency, DeleteFunctionConcurrency, and the account's unreserved pool. */
export class ReservedConcurrencyService {
  constructor(
    private readonly functions: FunctionStore,
    private readonly store: ReservedConcurrencyStore,
    private readonly scope: Scope,
    readonly limits: ConcurrencyLimits,
  ) {}

  async put(functionName: string, value: number | undefined): Promise<number> {
    const violations = new Violations(['functionName', 'reservedConcurrentExecutions']);
    checkFunctionName(functionName, 'FunctionName', violations);
    if (value === undefined) violations.addNull('reservedConcurrentExecutions');
    else if (value < 0) violations.add('reservedConcurrentExecutions', value, 'Member must have value greater than or equal to 0');
    violations.throwIfAny();
    const name = this.unqualifiedName(functionName);
    const result = await this.store.reserve(name, value ?? 0, this.limits.account, this.limits.minUnreserved);
    if (result === 'no-function') throw functionNotFound(buildFunctionArn(this.scope, name, '$LATEST'));
    if (result === 'below-minimum') {
      throw invalidParameter(
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.limits.minUnreserved}].`,
      );
    }
    return value ?? 0;
  }

  /** The function's reservation, if it has one. */
  async get(functionName: string): Promise<number | undefined> {
    const name = this.existingName(functionName);
    if ((await this.functions.load(name)) === undefined) throw functionNotFound(buildFunctionArn(this.scope, name));
    return this.store.loadReserved(name);
  }

  async remove(functionName: string): Promise<void> {
    const name = this.existingName(functionName);
    if ((await this.functions.load(name)) === undefined) throw functionNotFound(buildFunctionArn(this.scope, name));
    await this.store.unreserve(name);
  }

  /** What no function has reserved: the pool every function without a reservation shares. */
  async fetchUnreserved(): Promise<number> {
    return this.limits.account - (await this.store.loadTotalReserved());
  }

  private existingName(functionName: string): string {
    const violations = new Violations();
    checkFunctionName(functionName, 'FunctionName', violations);
    violations.throwIfAny();
    return this.unqualifiedName(functionName);
  }

  /** Reserved concurrency belongs to the function: a version, an alias or `$LATEST` named is refused. */
  private unqualifiedName(functionName: string): string {
    const ref = splitFunctionName(functionName, this.scope, 'FunctionName');
    if (ref.qualifier !== undefined) {
      throw invalidParameter(
        'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.',
      );
    }
    return ref.name;
  }
}
