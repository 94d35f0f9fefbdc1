// A DynamoDB Streams event as Lambda delivers it (the images as attribute values).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';

const image = z.record(
  z.string(),
  z.custom<AttributeValue>((value) => typeof value === 'object' && value !== null),
);

export const streamEventSchema = z.object({
  Records: z.array(
    z.object({
      eventID: z.string(),
      eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
      dynamodb: z.object({
        NewImage: image.optional(),
        OldImage: image.optional(),
        SequenceNumber: z.string(),
        ApproximateCreationDateTime: z.number().optional(),
      }),
    }),
  ),
});
