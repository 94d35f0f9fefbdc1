// Status changes out of the table's stream (NEW_AND_OLD_IMAGES): a new instance or run, or
// one whose `status` differs between the old and the new image. Everything else (counters,
// index keys, other items) is no status change.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { StatusChange } from '../../model/status-change.ts';
import { instanceFromItem } from './instance-items.ts';
import { runFromItem } from './run-items.ts';

export type StreamRecord = {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  dynamodb: {
    NewImage?: Record<string, AttributeValue>;
    OldImage?: Record<string, AttributeValue>;
    SequenceNumber?: string;
    /** Epoch seconds. */
    ApproximateCreationDateTime?: number;
  };
};

export function statusChangeOf(record: StreamRecord): StatusChange | undefined {
  if (record.eventName === 'REMOVE' || !record.dynamodb.NewImage) return undefined;
  const now = unmarshall(record.dynamodb.NewImage);
  const before = record.dynamodb.OldImage ? unmarshall(record.dynamodb.OldImage) : undefined;
  if (now.kind !== 'instance' && now.kind !== 'run') return undefined;
  if (before && before.status === now.status) return undefined;
  const previous = before?.status as string | undefined;
  const seconds = record.dynamodb.ApproximateCreationDateTime;
  const at = seconds === undefined ? {} : { at: new Date(seconds * 1000).toISOString() };
  if (now.kind === 'run') {
    return {
      kind: 'run',
      changeId: record.eventID,
      ...(previous ? { previous: previous as never } : {}),
      run: runFromItem(now),
      ...at,
    };
  }
  return {
    kind: 'instance',
    changeId: record.eventID,
    ...(previous ? { previous: previous as never } : {}),
    instance: instanceFromItem(now),
    ...at,
  };
}
