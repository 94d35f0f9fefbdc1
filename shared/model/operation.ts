// Operation records (PRODUCT.md §4): every mutating action, who did it, when, to what, with
// which parameters, and how it ended (refused actions included, with their error).

export type OperationTarget = {
  kind: 'instance' | 'workflow' | 'backfill' | 'resource-group' | 'folder';
  id: string;
};

export type OperationRecord = {
  id: string;
  at: string;
  actor: string;
  /** terminate, rerun, mark-success, remove-dependency, save-workflow, … */
  action: string;
  target: OperationTarget;
  /** The workflow the target belongs to: records are read per instance and per workflow. */
  workflowId?: string;
  parameters: Record<string, unknown>;
  result: { status: 'SUCCESS'; affected?: string[] } | { status: 'FAILED'; code: string; message: string };
};
