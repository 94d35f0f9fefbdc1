import { describe, expect, it } from 'vitest';
import {
  InvalidEventPatternError,
  matchesEventPattern,
  parseEventPattern,
} from '../../../local/eventbridge/event-pattern.ts';

function matches(pattern: unknown, event: unknown): boolean {
  return matchesEventPattern(parseEventPattern(pattern), event);
}

function parseError(pattern: unknown): InvalidEventPatternError {
  try {
    parseEventPattern(pattern);
  } catch (error) {
    if (error instanceof InvalidEventPatternError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(pattern)} to be rejected`);
}

function expectInvalid(pattern: unknown, path: string, message?: RegExp): void {
  const error = parseError(pattern);
  expect(error.code).toBe('INVALID_EVENT_PATTERN');
  expect(error.name).toBe('InvalidEventPatternError');
  expect(error.path).toBe(path);
  if (message !== undefined) expect(error.message).toMatch(message);
}

// "Creating Amazon EventBridge event patterns": the EC2 instance-termination example.
describe('exact matching, AND across fields, OR within an array', () => {
  const event = {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '111122223333',
    time: '2017-12-22T18:43:48Z',
    region: 'us-west-1',
    resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
    detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
  };
  const pattern = {
    source: ['aws.ec2'],
    'detail-type': ['EC2 Instance State-change Notification'],
    detail: { state: ['terminated'] },
  };

  it('matches the documented event', () => {
    expect(matches(pattern, event)).toBe(true);
  });

  it('does not match when one field differs (AND across fields)', () => {
    expect(matches(pattern, { ...event, detail: { ...event.detail, state: 'running' } })).toBe(false);
    expect(matches(pattern, { ...event, source: 'aws.s3' })).toBe(false);
  });

  it('does not match when a pattern field is missing from the event', () => {
    const { detail: _detail, ...withoutDetail } = event;
    expect(matches(pattern, withoutDetail)).toBe(false);
    expect(matches(pattern, { ...event, detail: { 'instance-id': 'i-1' } })).toBe(false);
  });

  it('matches any value of the pattern array (OR), e.g. "source": ["aws.ec2", "aws.fargate"]', () => {
    const either = { source: ['aws.ec2', 'aws.fargate'] };
    expect(matches(either, { source: 'aws.ec2' })).toBe(true);
    expect(matches(either, { source: 'aws.fargate' })).toBe(true);
    expect(matches(either, { source: 'aws.s3' })).toBe(false);
  });

  it('compares strings character by character, without case folding', () => {
    expect(matches({ source: ['aws.ec2'] }, { source: 'AWS.EC2' })).toBe(false);
    expect(matches({ source: ['aws.ec2'] }, { source: 'aws.ec2 ' })).toBe(false);
  });

  it('does not confuse JSON types: "80" is not 80 and "true" is not true', () => {
    expect(matches({ n: [80] }, { n: 80 })).toBe(true);
    expect(matches({ n: [80] }, { n: '80' })).toBe(false);
    expect(matches({ b: [true] }, { b: true })).toBe(true);
    expect(matches({ b: [true] }, { b: 'true' })).toBe(false);
  });

  it('ignores event fields that are not in the pattern', () => {
    expect(matches({ source: ['aws.ec2'] }, event)).toBe(true);
  });
});

// "Amazon EventBridge event patterns" (Example events and event patterns: value matching, Macie alert).
describe('nested objects and numbers', () => {
  const event = {
    source: 'aws.macie',
    'detail-type': 'Macie Alert',
    detail: {
      'notification-type': 'ALERT_CREATED',
      tags: ['Custom_Alert', 'Insider'],
      'risk-score': 80,
      trigger: { 'alert-type': 'basic', risk: 8 },
    },
  };
  const pattern = {
    source: ['aws.macie'],
    'detail-type': ['Macie Alert'],
    detail: { 'risk-score': [80], trigger: { risk: [8] } },
  };

  it('matches a risk score of 80 and a trigger risk of 8', () => {
    expect(matches(pattern, event)).toBe(true);
  });

  it('does not match another trigger risk', () => {
    expect(matches(pattern, { ...event, detail: { ...event.detail, trigger: { risk: 7 } } })).toBe(false);
  });

  it('requires the same nesting: a flat field does not match a nested pattern', () => {
    expect(matches(pattern, { ...event, detail: { 'risk-score': 80, risk: 8 } })).toBe(false);
    expect(matches({ detail: { trigger: { risk: [8] } } }, { detail: { trigger: 8 } })).toBe(false);
  });
});

// "Matching null values and empty strings in Amazon EventBridge event patterns"
describe('null values and empty strings', () => {
  const event = {
    version: '0',
    id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
    'detail-type': 'EC2 Instance Launch Successful',
    source: 'aws.autoscaling',
    account: '123456789012',
    time: '2015-11-11T21:31:47Z',
    region: 'us-east-1',
    resources: [],
    detail: { eventVersion: '', responseElements: null },
  };

  it('matches an empty string with [""]', () => {
    expect(matches({ detail: { eventVersion: [''] } }, event)).toBe(true);
  });

  it('matches null with [null]', () => {
    expect(matches({ detail: { responseElements: [null] } }, event)).toBe(true);
  });

  it('does not treat null and empty strings as interchangeable', () => {
    expect(matches({ detail: { responseElements: [''] } }, event)).toBe(false);
    expect(matches({ detail: { eventVersion: [null] } }, event)).toBe(false);
  });

  it('does not match [null] against a missing field', () => {
    expect(matches({ detail: { missing: [null] } }, event)).toBe(false);
  });
});

// "Arrays in Amazon EventBridge event patterns"
describe('array values in the event', () => {
  const pattern = {
    resources: [
      'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
    ],
  };

  it('matches when the pattern array and the event array intersect', () => {
    const event = {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:' +
          'autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    };
    expect(matches(pattern, event)).toBe(true);
  });

  it('does not match when the intersection is empty', () => {
    expect(matches(pattern, { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] })).toBe(
      false,
    );
    expect(matches({ resources: [null] }, { resources: [] })).toBe(false);
  });

  it('applies operators to each element of an event array', () => {
    expect(matches({ tags: [{ prefix: 'Ins' }] }, { tags: ['Custom_Alert', 'Insider'] })).toBe(true);
    expect(matches({ tags: [{ prefix: 'Out' }] }, { tags: ['Custom_Alert', 'Insider'] })).toBe(false);
  });

  // Event Ruler README ("JSON Array Matching"), the matching library behind EventBridge rules.
  it('matches nested fields within the same element of an array of objects', () => {
    const employees = {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    };
    expect(matches({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(true);
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(false);
  });
});

// "Comparison operators for use in event patterns in Amazon EventBridge" (Prefix matching, Prefix matching
// while ignoring case) and "Content filtering in Amazon EventBridge event patterns" (Prefix matching).
describe('prefix', () => {
  it('matches "time" starting with "2017-10-02"', () => {
    const pattern = { time: [{ prefix: '2017-10-02' }] };
    expect(matches(pattern, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matches(pattern, { time: '2017-10-03T18:43:48Z' })).toBe(false);
  });

  it('matches European regions with "eu-"', () => {
    const pattern = { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] };
    expect(matches(pattern, { source: 'aws.autoscaling', region: 'eu-west-1' })).toBe(true);
    expect(matches(pattern, { source: 'aws.autoscaling', region: 'us-east-1' })).toBe(false);
  });

  it('only works on strings and is case sensitive', () => {
    expect(matches({ code: [{ prefix: '12' }] }, { code: 123 })).toBe(false);
    expect(matches({ region: [{ prefix: 'eu-' }] }, { region: 'EU-WEST-1' })).toBe(false);
  });

  it('ignores case with {"prefix": {"equals-ignore-case": "EventB"}}', () => {
    const pattern = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    for (const service of ['EventBridge', 'EVENTBRIDGE', 'eventbridge']) {
      expect(matches(pattern, { detail: { service } })).toBe(true);
    }
    expect(matches(pattern, { detail: { service: 'Amazon EventBridge' } })).toBe(false);
  });
});

// "Comparison operators for use in event patterns in Amazon EventBridge" (Suffix matching, Suffix matching
// while ignoring case).
describe('suffix', () => {
  it('matches "FileName" ending with ".png"', () => {
    const pattern = { FileName: [{ suffix: '.png' }] };
    expect(matches(pattern, { FileName: 'image.png' })).toBe(true);
    expect(matches(pattern, { FileName: 'image.jpg' })).toBe(false);
    expect(matches(pattern, { FileName: 'image.PNG' })).toBe(false);
  });

  it('ignores case with {"suffix": {"equals-ignore-case": ".png"}}', () => {
    const pattern = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };
    expect(matches(pattern, { detail: { FileName: 'photo.PNG' } })).toBe(true);
    expect(matches(pattern, { detail: { FileName: 'photo.png' } })).toBe(true);
    expect(matches(pattern, { detail: { FileName: 'photo.png.bak' } })).toBe(false);
  });
});

// "Comparison operators for use in event patterns in Amazon EventBridge" (Equals-ignore-case matching).
describe('equals-ignore-case', () => {
  const pattern = { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] };

  it('matches regardless of case', () => {
    expect(matches(pattern, { 'detail-type': 'EC2 Instance State-change Notification' })).toBe(true);
    expect(matches({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alice' })).toBe(true);
  });

  it('still requires the whole value to be equal', () => {
    expect(matches(pattern, { 'detail-type': 'EC2 Instance State-change' })).toBe(false);
    expect(matches({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alicia' })).toBe(false);
  });
});

// "Content filtering in Amazon EventBridge event patterns" (Anything-but matching) and "Comparison operators
// for use in event patterns in Amazon EventBridge" (anything-but with prefix, suffix, equals-ignore-case,
// wildcard).
describe('anything-but', () => {
  it('excludes a single string', () => {
    const pattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    expect(matches(pattern, { detail: { state: 'running' } })).toBe(true);
    expect(matches(pattern, { detail: { state: 'initializing' } })).toBe(false);
  });

  it('excludes a single number', () => {
    const pattern = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
    expect(matches(pattern, { detail: { 'x-limit': 124 } })).toBe(true);
    expect(matches(pattern, { detail: { 'x-limit': 123 } })).toBe(false);
  });

  it('excludes a list of strings', () => {
    const pattern = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    expect(matches(pattern, { detail: { state: 'running' } })).toBe(true);
    expect(matches(pattern, { detail: { state: 'stopped' } })).toBe(false);
    expect(matches(pattern, { detail: { state: 'overloaded' } })).toBe(false);
  });

  it('excludes a list of numbers', () => {
    const pattern = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(matches(pattern, { detail: { 'x-limit': 150 } })).toBe(true);
    expect(matches(pattern, { detail: { 'x-limit': 200 } })).toBe(false);
  });

  it('excludes CloudTrail API calls and events from EC2 or S3', () => {
    const notCloudTrail = { 'detail-type': [{ 'anything-but': 'AWS API Call via CloudTrail' }] };
    expect(matches(notCloudTrail, { 'detail-type': 'EC2 Instance State-change Notification' })).toBe(true);
    expect(matches(notCloudTrail, { 'detail-type': 'AWS API Call via CloudTrail' })).toBe(false);
    const notEc2OrS3 = { source: [{ 'anything-but': ['aws.ec2', 'aws.s3'] }] };
    expect(matches(notEc2OrS3, { source: 'aws.lambda' })).toBe(true);
    expect(matches(notEc2OrS3, { source: 'aws.s3' })).toBe(false);
  });

  it('matches values of another type and null, but not a missing field', () => {
    const pattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    expect(matches(pattern, { detail: { state: null } })).toBe(true);
    expect(matches(pattern, { detail: { state: 42 } })).toBe(true);
    expect(matches(pattern, { detail: {} })).toBe(false);
  });

  it('excludes a prefix: {"anything-but": {"prefix": "init"}}', () => {
    const pattern = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    expect(matches(pattern, { detail: { state: 'running' } })).toBe(true);
    expect(matches(pattern, { detail: { state: 'initializing' } })).toBe(false);
    const ownEvents = { source: [{ 'anything-but': { prefix: 'aws.' } }] };
    expect(matches(ownEvents, { source: 'com.example.orders' })).toBe(true);
    expect(matches(ownEvents, { source: 'aws.ec2' })).toBe(false);
  });

  it('excludes a list of prefixes', () => {
    const pattern = { detail: { state: [{ 'anything-but': { prefix: ['init', 'stop'] } }] } };
    expect(matches(pattern, { detail: { state: 'running' } })).toBe(true);
    expect(matches(pattern, { detail: { state: 'stopping' } })).toBe(false);
  });

  it('excludes a suffix and a list of suffixes', () => {
    const png = { FileName: [{ 'anything-but': { suffix: '.png' } }] };
    expect(matches(png, { FileName: 'photo.jpg' })).toBe(true);
    expect(matches(png, { FileName: 'photo.png' })).toBe(false);
    const pattern = { detail: { FileName: [{ 'anything-but': { suffix: ['.txt', '.rtf'] } }] } };
    expect(matches(pattern, { detail: { FileName: 'notes.md' } })).toBe(true);
    expect(matches(pattern, { detail: { FileName: 'document.rtf' } })).toBe(false);
  });

  it('excludes values ignoring case', () => {
    const pattern = { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] } };
    expect(matches(pattern, { detail: { state: 'running' } })).toBe(true);
    expect(matches(pattern, { detail: { state: 'INITIALIZING' } })).toBe(false);
    const list = {
      detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['initializing', 'stopped'] } }] },
    };
    expect(matches(list, { detail: { state: 'pending' } })).toBe(true);
    expect(matches(list, { detail: { state: 'Stopped' } })).toBe(false);
  });

  it('excludes a wildcard and a list of wildcards', () => {
    const pattern = { detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } };
    expect(matches(pattern, { detail: { FilePath: '/usr/bin/tool' } })).toBe(true);
    expect(matches(pattern, { detail: { FilePath: '/usr/lib/tool' } })).toBe(false);
    const list = { detail: { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] } };
    expect(matches(list, { detail: { FilePath: '/usr/share/doc' } })).toBe(true);
    expect(matches(list, { detail: { FilePath: '/usr/bin/tool' } })).toBe(false);
  });

  it('lets non-string values pass the string forms of anything-but', () => {
    expect(matches({ state: [{ 'anything-but': { prefix: 'init' } }] }, { state: 12 })).toBe(true);
    expect(matches({ path: [{ 'anything-but': { wildcard: '*/dir/*' } }] }, { path: 123 })).toBe(true);
  });
});

// "Content filtering in Amazon EventBridge event patterns" (Numeric matching) and "Comparison operators for use
// in event patterns in Amazon EventBridge" (Numeric (equals), Numeric (range)).
describe('numeric', () => {
  const pattern = {
    detail: {
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ numeric: ['=', 3.018e2] }],
    },
  };
  const event = { detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 } };

  it('matches when every field is in range', () => {
    expect(matches(pattern, event)).toBe(true);
  });

  it('does not match when any field is out of range', () => {
    expect(matches(pattern, { detail: { ...event.detail, 'c-count': 0 } })).toBe(false);
    expect(matches(pattern, { detail: { ...event.detail, 'c-count': 6 } })).toBe(false);
    expect(matches(pattern, { detail: { ...event.detail, 'd-count': 10 } })).toBe(false);
    expect(matches(pattern, { detail: { ...event.detail, 'x-limit': 301.9 } })).toBe(false);
  });

  it('compares numerically and honours inclusive and exclusive bounds', () => {
    const price = { Price: [{ numeric: ['>', 10, '<=', 20] }] };
    expect(matches(price, { Price: 10 })).toBe(false);
    expect(matches(price, { Price: 10.5 })).toBe(true);
    expect(matches(price, { Price: 20 })).toBe(true);
    expect(matches(price, { Price: 20.01 })).toBe(false);
    expect(matches({ Price: [{ numeric: ['>=', 10, '<', 20] }] }, { Price: 10 })).toBe(true);
    expect(matches({ Price: [{ numeric: ['>=', 10, '<', 20] }] }, { Price: 20 })).toBe(false);
    expect(matches({ Price: [{ numeric: ['=', 100] }] }, { Price: 100 })).toBe(true);
    expect(matches({ Price: [{ numeric: ['=', 100] }] }, { Price: 1e2 })).toBe(true);
  });

  it('only works with JSON numbers', () => {
    expect(matches({ Price: [{ numeric: ['=', 100] }] }, { Price: '100' })).toBe(false);
    expect(matches({ Price: [{ numeric: ['<', 10] }] }, { Price: null })).toBe(false);
    expect(matches({ Price: [{ numeric: ['<', 10] }] }, { Price: true })).toBe(false);
  });
});

// "Content filtering in Amazon EventBridge event patterns" (IP address matching).
describe('cidr', () => {
  const pattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };

  it('matches IPv4 addresses that start with 10.0.0', () => {
    expect(matches(pattern, { detail: { sourceIPAddress: '10.0.0.0' } })).toBe(true);
    expect(matches(pattern, { detail: { sourceIPAddress: '10.0.0.255' } })).toBe(true);
  });

  it('does not match addresses outside the block, non-addresses, or non-strings', () => {
    expect(matches(pattern, { detail: { sourceIPAddress: '10.0.1.1' } })).toBe(false);
    expect(matches(pattern, { detail: { sourceIPAddress: '10.0.0' } })).toBe(false);
    expect(matches(pattern, { detail: { sourceIPAddress: 123 } })).toBe(false);
    expect(matches(pattern, { detail: { sourceIPAddress: '::ffff:10.0.0.1' } })).toBe(false);
  });

  it('supports IPv6 blocks and prefix lengths that are not a multiple of 8', () => {
    const v6 = { ip: [{ cidr: '2001:db8::/32' }] };
    expect(matches(v6, { ip: '2001:db8:85a3::8a2e:370:7334' })).toBe(true);
    expect(matches(v6, { ip: '2001:db9::1' })).toBe(false);
    const v4 = { ip: [{ cidr: '192.168.0.0/20' }] };
    expect(matches(v4, { ip: '192.168.15.254' })).toBe(true);
    expect(matches(v4, { ip: '192.168.16.1' })).toBe(false);
  });
});

// "Content filtering in Amazon EventBridge event patterns" (Exists matching) and "Comparison operators for use
// in event patterns in Amazon EventBridge" (Exists, Does not exist).
describe('exists', () => {
  const pendingEvent = {
    version: '0',
    id: '7bf73129-1428-4cd3-a780-95db273d1602',
    'detail-type': 'EC2 Instance State-change Notification',
    source: 'aws.ec2',
    account: '123456789012',
    time: '2015-11-11T21:29:54Z',
    region: 'us-east-1',
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
    detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
  };
  const cCountObjectEvent = {
    'detail-type': ['EC2 Instance State-change Notification'],
    resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
    detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } },
  };

  it('exists: true matches an event that has detail.state', () => {
    expect(matches({ detail: { state: [{ exists: true }] } }, pendingEvent)).toBe(true);
  });

  it('exists: true does not match an event without detail.state', () => {
    const event = { ...cCountObjectEvent, detail: { 'c-count': { c1: 100 } } };
    expect(matches({ detail: { state: [{ exists: true }] } }, event)).toBe(false);
  });

  it('exists: false matches an event that does not have detail.c-count', () => {
    const event = { ...cCountObjectEvent, detail: { state: ['initializing', 'running'] } };
    expect(matches({ detail: { 'c-count': [{ exists: false }] } }, event)).toBe(true);
  });

  it('exists: false also matches when detail.c-count is an object, because it is not a leaf', () => {
    expect(matches({ detail: { 'c-count': [{ exists: false }] } }, cCountObjectEvent)).toBe(true);
    expect(matches({ detail: { 'c-count': [{ exists: true }] } }, cCountObjectEvent)).toBe(false);
  });

  it('exists: false does not match a present leaf, even a null one', () => {
    expect(matches({ detail: { state: [{ exists: false }] } }, pendingEvent)).toBe(false);
    expect(matches({ detail: { state: [{ exists: false }] } }, { detail: { state: null } })).toBe(false);
    expect(matches({ detail: { state: [{ exists: true }] } }, { detail: { state: null } })).toBe(true);
  });

  it('exists: false matches when the parent object is missing', () => {
    expect(matches({ detail: { 'c-count': [{ exists: false }] } }, { source: 'aws.ec2' })).toBe(true);
  });

  it('can be combined with values in the same array (OR)', () => {
    const pattern = { detail: { state: ['pending', { exists: false }] } };
    expect(matches(pattern, pendingEvent)).toBe(true);
    expect(matches(pattern, { detail: {} })).toBe(true);
    expect(matches(pattern, { detail: { state: 'running' } })).toBe(false);
  });
});

// "Comparison operators for use in event patterns in Amazon EventBridge" (Wildcard matching).
describe('wildcard', () => {
  it('matches any .png file located within the folder "dir"', () => {
    const pattern = { FileName: [{ wildcard: 'dir/*.png' }] };
    expect(matches(pattern, { FileName: 'dir/image.png' })).toBe(true);
    expect(matches(pattern, { FileName: 'dir/.png' })).toBe(true);
    expect(matches(pattern, { FileName: 'dir/image.jpg' })).toBe(false);
    expect(matches(pattern, { FileName: 'other/image.png' })).toBe(false);
  });

  it('matches event bus ARNs in any account', () => {
    const pattern = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
    expect(
      matches(pattern, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/myEventBus' }),
    ).toBe(true);
    expect(
      matches(pattern, { EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/myEventBus' }),
    ).toBe(false);
  });

  it('supports several wildcards and only matches strings', () => {
    const pattern = { title: [{ wildcard: '*Title*' }] };
    expect(matches(pattern, { title: 'The Title Page' })).toBe(true);
    expect(matches(pattern, { title: 'The title page' })).toBe(false);
    expect(matches({ n: [{ wildcard: '1*' }] }, { n: 12 })).toBe(false);
    expect(matches({ s: [{ wildcard: 'a*b*a' }] }, { s: 'aba' })).toBe(true);
    expect(matches({ s: [{ wildcard: 'a*b*a' }] }, { s: 'ab' })).toBe(false);
    expect(matches({ s: [{ wildcard: 'ab*ba' }] }, { s: 'aba' })).toBe(false);
    expect(matches({ s: [{ wildcard: 'ab*ba' }] }, { s: 'abba' })).toBe(true);
  });

  it('treats \\* as a literal star and \\\\ as a literal backslash', () => {
    const star = { s: [{ wildcard: 'value\\*end' }] };
    expect(matches(star, { s: 'value*end' })).toBe(true);
    expect(matches(star, { s: 'valueXend' })).toBe(false);
    const backslash = { s: [{ wildcard: 'a\\\\b*' }] };
    expect(matches(backslash, { s: 'a\\bcd' })).toBe(true);
    expect(matches(backslash, { s: 'abcd' })).toBe(false);
  });

  it('rejects consecutive wildcard characters and escapes of other characters', () => {
    expectInvalid(
      { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:**:event-bus/*' }] },
      'EventBusArn[0].wildcard',
      /consecutive wildcard/,
    );
    expectInvalid({ s: [{ wildcard: 'a\\b' }] }, 's[0].wildcard', /escape/);
    expectInvalid({ s: [{ wildcard: 'trailing\\' }] }, 's[0].wildcard', /escape/);
    expectInvalid({ s: [{ wildcard: 123 }] }, 's[0].wildcard', /string/);
    expectInvalid({ s: [{ 'anything-but': { wildcard: ['ok*', 'x**'] } }] }, 's[0].anything-but.wildcard[1]');
  });
});

// "Comparison operators for use in event patterns in Amazon EventBridge" (Or, $or matching, complex example
// with $or matching).
describe('$or', () => {
  it('matches "Location is New York, or Day is Monday"', () => {
    const pattern = { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] };
    expect(matches(pattern, { Location: 'New York', Day: 'Friday' })).toBe(true);
    expect(matches(pattern, { Location: 'Paris', Day: 'Monday' })).toBe(true);
    expect(matches(pattern, { Location: 'Paris', Day: 'Friday' })).toBe(false);
  });

  it('combines with other fields: "source" AND ("metricName" OR "namespace")', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    };
    expect(matches(pattern, { source: 'aws.cloudwatch', metricName: 'CPUUtilization' })).toBe(true);
    expect(matches(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/EC2' })).toBe(true);
    expect(matches(pattern, { source: 'aws.ec2', metricName: 'CPUUtilization' })).toBe(false);
    expect(matches(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/S3' })).toBe(false);
  });

  it('works inside nested objects with numeric alternatives', () => {
    const pattern = {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    };
    expect(matches(pattern, { detail: { 'c-count': 0, 'd-count': 10, 'x-limit': 301.8 } })).toBe(true);
    expect(matches(pattern, { detail: { 'c-count': 3 } })).toBe(true);
    expect(matches(pattern, { detail: { 'c-count': 0, 'd-count': 10, 'x-limit': 9.018e2 } })).toBe(false);
  });

  it('nests: an alternative can contain fields and another $or', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        {
          metricType: ['MetricType'],
          namespace: ['AWS/EC2', 'AWS/ES'],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
        { scope: ['Service'] },
      ],
    };
    const base = { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES' };
    expect(matches(pattern, { ...base, spaceId: 1000 })).toBe(true);
    expect(matches(pattern, { ...base, spaceId: 2000 })).toBe(false);
    expect(matches(pattern, { source: 'aws.cloudwatch', scope: 'Service' })).toBe(true);
  });
});

// "Content filtering in Amazon EventBridge event patterns" (Complex example with multiple matching).
describe('complex example with multiple matching', () => {
  const pattern = {
    time: [{ prefix: '2017-10-02' }],
    detail: {
      state: [{ 'anything-but': 'initializing' }],
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ 'anything-but': [100, 200, 300] }],
    },
  };
  const event = {
    time: '2017-10-02T16:24:49Z',
    detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33', state: 'running' },
  };

  it('matches when every condition holds', () => {
    expect(matches(pattern, event)).toBe(true);
  });

  it('does not match when one condition fails', () => {
    expect(matches(pattern, { ...event, time: '2017-10-03T16:24:49Z' })).toBe(false);
    expect(matches(pattern, { ...event, detail: { ...event.detail, state: 'initializing' } })).toBe(false);
    expect(matches(pattern, { ...event, detail: { ...event.detail, 'x-limit': 200 } })).toBe(false);
  });

  it('uses the last occurrence of a key repeated in a JSON pattern', () => {
    const json = '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}';
    expect(matches(json, { detail: { location: 'eu-west' } })).toBe(true);
    expect(matches(json, { detail: { location: 'us-east' } })).toBe(false);
  });
});

describe('parseEventPattern and matchesEventPattern', () => {
  it('accepts a JSON string and an object alike', () => {
    const json = '{"source": ["aws.ec2"], "detail": {"state": [{"prefix": "term"}]}}';
    const event = { source: 'aws.ec2', detail: { state: 'terminated' } };
    expect(matches(json, event)).toBe(true);
    expect(matches(JSON.parse(json), event)).toBe(true);
    expect(matches(json, { ...event, source: 'aws.s3' })).toBe(false);
  });

  it('returns a deep-frozen copy', () => {
    const original = { detail: { state: ['running'] } };
    const parsed = parseEventPattern(original);
    expect(parsed).toEqual(original);
    expect(parsed).not.toBe(original);
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(Object.isFrozen(parsed.detail)).toBe(true);
  });

  it('matches unparsed patterns too, and validates them', () => {
    expect(matchesEventPattern({ source: ['aws.ec2'] }, { source: 'aws.ec2' })).toBe(true);
    expect(() => matchesEventPattern({ source: 'aws.ec2' }, { source: 'aws.ec2' })).toThrow(
      InvalidEventPatternError,
    );
  });

  it('does not match events that are not objects', () => {
    const pattern = parseEventPattern({ source: [{ exists: false }] });
    expect(matchesEventPattern(pattern, {})).toBe(true);
    expect(matchesEventPattern(pattern, null)).toBe(false);
    expect(matchesEventPattern(pattern, [])).toBe(false);
    expect(matchesEventPattern(pattern, '{}')).toBe(false);
  });

  it('does not read inherited properties of the event', () => {
    expect(matches({ toString: [{ exists: true }] }, {})).toBe(false);
    expect(matches({ constructor: [{ exists: false }] }, {})).toBe(true);
  });
});

describe('validation', () => {
  it('rejects patterns that are not JSON objects', () => {
    expectInvalid('not json', '', /JSON/);
    expectInvalid('["aws.ec2"]', '', /object/);
    expectInvalid(null, '', /object/);
    expectInvalid(['aws.ec2'], '', /object/);
    expectInvalid(42, '', /object/);
  });

  it('rejects leaf values that are not arrays', () => {
    expectInvalid({ source: 'aws.ec2' }, 'source', /must be an object or an array/);
    expectInvalid({ detail: { state: 5 } }, 'detail.state', /must be an object or an array/);
    expectInvalid({ detail: { state: null } }, 'detail.state');
  });

  it('rejects empty arrays and empty objects', () => {
    expectInvalid({ source: [] }, 'source', /empty arrays/);
    expectInvalid({}, '', /empty objects/);
    expectInvalid({ detail: {} }, 'detail', /empty objects/);
    expectInvalid({ detail: { state: [{}] } }, 'detail.state[0]', /exactly one operator/);
  });

  it('rejects arrays and other non-JSON values inside a value array', () => {
    expectInvalid({ source: [['aws.ec2']] }, 'source[0]');
    expectInvalid({ source: [undefined] }, 'source[0]');
    expectInvalid({ n: [Number.NaN] }, 'n[0]');
  });

  it('rejects unknown operators and expressions with several operators', () => {
    expectInvalid({ detail: { state: [{ contains: 'run' }] } }, 'detail.state[0].contains', /unrecognized/);
    expectInvalid({ detail: { state: [{ prefix: 'a', suffix: 'b' }] } }, 'detail.state[0]', /exactly one/);
  });

  it('rejects prefix, suffix and equals-ignore-case values that are not strings', () => {
    expectInvalid({ detail: { state: [{ prefix: 5 }] } }, 'detail.state[0].prefix', /prefix/);
    expectInvalid({ detail: { state: [{ prefix: { wildcard: 'a*' } }] } }, 'detail.state[0].prefix');
    expectInvalid({ f: [{ suffix: ['.png'] }] }, 'f[0].suffix');
    expectInvalid({ f: [{ suffix: { 'equals-ignore-case': 1 } }] }, 'f[0].suffix.equals-ignore-case');
    expectInvalid({ f: [{ 'equals-ignore-case': ['a'] }] }, 'f[0].equals-ignore-case');
    expectInvalid({ f: [{ 'equals-ignore-case': { prefix: 'ec2' } }] }, 'f[0].equals-ignore-case');
  });

  it('rejects malformed anything-but expressions', () => {
    expectInvalid({ s: [{ 'anything-but': null }] }, 's[0].anything-but');
    expectInvalid({ s: [{ 'anything-but': true }] }, 's[0].anything-but');
    expectInvalid({ s: [{ 'anything-but': [] }] }, 's[0].anything-but', /empty/);
    expectInvalid({ s: [{ 'anything-but': ['stopped', null] }] }, 's[0].anything-but[1]');
    expectInvalid(
      { s: [{ 'anything-but': ['stopped', 1] }] },
      's[0].anything-but[1]',
      /only strings or only/,
    );
    expectInvalid({ s: [{ 'anything-but': { numeric: ['>', 1] } }] }, 's[0].anything-but.numeric');
    expectInvalid({ s: [{ 'anything-but': { prefix: '' } }] }, 's[0].anything-but.prefix', /empty/);
    expectInvalid({ s: [{ 'anything-but': { suffix: ['.a', ''] } }] }, 's[0].anything-but.suffix[1]');
    expectInvalid(
      { s: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'x' } } }] },
      's[0].anything-but.prefix',
    );
    expectInvalid(
      { s: [{ 'anything-but': { 'equals-ignore-case': [1] } }] },
      's[0].anything-but.equals-ignore-case[0]',
    );
  });

  it('rejects numeric expressions with bad operators, non-numbers or bad ranges', () => {
    expectInvalid({ n: [{ numeric: '>5' }] }, 'n[0].numeric', /array/);
    expectInvalid({ n: [{ numeric: [] }] }, 'n[0].numeric', /empty/);
    expectInvalid({ n: [{ numeric: ['!=', 5] }] }, 'n[0].numeric[0]', /operator/);
    expectInvalid({ n: [{ numeric: ['>', '5'] }] }, 'n[0].numeric[1]', /must be a number/);
    expectInvalid({ n: [{ numeric: ['>'] }] }, 'n[0].numeric[1]', /must be a number/);
    expectInvalid({ n: [{ numeric: ['>', 0, '>', 0] }] }, 'n[0].numeric[2]');
    expectInvalid({ n: [{ numeric: ['<', 10, '>', 0] }] }, 'n[0].numeric[2]', /too many/);
    expectInvalid({ n: [{ numeric: ['=', 1, '<', 5] }] }, 'n[0].numeric[2]', /too many/);
    expectInvalid({ n: [{ numeric: ['>', 10, '<', 5] }] }, 'n[0].numeric[3]', /greater than/);
    expectInvalid({ n: [{ numeric: ['>', 0, '<', null] }] }, 'n[0].numeric[3]', /must be a number/);
    expectInvalid({ n: [{ numeric: ['>', 0, '<', 5, '<', 6] }] }, 'n[0].numeric[4]', /too many/);
  });

  it('rejects exists values that are not booleans', () => {
    expectInvalid({ detail: { state: [{ exists: 'true' }] } }, 'detail.state[0].exists', /true or false/);
  });

  it('rejects malformed CIDR blocks', () => {
    expectInvalid({ ip: [{ cidr: '10.0.0.0' }] }, 'ip[0].cidr', /CIDR/);
    expectInvalid({ ip: [{ cidr: '10.0.0.0/33' }] }, 'ip[0].cidr', /too long/);
    expectInvalid({ ip: [{ cidr: '300.0.0.0/8' }] }, 'ip[0].cidr', /not an IPv4 or IPv6/);
    expectInvalid({ ip: [{ cidr: '2001:db8:::/48' }] }, 'ip[0].cidr', /not an IPv4 or IPv6/);
    expectInvalid({ ip: [{ cidr: 10 }] }, 'ip[0].cidr');
  });

  it('rejects malformed $or', () => {
    expectInvalid({ detail: { $or: { a: ['x'] } } }, 'detail.$or', /at least two/);
    expectInvalid({ $or: [{ a: ['x'] }] }, '$or', /at least two/);
    expectInvalid({ $or: [{ a: ['x'] }, ['b']] }, '$or[1]', /pattern object/);
    expectInvalid({ $or: [{ a: ['x'] }, {}] }, '$or[1]', /empty objects/);
    expectInvalid({ $or: [{ prefix: ['x'] }, { b: ['y'] }] }, '$or[0].prefix', /match operator/);
  });

  it('reports the path of errors nested inside $or', () => {
    const error = parseError({ detail: { $or: [{ a: ['x'] }, { b: [{ numeric: ['>', 'x'] }] }] } });
    expect(error.path).toBe('detail.$or[1].b[0].numeric[1]');
    expect(error.message).toContain('detail.$or[1].b[0].numeric[1]');
  });
});
