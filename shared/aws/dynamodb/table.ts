// The single table's shape: generic key attributes and the indexes the engine queries.
// docs/table-design.md has the access patterns and the partition maths.

export const KEY = { pk: 'pk', sk: 'sk' } as const;

export const INDEXES = {
  /** Instances by data-time day, sharded: `IDAY#<yyyy-MM-dd>#<shard>` → `<dataTime>#<instanceId>`. */
  instancesByDay: { name: 'gsi1', pk: 'gsi1pk', sk: 'gsi1sk' },
  /** Instances of one workflow: `WFI#<workflowId>` → `<dataTime>#<instanceId>`; events by name. */
  instancesByWorkflow: { name: 'gsi2', pk: 'gsi2pk', sk: 'gsi2sk' },
  /** Instances that may be late (sparse), sharded: `DUE#<shard>` → `<dueAt>#<instanceId>`. */
  dueInstances: { name: 'gsi3', pk: 'gsi3pk', sk: 'gsi3sk' },
  /** Instances waiting for a resource-group slot (sparse): `RGW#<group>` → `<since>#<instanceId>`. */
  waitingForSlot: { name: 'gsi4', pk: 'gsi4pk', sk: 'gsi4sk' },
} as const;

export type Key = { pk: string; sk: string };

/** Attribute holding an item's expiry (epoch seconds) for DynamoDB TTL. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Every key attribute is a string; all indexes project all attributes. */
export const TABLE_KEY_ATTRIBUTES = [KEY.pk, KEY.sk, ...Object.values(INDEXES).flatMap((i) => [i.pk, i.sk])];
