/**
 * The FunctionConfiguration fields each operation leaves out of its answer (recorded from AWS:
 * CreateFunction has no LastUpdateStatus*; ListFunctions items, see toListedConfiguration, have neither
 * State* nor LastUpdateStatus* nor RuntimeVersionConfig). GetFunction, GetFunctionConfiguration and the
 * updates show every field.
 */
const CREATE_OMITS = ['LastUpdateStatus', 'LastUpdateStatusReason', 'LastUpdateStatusReasonCode'] as const;

function omit(configuration: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const shown = { ...configuration };
  for (const key of keys) delete shown[key];
  return shown;
}

/** CreateFunction's answer. */
export const getCreateView = (configuration: Record<string, unknown>) => omit(configuration, CREATE_OMITS);
