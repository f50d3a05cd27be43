import { Type } from '@sinclair/typebox';

// Types and structure only: lengths, patterns and enums are checked by the control plane, in AWS's words.

export const PolicyParams = Type.Object({ FunctionName: Type.String({ minLength: 1 }) });

export const StatementParams = Type.Object({ FunctionName: Type.String({ minLength: 1 }), StatementId: Type.String({ minLength: 1 }) });

export const PolicyQuery = Type.Object({ Qualifier: Type.Optional(Type.String()) });

export const RemovePermissionQuery = Type.Object({ Qualifier: Type.Optional(Type.String()), RevisionId: Type.Optional(Type.String()) });

export const AddPermissionBody = Type.Object({
  StatementId: Type.Optional(Type.String()),
  Action: Type.Optional(Type.String()),
  Principal: Type.Optional(Type.String()),
  SourceArn: Type.Optional(Type.String()),
  SourceAccount: Type.Optional(Type.String()),
  EventSourceToken: Type.Optional(Type.String()),
  RevisionId: Type.Optional(Type.String()),
  PrincipalOrgID: Type.Optional(Type.String()),
  FunctionUrlAuthType: Type.Optional(Type.String()),
  InvokedViaFunctionUrl: Type.Optional(Type.Boolean()),
});

export const RevisionQuery = Type.Object({ RevisionId: Type.Optional(Type.String()) });

export const LayerStatementParams = Type.Object({
  LayerName: Type.String({ minLength: 1 }),
  VersionNumber: Type.String({ minLength: 1 }),
  StatementId: Type.String({ minLength: 1 }),
});

export const AddLayerPermissionBody = Type.Object({
  StatementId: Type.Optional(Type.String()),
  Action: Type.Optional(Type.String()),
  Principal: Type.Optional(Type.String()),
  OrganizationId: Type.Optional(Type.String()),
});
