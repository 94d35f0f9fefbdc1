// cdk-nag 3's AwsSolutions and Serverless packs on the synthesized app, as `npm run synth`
// runs them: no finding is left unacknowledged, every acknowledgement says why, and none is
// stale. A non-compliant resource fails synthesis, so the check is really on.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/constructs/rondo-function.ts';
import { addSecurityChecks } from '../../infra/nag.ts';
import { RondoStack } from '../../infra/rondo-stack.ts';
import { TaskFixturesStack } from '../../infra/task-fixtures-stack.ts';

type Violation = {
  ruleName: string;
  violatingConstructs: { constructPath: string }[];
  acknowledgedId?: string;
  reason?: string;
  acknowledgedAt?: string;
};
type ValidationReport = {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: Violation[];
    suppressedViolations?: Violation[];
  }[];
};

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** An app with the checks, the same feature flags as `npm run synth`, and no bundling (the slow part). */
function checkedApp(): App {
  const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  const outdir = mkdtempSync(join(tmpdir(), 'rondo-nag-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  addSecurityChecks(app);
  return app;
}

function report(app: App): ValidationReport {
  return JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
}

/** Every acknowledgement recorded in the construct tree, with where it was made. */
function acknowledgements(app: App): { id: string; reason: string; path: string }[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      // Each entry maps rule ids to their reasons.
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id,
          reason,
          path: construct.node.path,
        })),
      ),
  );
}

describe('cdk-nag (AwsSolutions, Serverless)', () => {
  const app = checkedApp();
  new RondoStack(app, 'rondo-dev', { stage: 'dev' });
  new RondoStack(app, 'rondo-prod', { stage: 'prod', alarmEmail: 'ops@example.com', admins: ['ops'] });
  // The LocalStack deployment: its stage, and the integration suite's task functions.
  new RondoStack(app, 'rondo-local', {
    stage: 'local',
    developmentIdentity: 'admin',
    reserveConcurrency: false,
  });
  new TaskFixturesStack(app, 'rondo-local-task-fixtures');
  // JWT mode, with the web console on CloudFront (its files from a stand-in build).
  const consoleDist = mkdtempSync(join(tmpdir(), 'rondo-console-dist-'));
  writeFileSync(join(consoleDist, 'index.html'), '<!doctype html><title>Rondo</title>');
  new RondoStack(app, 'rondo-jwt', {
    stage: 'jwt',
    apiAuth: {
      mode: 'JWT',
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/pool',
      audience: ['client'],
    },
    console: { clientId: 'client', distDir: consoleDist },
  });

  it('finds nothing unacknowledged in the dev, prod, JWT and LocalStack stacks', () => {
    expect(() => app.synth()).not.toThrow();
    const { pluginReports } = report(app);
    expect(pluginReports.map((r) => r.pluginName).sort()).toEqual(['AwsSolutions', 'Serverless']);
    for (const plugin of pluginReports) {
      expect({ plugin: plugin.pluginName, violations: plugin.violations }).toEqual({
        plugin: plugin.pluginName,
        violations: [],
      });
      expect(plugin.conclusion).toBe('success');
    }
  });

  it('acknowledges each finding with a reason a reviewer can check, and no acknowledgement is stale', () => {
    app.synth();
    const suppressed = report(app).pluginReports.flatMap((r) => r.suppressedViolations ?? []);
    expect(suppressed.length).toBeGreaterThan(0);
    for (const finding of suppressed) {
      expect(finding.reason?.length ?? 0, finding.ruleName).toBeGreaterThanOrEqual(60);
    }
    const used = new Set(suppressed.map((finding) => `${finding.acknowledgedAt} ${finding.acknowledgedId}`));
    const stale = acknowledgements(app).filter((ack) => !used.has(`${ack.path} ${ack.id}`));
    expect(stale).toEqual([]);
  });
});

describe('the checks', () => {
  it('fail synthesis on a resource that breaks a rule', () => {
    const app = checkedApp();
    new Queue(new Stack(app, 'careless'), 'PlainQueue');
    expect(() => app.synth()).toThrow(/ERROR/);
    const findings = report(app).pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName));
    // No dead-letter queue, plain HTTP allowed, no redrive policy.
    expect(findings).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4', 'Serverless-SQSRedrivePolicy']),
    );
  });
});
