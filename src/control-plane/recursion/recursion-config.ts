import { validationError } from '../../shared/errors.js';
import { parseLatestName, type Scope } from '../function-ref.js';
import type { FunctionService } from '../function-service.js';

/** A function's recursive loop detection (PutFunctionRecursionConfig): AWS's default is Terminate. */
export type RecursiveLoop = 'Allow' | 'Terminate';

/** Where each function's setting is kept; a function without one terminates loops. */
export interface RecursionConfigStore {
  loadRecursiveLoop(name: string): Promise<RecursiveLoop | undefined>;
  saveRecursiveLoop(name: string, value: RecursiveLoop): Promise<void>;
  removeRecursiveLoop(name: string): Promise<void>;
}

const VALUES: readonly RecursiveLoop[] = ['Terminate', 'Allow'];

/** Put/GetFunctionRecursionConfig, on `$LATEST` only (the setting is the function's, as on AWS). */
export class RecursionConfigService {
  constructor(
    private readonly functions: FunctionService,
    private readonly store: RecursionConfigStore,
    private readonly scope: Scope,
  ) {}

  async put(functionName: string, value: unknown): Promise<{ RecursiveLoop: RecursiveLoop }> {
    if (value === undefined || value === null) {
      throw validationError("1 validation error detected: Value null at 'recursiveLoop' failed to satisfy constraint: Member must not be null");
    }
    if (typeof value !== 'string' || !VALUES.includes(value as RecursiveLoop)) {
      // AWS's message, recorded (LocalStack's TestLambdaRecursion snapshot).
      throw validationError(
        `1 validation error detected: Value '${String(value)}' at 'recursiveLoop' failed to satisfy constraint: ` +
          'Member must satisfy enum value set: [Terminate, Allow]',
      );
    }
    const latest = await this.functions.getLatest(parseLatestName(functionName, this.scope));
    await this.store.saveRecursiveLoop(latest.name, value as RecursiveLoop);
    return { RecursiveLoop: value as RecursiveLoop };
  }

  async get(functionName: string): Promise<{ RecursiveLoop: RecursiveLoop }> {
    const latest = await this.functions.getLatest(functionName);
    return { RecursiveLoop: await this.load(latest.name) };
  }

  /** What a function does on a loop (for the invoke path; no check that the function exists). */
  async load(name: string): Promise<RecursiveLoop> {
    return (await this.store.loadRecursiveLoop(name)) ?? 'Terminate';
  }

  /** Its function was deleted: a function created again under the name starts with AWS's default. */
  async remove(name: string): Promise<void> {
    await this.store.removeRecursiveLoop(name);
  }
}
