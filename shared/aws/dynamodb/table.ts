// The single table's shape: generic key attributes and the indexes the engine queries.
// docs/table-design.md has the access patterns and the partition maths.

export const KEY = { pk: 'pk', sk: 'sk' } as const;

/**
 * Every index projects keys only: an instance's index entries are written when their keys
 * change, not on every status change, and a list reads the items it pages through by key.
 * Each sort key ends in `#<id>`, so the id needs no projected attribute.
 */
export const INDEXES = {
  /** Instances by data-time day, sharded: `IDAY#<yyyy-MM-dd>#<shard>` → `<dataTime>#<instanceId>`. */
  instancesByDay: { name: 'gsi1', pk: 'gsi1pk', sk: 'gsi1sk', projection: 'KEYS_ONLY' },
  /** Instances of one workflow: `WFI#<workflowId>` → `<dataTime>#<instanceId>`; events by name. */
  instancesByWorkflow: { name: 'gsi2', pk: 'gsi2pk', sk: 'gsi2sk', projection: 'KEYS_ONLY' },
  /** Instances that may be late (sparse), sharded: `DUE#<shard>` → `<dueAt>#<instanceId>`. */
  dueInstances: { name: 'gsi3', pk: 'gsi3pk', sk: 'gsi3sk', projection: 'KEYS_ONLY' },
  /** Instances waiting for a resource-group slot (sparse): `RGW#<group>` → `<since>#<instanceId>`. */
  waitingForSlot: { name: 'gsi4', pk: 'gsi4pk', sk: 'gsi4sk', projection: 'KEYS_ONLY' },
} as const;

/** The id at the end of an index sort key (`<time>#<id>`). */
export const idOfIndexKey = (sortKey: unknown): string => {
  const text = String(sortKey);
  return text.slice(text.indexOf('#') + 1);
};

export type Key = { pk: string; sk: string };

/** Attribute holding an item's expiry (epoch seconds) for DynamoDB TTL. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Every key attribute is a string. */
export const TABLE_KEY_ATTRIBUTES = [KEY.pk, KEY.sk, ...Object.values(INDEXES).flatMap((i) => [i.pk, i.sk])];

/**
 * The due index's entries of one partition due before `now` (sort keys `<dueAt>#<id>`),
 * soonest first: the instances' shards and the alert timers' partition are read the same way.
 */
export function dueBefore(tableName: string, partition: string, now: string, limit: number) {
  const index = INDEXES.dueInstances;
  return {
    TableName: tableName,
    IndexName: index.name,
    KeyConditionExpression: '#pk = :pk AND #sk < :now',
    ExpressionAttributeNames: { '#pk': index.pk, '#sk': index.sk },
    ExpressionAttributeValues: { ':pk': partition, ':now': `${now}#\uffff` },
    Limit: limit,
  };
}
