/** A work queue (SQS in AWS): at-least-once delivery, so consumers are idempotent. */
export type WorkQueue<M> = { send(messages: M[]): Promise<void> };

export type DispatchMessage = { instanceId: string };
export type CompletionMessage = { instanceId: string };
