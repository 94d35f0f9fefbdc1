// Local EventBridge: PutEvents (awsJson 1.1) onto named buses, rules with event patterns
// (the runtime's own, and rules made through PutRule/PutTargets with SQS queue targets, as a
// team or a test would make them), with the envelope EventBridge builds for each entry.
import { randomUUID } from 'node:crypto';
import { AwsServiceError, type JsonOperation } from '../aws-endpoint.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../constants.ts';
import { type EventPattern, matchesEventPattern, parseEventPattern } from './event-pattern.ts';

export type BusEvent = {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
};

export type RuleTarget = (event: BusEvent) => Promise<void>;
type Rule = { bus: string; name: string; pattern: EventPattern; targets: RuleTarget[] };

type PutEventsEntry = {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  Time?: number | string;
  EventBusName?: string;
};

const MAX_ENTRIES = 10;
const MAX_ENTRY_BYTES = 256 * 1024;

/** Rules made through the API name their targets by ARN; the runtime delivers to them. */
export type TargetDelivery = (arn: string, event: BusEvent) => Promise<void>;

export class LocalEventBus {
  #rules: Rule[] = [];
  /** Rules made through the API (PutRule, PutTargets): their pattern and target ARNs. */
  #apiRules = new Map<
    string,
    { bus: string; name: string; pattern: unknown; targets: Map<string, string> }
  >();
  readonly #deliver: TargetDelivery | undefined;

  constructor(options: { deliver?: TargetDelivery } = {}) {
    this.#deliver = options.deliver;
  }
  /** Every event accepted, newest last (bounded), for the runtime's own inspection. */
  readonly recent: BusEvent[] = [];

  putRule(bus: string, name: string, pattern: unknown, targets: RuleTarget[]): void {
    this.#rules = this.#rules.filter((r) => !(r.bus === bus && r.name === name));
    this.#rules.push({ bus, name, pattern: parseEventPattern(pattern), targets });
  }

  async putEvents(entries: PutEventsEntry[]) {
    if (entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw new AwsServiceError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: ` +
          `Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    }
    const results = [];
    for (const entry of entries) {
      const fault = entryFault(entry);
      if (fault) {
        results.push({ ErrorCode: fault.code, ErrorMessage: fault.message });
        continue;
      }
      const event: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType as string,
        source: entry.Source as string,
        account: LOCAL_ACCOUNT,
        time: `${eventTime(entry.Time).toISOString().slice(0, 19)}Z`,
        region: LOCAL_REGION,
        resources: entry.Resources ?? [],
        detail: JSON.parse(entry.Detail as string),
      };
      this.recent.push(event);
      if (this.recent.length > 1000) this.recent.shift();
      const bus = busName(entry.EventBusName);
      const targets = this.#rules
        .filter((r) => r.bus === bus && matchesEventPattern(r.pattern, event))
        .flatMap((r) => r.targets);
      await Promise.all(targets.map((deliver) => deliver(event)));
      results.push({ EventId: event.id });
    }
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  operations(): Record<string, JsonOperation> {
    const keyOf = (input: Record<string, unknown>, field: 'Name' | 'Rule') =>
      `${busName(input.EventBusName as string | undefined)}/${String(input[field] ?? '')}`;
    const refresh = (key: string) => {
      const rule = this.#apiRules.get(key);
      if (!rule) return;
      const deliver = this.#deliver;
      this.putRule(
        rule.bus,
        rule.name,
        rule.pattern,
        deliver ? [...rule.targets.values()].map((arn) => (event: BusEvent) => deliver(arn, event)) : [],
      );
    };
    return {
      PutEvents: (input) => this.putEvents((input.Entries as PutEventsEntry[] | undefined) ?? []),
      PutRule: (input) => {
        const bus = busName(input.EventBusName as string | undefined);
        const name = String(input.Name ?? '');
        if (!name || typeof input.EventPattern !== 'string') {
          throw new AwsServiceError('ValidationException', 'PutRule needs a Name and an EventPattern here');
        }
        const pattern: unknown = JSON.parse(input.EventPattern);
        parseEventPattern(pattern);
        const key = keyOf(input, 'Name');
        this.#apiRules.set(key, {
          bus,
          name,
          pattern,
          targets: this.#apiRules.get(key)?.targets ?? new Map(),
        });
        refresh(key);
        return { RuleArn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${bus}/${name}` };
      },
      PutTargets: (input) => {
        const key = keyOf(input, 'Rule');
        const rule = this.#apiRules.get(key);
        if (!rule) throw new AwsServiceError('ResourceNotFoundException', `Rule ${key} does not exist.`);
        for (const target of (input.Targets as { Id: string; Arn: string }[] | undefined) ?? []) {
          rule.targets.set(target.Id, target.Arn);
        }
        refresh(key);
        return { FailedEntryCount: 0, FailedEntries: [] };
      },
      RemoveTargets: (input) => {
        const key = keyOf(input, 'Rule');
        for (const id of (input.Ids as string[] | undefined) ?? [])
          this.#apiRules.get(key)?.targets.delete(id);
        refresh(key);
        return { FailedEntryCount: 0, FailedEntries: [] };
      },
      DeleteRule: (input) => {
        const key = keyOf(input, 'Name');
        const rule = this.#apiRules.get(key);
        if (rule) this.#rules = this.#rules.filter((r) => !(r.bus === rule.bus && r.name === rule.name));
        this.#apiRules.delete(key);
        return {};
      },
    };
  }
}

/** `name` or a bus ARN → the bus name; none → `default`. */
function busName(nameOrArn: string | undefined): string {
  if (!nameOrArn) return 'default';
  return nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1) : nameOrArn;
}

function eventTime(time: number | string | undefined): Date {
  if (time === undefined) return new Date();
  return typeof time === 'number' ? new Date(time * 1000) : new Date(time);
}

type EntryFault = { code: 'InvalidArgument' | 'MalformedDetail'; message: string };

function entryFault(entry: PutEventsEntry): EntryFault | undefined {
  const invalid = (message: string): EntryFault => ({ code: 'InvalidArgument', message });
  if (!entry.Source) return invalid('Parameter Source is not valid. Reason: Source is a required argument.');
  if (!entry.DetailType)
    return invalid('Parameter DetailType is not valid. Reason: DetailType is a required argument.');
  if (!entry.Detail) return invalid('Parameter Detail is not valid. Reason: Detail is a required argument.');
  if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES)
    return invalid('Total size of the entries in the request is over the limit.');
  // PutEvents documents MalformedDetail for Detail that is not a JSON object.
  try {
    const detail: unknown = JSON.parse(entry.Detail);
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
      return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  } catch {
    return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  }
  return undefined;
}
