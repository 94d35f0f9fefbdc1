// Local EventBridge Scheduler: the schedules API (restJson) and a clock that fires each
// enabled schedule at its times (cron, rate, at; time zones; flexible window off) with the
// payload's context attributes filled in, retrying a failed delivery: at least once.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Clock, systemClock } from '#shared/ports/clock.ts';
import {
  InvalidScheduleExpressionError,
  nextFireTime,
  parseScheduleExpression,
  type ScheduleExpression,
} from '#shared/scheduling/schedule-expression.ts';
import { AwsServiceError, type RestRequest, type RestResponse, type RestRoute } from './aws-endpoint.ts';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './constants.ts';

type Target = {
  Arn: string;
  RoleArn: string;
  Input?: string;
  RetryPolicy?: { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number };
};

export type Schedule = {
  Name: string;
  GroupName: string;
  Arn: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone: string;
  StartDate?: number;
  EndDate?: number;
  State: 'ENABLED' | 'DISABLED';
  ActionAfterCompletion: 'NONE' | 'DELETE';
  FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  Target: Target;
  CreationDate: number;
  LastModificationDate: number;
};

export type ScheduleDelivery = (targetArn: string, payload: string) => Promise<void>;

const TICK_MS = 250;
const DEFAULT_RETRY_ATTEMPTS = 185;
const DEFAULT_EVENT_AGE_SECONDS = 86_400;
const MAX_RETRY_DELAY_MS = 60_000;

