// DynamoDB item sizes as DynamoDB bills and limits them (400 KB an item), and what a
// transactional write costs: the benchmark's correction for DynamoDB Local, which reports fewer units for a TransactWriteItems
// (2 for two 900-byte items, 6 for items of 2,000, 900 and 900 bytes) than DynamoDB bills: each
// item twice its own size, rounded up to the kilobyte (4 and 8; docs/benchmarks.md).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Bytes of an item (marshalled): the UTF-8 lengths of attribute names and values; numbers
 * take about one byte per two significant digits plus one; binary its length; booleans and
 * nulls one byte; lists and maps three bytes plus one per element (and their names).
 */
export function itemBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + valueBytes(value),
    0,
  );
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (value.NS) return value.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  if (value.BS) return value.BS.reduce((sum, b) => sum + b.length, 0);
  if (value.L) return 3 + value.L.reduce((sum: number, v: AttributeValue) => sum + 1 + valueBytes(v), 0);
  if (value.M) {
    return (
      3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k) + valueBytes(v), 0)
    );
  }
  return 0;
}

function numberBytes(n: string): number {
  const digits = n.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** Write units of one item written in a transaction: two per started kilobyte, at least two. */
export function transactionalWriteUnits(bytes: number): number {
  return 2 * Math.max(1, Math.ceil(bytes / 1024));
}
