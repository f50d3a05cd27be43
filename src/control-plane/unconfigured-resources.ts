import { LambdaError } from '../shared/errors.js';
import { parseFunctionRef, resolveQualifier } from './function-ref.js';
import type { FunctionService } from './function-service.js';

const RESOURCE_MISSING = 'The resource you requested does not exist.';

const notFound = (message: string): LambdaError => new LambdaError('ResourceNotFoundException', message);

/**
 * The per-function settings deploy tools (Terraform, SAM, Serverless) read right after a create: function
 * URL, code signing, runtime management,
 * event source mappings. Until each is built, these answer exactly as AWS does
 * for an existing function that has none configured, with AWS's own not-found messages (recorded from AWS:
 * they differ per operation).
 */
export class UnconfiguredResources {
  constructor(private readonly functions: FunctionService) {}

  /** GetFunctionCodeSigningConfig: `{}` for a function without one. */
  async getCodeSigningConfig(functionName: string): Promise<Record<string, never>> {
    await this.requireFunction(functionName);
    return {};
  }

  /** GetFunctionUrlConfig: AWS says the same whether the function or its URL is missing. */
  async getFunctionUrlConfig(functionName: string, qualifier: string | undefined): Promise<never> {
    resolveQualifier(parseFunctionRef(functionName, this.functions.scope), qualifier);
    throw notFound(RESOURCE_MISSING);
  }

  async listFunctionUrlConfigs(functionName: string): Promise<{ FunctionUrlConfigs: [] }> {
    await this.requireFunction(functionName, 'Function does not exist');
    return { FunctionUrlConfigs: [] };
  }

  /** GetRuntimeManagementConfig: every lambdock function follows its runtime's updates (`Auto`). */
  async getRuntimeManagementConfig(functionName: string, qualifier: string | undefined) {
    const { record, qualifier: resolved } = await this.functions.resolve(functionName, qualifier);
    return { UpdateRuntimeOn: 'Auto', FunctionArn: this.functions.arnOf(record.name, resolved) };
  }

  /** ListEventSourceMappings: none exist; the filter is only checked for form. */
  async listEventSourceMappings(functionName: string | undefined): Promise<{ EventSourceMappings: [] }> {
    if (functionName !== undefined) parseFunctionRef(functionName, this.functions.scope);
    return { EventSourceMappings: [] };
  }

  /** The function a path names, qualifier ignored; a missing one with AWS's message for the operation. */
  private async requireFunction(functionName: string, missingMessage?: string) {
    const ref = parseFunctionRef(functionName, this.functions.scope);
    try {
      return await this.functions.getLatest(ref.name);
    } catch (error) {
      if (missingMessage !== undefined && error instanceof LambdaError && error.code === 'ResourceNotFoundException') {
        throw notFound(missingMessage);
      }
      throw error;
    }
  }
}