/** The fire time as Scheduler writes `<aws.scheduler.scheduled-time>`: ISO 8601, seconds, Z. */
export function scheduledTimeAttribute(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

export class LocalScheduler {
  #schedules = new Map<string, Schedule>();
  #parsed = new Map<string, ScheduleExpression>();
  #next = new Map<string, Date>();
  #timer: NodeJS.Timeout | undefined;
  #deliveries = new Set<Promise<void>>();
  /** Wakes the deliveries waiting to retry, so that stop() need not wait out their delay. */
  #wakeUps = new Set<() => void>();
  #stopped = false;
  readonly #deliver: ScheduleDelivery;
  /** Tests move this clock: a schedule fires when the clock passes its time (checked every tick). */
  readonly #clock: Clock;
  readonly #persistPath: string | undefined;
  onDeliveryFailed: (schedule: string, error: unknown) => void = () => {};

  constructor(options: { deliver: ScheduleDelivery; persistPath?: string; clock?: Clock }) {
    this.#clock = options.clock ?? systemClock;
    this.#deliver = options.deliver;
    this.#persistPath = options.persistPath;
    if (this.#persistPath) {
      try {
        const saved = JSON.parse(readFileSync(this.#persistPath, 'utf8')) as Schedule[];
        for (const schedule of saved) this.#put(schedule, false);
      } catch {
        // Nothing saved yet.
      }
    }
  }

  start(): void {
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    for (const wakeUp of this.#wakeUps) wakeUp();
    await Promise.allSettled([...this.#deliveries]);
  }

  list(): Schedule[] {
    return [...this.#schedules.values()];
  }

  /** When the schedule fires next, if ever. */
  nextFire(groupName: string, name: string): Date | undefined {
    return this.#next.get(`${groupName}/${name}`);
  }

  #tick(): void {
    const now = this.#clock.now();
    for (const [key, at] of this.#next) {
      if (at > now) continue;
      const schedule = this.#schedules.get(key);
      if (!schedule) continue;
      this.#scheduleNext(key, schedule, at);
      const delivery = this.#fire(schedule, at);
      this.#deliveries.add(delivery);
      void delivery.finally(() => this.#deliveries.delete(delivery));
      if (schedule.ActionAfterCompletion === 'DELETE' && !this.#next.has(key)) this.#remove(key);
    }
  }

  async #fire(schedule: Schedule, at: Date): Promise<void> {
    const maxAttempts = 1 + (schedule.Target.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS);
    const deadline =
      at.getTime() +
      1000 * (schedule.Target.RetryPolicy?.MaximumEventAgeInSeconds ?? DEFAULT_EVENT_AGE_SECONDS);
    const executionId = randomUUID();
    for (let attempt = 1; attempt <= maxAttempts && !this.#stopped; attempt++) {
      const payload = (schedule.Target.Input ?? '{}')
        .replaceAll('<aws.scheduler.scheduled-time>', scheduledTimeAttribute(at))
        .replaceAll('<aws.scheduler.schedule-arn>', schedule.Arn)
        .replaceAll('<aws.scheduler.execution-id>', executionId)
        .replaceAll('<aws.scheduler.attempt-number>', String(attempt));
      try {
        await this.#deliver(schedule.Target.Arn, payload);
        return;
      } catch (error) {
        const delay = Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** (attempt - 1));
        if (attempt === maxAttempts || this.#clock.now().getTime() + delay > deadline) {
          this.onDeliveryFailed(schedule.Name, error);
          return;
        }
        await this.#sleep(delay);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wakeUp = () => {
        clearTimeout(timer);
        this.#wakeUps.delete(wakeUp);
        resolve();
      };
      const timer = setTimeout(wakeUp, ms);
      this.#wakeUps.add(wakeUp);
    });
  }

  #scheduleNext(key: string, schedule: Schedule, after: Date): void {
    const expression = this.#parsed.get(key);
    const next =
      schedule.State === 'ENABLED' && expression
        ? nextFireTime(expression, {
            after,
            timezone: schedule.ScheduleExpressionTimezone,
            // Rates count from the start date, else from the schedule's creation.
            start: new Date((schedule.StartDate ?? schedule.CreationDate) * 1000),
            ...(schedule.EndDate ? { end: new Date(schedule.EndDate * 1000) } : {}),
          })
        : undefined;
    if (next) this.#next.set(key, next);
    else this.#next.delete(key);
  }

  /** Creates or replaces a schedule, as the stack's own schedules are (CDK creates them in AWS). */
  putSchedule(input: {
    name: string;
    groupName: string;
    expression: string;
    targetArn: string;
    input?: string;
  }): void {
    const now = this.#clock.now().getTime() / 1000;
    const existing = this.#schedules.get(`${input.groupName}/${input.name}`);
    this.#put({
      Name: input.name,
      GroupName: input.groupName,
      Arn: `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT}:schedule/${input.groupName}/${input.name}`,
      ScheduleExpression: input.expression,
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      ActionAfterCompletion: 'NONE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: input.targetArn,
        RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/rondo-scheduler`,
        Input: input.input ?? '{}',
      },
      CreationDate: existing?.CreationDate ?? now,
      LastModificationDate: now,
    });
  }

  /**
   * Makes this scheduler's schedules those given (as read from another Scheduler's API, which
   * stores schedules but does not fire them): new and changed ones are put, missing ones
   * removed, unchanged ones keep their next fire time.
   */
  mirror(schedules: Schedule[], onInvalid: (name: string, error: unknown) => void = () => {}): void {
    const keys = new Set<string>();
    for (const schedule of schedules) {
      const key = `${schedule.GroupName}/${schedule.Name}`;
      keys.add(key);
      const known = this.#schedules.get(key);
      if (known && JSON.stringify(known) === JSON.stringify(schedule)) continue;
      try {
        this.#put(schedule);
      } catch (error) {
        // One schedule Scheduler accepted and this clock cannot parse stops only itself.
        onInvalid(schedule.Name, error);
      }
    }
    for (const key of [...this.#schedules.keys()]) if (!keys.has(key)) this.#remove(key);
  }

  #put(schedule: Schedule, persist = true): void {
    const key = `${schedule.GroupName}/${schedule.Name}`;
    this.#schedules.set(key, schedule);
    this.#parsed.set(key, parseScheduleExpression(schedule.ScheduleExpression));
    this.#scheduleNext(key, schedule, this.#clock.now());
    if (persist) this.#save();
  }

  #remove(key: string): void {
    this.#schedules.delete(key);
    this.#parsed.delete(key);
    this.#next.delete(key);
    this.#save();
  }

  #save(): void {
    if (!this.#persistPath) return;
    mkdirSync(dirname(this.#persistPath), { recursive: true });
    writeFileSync(this.#persistPath, JSON.stringify(this.list(), null, 2));
  }

  restRoutes(): RestRoute[] {
    const named = /^\/schedules\/([^/]+)$/;
    return [
      {
        method: 'POST',
        pattern: named,
        handle: (req, m) => this.#upsert(req, decodeURIComponent(m[1] ?? ''), 'create'),
      },
      {
        method: 'PUT',
        pattern: named,
        handle: (req, m) => this.#upsert(req, decodeURIComponent(m[1] ?? ''), 'update'),
      },
      {
        method: 'GET',
        pattern: named,
        handle: (req, m) =>
          ok(this.#get(req.query.get('groupName') ?? 'default', decodeURIComponent(m[1] ?? ''))),
      },
      {
        method: 'DELETE',
        pattern: named,
        handle: (req, m) => {
          const schedule = this.#get(req.query.get('groupName') ?? 'default', decodeURIComponent(m[1] ?? ''));
          this.#remove(`${schedule.GroupName}/${schedule.Name}`);
          return ok({});
        },
      },
      {
        method: 'GET',
        pattern: /^\/schedules$/,
        handle: (req) => {
          const group = req.query.get('ScheduleGroup');
          const prefix = req.query.get('NamePrefix') ?? '';
          const schedules = this.list()
            .filter((s) => (!group || s.GroupName === group) && s.Name.startsWith(prefix))
            .map((s) => ({
              Arn: s.Arn,
              Name: s.Name,
              GroupName: s.GroupName,
              State: s.State,
              Target: { Arn: s.Target.Arn },
            }));
          return ok({ Schedules: schedules });
        },
      },
    ];
  }

  #get(groupName: string, name: string): Schedule {
    const schedule = this.#schedules.get(`${groupName}/${name}`);
    if (!schedule)
      throw new AwsServiceError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
    return schedule;
  }

  #upsert(req: RestRequest, name: string, mode: 'create' | 'update'): RestResponse {
    const body = JSON.parse(req.body.toString('utf8') || '{}') as Partial<Schedule>;
    const groupName = body.GroupName ?? 'default';
    const key = `${groupName}/${name}`;
    const existing = this.#schedules.get(key);
    if (mode === 'create' && existing) {
      throw new AwsServiceError('ConflictException', `Schedule ${name} already exists.`, 409);
    }
    if (mode === 'update' && !existing) {
      throw new AwsServiceError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
    }
    if (!body.ScheduleExpression || !body.Target?.Arn || !body.FlexibleTimeWindow?.Mode) {
      throw new AwsServiceError(
        'ValidationException',
        'ScheduleExpression, Target and FlexibleTimeWindow are required',
      );
    }
    try {
      parseScheduleExpression(body.ScheduleExpression);
    } catch (error) {
      if (error instanceof InvalidScheduleExpressionError) {
        throw new AwsServiceError(
          'ValidationException',
          `Invalid Schedule Expression ${body.ScheduleExpression}.`,
        );
      }
      throw error;
    }
    const now = this.#clock.now().getTime() / 1000;
    const arn = `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT}:schedule/${groupName}/${name}`;
    this.#put({
      Name: name,
      GroupName: groupName,
      Arn: arn,
      ScheduleExpression: body.ScheduleExpression,
      ScheduleExpressionTimezone: body.ScheduleExpressionTimezone ?? 'UTC',
      ...(body.StartDate === undefined ? {} : { StartDate: body.StartDate }),
      ...(body.EndDate === undefined ? {} : { EndDate: body.EndDate }),
      State: body.State ?? 'ENABLED',
      ActionAfterCompletion: body.ActionAfterCompletion ?? 'NONE',
      FlexibleTimeWindow: body.FlexibleTimeWindow,
      Target: body.Target,
      CreationDate: existing?.CreationDate ?? now,
      LastModificationDate: now,
    });
    return ok({ ScheduleArn: arn });
  }
}

function ok(body: unknown): RestResponse {
  return { status: 200, body: JSON.stringify(body) };
}
