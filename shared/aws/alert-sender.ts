// The AlertSender port: an SNS topic (its subscribers get e-mail, SMS or HTTPS) through the
// SNS API, or a webhook that takes Slack/Teams-style JSON (`text`, plus the alert itself
// under `rondo`). A webhook URL may be a secret ({{secret:NAME}}: Slack's URLs are
// credentials); it is resolved here and never written anywhere. Webhooks obey the HTTP
// allow-list of `http` tasks.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { HostGuard } from '../executors/host-guard.ts';
import type { Alert } from '../model/alert.ts';
import type { AlertSender } from '../ports/alert-sender.ts';
import type { SecretStore } from '../ports/secret-store.ts';

const SECRET_URL = /^\{\{secret:([^}]+)\}\}$/;
/** SNS e-mail subjects: printable ASCII, at most 100 characters. */
const subjectOf = (title: string) => title.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);

export function createAlertSender(options: {
  sns: SNSClient;
  /** The stack's alert topic: channels of type `sns` without a topic ARN publish here. */
  defaultTopicArn?: string;
  secrets?: SecretStore;
  hostGuard?: HostGuard;
  fetch?: typeof fetch;
  timeoutMs?: number;
}): AlertSender {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    async send(channel, alert) {
      if (channel.type === 'sns') {
        const topicArn = channel.topicArn ?? options.defaultTopicArn;
        if (!topicArn)
          throw new Error('no SNS topic: the channel names none and the stack has no alert topic');
        await options.sns.send(
          new PublishCommand({
            TopicArn: topicArn,
            Subject: subjectOf(alert.title),
            Message: alert.message,
            MessageAttributes: {
              workflowId: { DataType: 'String', StringValue: alert.workflowId },
              on: { DataType: 'String', StringValue: alert.on },
            },
          }),
        );
        return;
      }
      const url = await webhookUrl(channel.url, options.secrets);
      const target = new URL(url);
      const refused = await options.hostGuard?.(target);
      // The host only: the URL's path and query are often the credential.
      if (refused) throw new Error(`webhook ${target.host}: ${refused}`);
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: alert.message, rondo: payloadOf(alert) }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      }).catch((error: unknown) => {
        const cause =
          error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
        throw new Error(
          `webhook ${target.host}: ${error instanceof Error ? error.message : String(error)}${cause}`,
        );
      });
      await response.body?.cancel().catch(() => undefined);
      if (!response.ok) throw new Error(`webhook ${target.host} answered ${response.status}`);
    },
  };
}

async function webhookUrl(url: string, secrets: SecretStore | undefined): Promise<string> {
  const name = SECRET_URL.exec(url)?.[1];
  if (!name) return url;
  const value = await secrets?.get(name);
  if (value === undefined) throw new Error(`webhook secret '${name}' does not exist`);
  return value;
}

/** What a webhook gets besides the text: the alert, without its channels (their URLs may be secrets). */
function payloadOf(alert: Alert): Omit<Alert, 'channels' | 'delivery'> {
  const { channels: _channels, delivery: _delivery, ...rest } = alert;
  return rest;
}
