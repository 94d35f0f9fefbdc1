// Item sizes and transactional write units as DynamoDB documents them ("Item sizes and
// formats"; "Capacity unit consumption for transactions"), for the benchmark's correction of
// DynamoDB Local's transaction figures.
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { itemBytes, transactionalWriteUnits } from '#shared/aws/dynamodb/item-size.ts';

describe('item sizes', () => {
  it('adds names and values: strings by UTF-8 length, numbers by significant digits, binary by length', () => {
    expect(itemBytes(marshall({ Name: 'Bob' }))).toBe(4 + 3);
    expect(itemBytes(marshall({ café: 'é' }))).toBe(5 + 2);
    // 1 byte per two significant digits, plus one.
    expect(itemBytes(marshall({ n: 12_345 }))).toBe(1 + 4);
    expect(itemBytes(marshall({ n: 1_000_000 }))).toBe(1 + 2);
    expect(itemBytes({ b: { B: new Uint8Array(10) } })).toBe(1 + 10);
    expect(itemBytes(marshall({ ok: true, none: null }))).toBe(2 + 1 + 4 + 1);
  });

  it('adds three bytes for a list or map and one per element', () => {
    expect(itemBytes(marshall({ l: ['ab', 'c'] }))).toBe(1 + 3 + (1 + 2) + (1 + 1));
    expect(itemBytes(marshall({ m: { k: 'v' } }))).toBe(1 + 3 + (1 + 1 + 1));
  });

  it('bills a transactional write twice per started kilobyte of each item', () => {
    expect(transactionalWriteUnits(0)).toBe(2);
    expect(transactionalWriteUnits(1024)).toBe(2);
    expect(transactionalWriteUnits(1025)).toBe(4);
    // Two items of 900 bytes: 2 + 2, where DynamoDB Local reports 2.
    expect(transactionalWriteUnits(900) + transactionalWriteUnits(900)).toBe(4);
  });
});
