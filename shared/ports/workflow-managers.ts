// Which CloudFormation resource manages a workflow (RondoWorkflow): only that resource's
// deletion may delete or pause it. A renamed construct, or a workflow moved to another
// stack, is created by its new resource before the old one is deleted.

export type WorkflowManager = { stackId: string; logicalResourceId: string };

export type WorkflowManagers = {
  get(workflowId: string): Promise<WorkflowManager | undefined>;
  /** Records the resource that manages the workflow now (a later one takes over). */
  put(workflowId: string, manager: WorkflowManager): Promise<void>;
  /** Forgets the manager, only if it is still this one. */
  release(workflowId: string, manager: WorkflowManager): Promise<void>;
};
