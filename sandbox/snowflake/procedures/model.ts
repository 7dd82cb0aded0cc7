// A stored procedure as the catalog keeps it: a Python handler like a function's, plus whose rights its
// statements run with.
import type { SchemaObj } from '../catalog.js';
import type { FunctionDef } from '../parser.js';

/** EXECUTE AS: OWNER (Snowflake's default) runs the statements as the owning role. */
export type ExecuteAs = 'OWNER' | 'CALLER' | 'RESTRICTED CALLER';

export interface StoredProcedure extends SchemaObj {
  def: FunctionDef; // eais/secrets stored fully qualified; returns a scalar
  argTypes: string[];
  executeAs: ExecuteAs;
}
