// A task function for `lambda` tasks: in AWS, deploy it as a Lambda function and name it in
// the task's `config.function`; the embedded runtime registers it as `greet`.
type TaskEvent = {
  instance: { id: string; dataTime: string; attempt: number };
  parameters: Record<string, unknown>;
};

export async function handler(event: TaskEvent) {
  const greeting = String(event.parameters.greeting ?? 'hello');
  return { message: `${greeting} for ${event.instance.dataTime}`, attempt: event.instance.attempt };
}
