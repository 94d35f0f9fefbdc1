// The web console's AWS deployment: a private bucket behind CloudFront (origin access
// control, HTTPS, the app for unknown paths), its files and config.json deployed with the
// stack, the API open to the console's origin only, and sign-in through the JWT mode.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/constructs/rondo-function.ts';
import { RondoStack } from '../../infra/rondo-stack.ts';

const JWT = {
  mode: 'JWT' as const,
  issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/pool',
  audience: ['console'],
};

function app() {
  const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
}

function builtConsole(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rondo-console-dist-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Rondo</title>');
  return dir;
}

describe('web console on AWS', () => {
  const stack = new RondoStack(app(), 'rondo-web', {
    stage: 'web',
    apiAuth: JWT,
    console: { clientId: 'console', distDir: builtConsole() },
  });
  const template = Template.fromStack(stack);
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as Parameters<typeof stack.getLogicalId>[0]);

  it('keeps the files in a private bucket CloudFront reads through origin access control, over HTTPS', () => {
    const webConsole = stack.console;
    if (!webConsole) throw new Error('no console');
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const distribution = template.findResources('AWS::CloudFront::Distribution')[
      id(webConsole.distribution)
    ] as {
      Properties: {
        DistributionConfig: {
          DefaultRootObject: string;
          DefaultCacheBehavior: { ViewerProtocolPolicy: string; ResponseHeadersPolicyId: string };
          CustomErrorResponses: { ErrorCode: number; ResponseCode: number; ResponsePagePath: string }[];
        };
      };
    };
    const config = distribution.Properties.DistributionConfig;
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toBeDefined();
    expect(config.CustomErrorResponses.map((r) => [r.ErrorCode, r.ResponseCode, r.ResponsePagePath])).toEqual(
      [
        [403, 200, '/index.html'],
        [404, 200, '/index.html'],
      ],
    );
  });

  it('deploys the built files with a config.json naming the API, the issuer and the client', () => {
    const [deployment] = Object.values(template.findResources('Custom::CDKBucketDeployment')) as {
      Properties: {
        SourceMarkersConfig?: unknown;
        SourceMarkers?: unknown[];
        SourceObjectKeys: unknown[];
        DistributionPaths: string[];
      };
    }[];
    expect(deployment?.Properties.SourceObjectKeys).toHaveLength(2);
    expect(deployment?.Properties.DistributionPaths).toEqual(['/index.html', '/config.json']);
    const markers = JSON.stringify(deployment?.Properties.SourceMarkers);
    // The API's URL is a deploy-time value, filled in by the deployment through a marker.
    expect(markers).toContain(id(stack.api));
    template.hasOutput('ConsoleUrl', {});
  });

  it("lets only the console's origin call the API from a browser", () => {
    const webConsole = stack.console;
    if (!webConsole) throw new Error('no console');
    const [api] = Object.values(template.findResources('AWS::ApiGatewayV2::Api')) as {
      Properties: { CorsConfiguration: { AllowOrigins: unknown[]; AllowHeaders: string[] } };
    }[];
    expect(JSON.stringify(api?.Properties.CorsConfiguration.AllowOrigins)).toContain(
      id(webConsole.distribution),
    );
    expect(api?.Properties.CorsConfiguration.AllowOrigins).toHaveLength(1);
    expect(api?.Properties.CorsConfiguration.AllowHeaders).toEqual(['authorization', 'content-type']);
  });

  it('refuses a console without the JWT mode, or with a client the API does not accept', () => {
    const dist = builtConsole();
    expect(
      () => new RondoStack(app(), 'a', { stage: 'a', console: { clientId: 'x', distDir: dist } }),
    ).toThrow(/JWT auth mode/);
    expect(
      () =>
        new RondoStack(app(), 'b', {
          stage: 'b',
          apiAuth: JWT,
          console: { clientId: 'other', distDir: dist },
        }),
    ).toThrow(/must be one of apiAuth.audience/);
    const empty = mkdtempSync(join(tmpdir(), 'rondo-console-empty-'));
    expect(
      () =>
        new RondoStack(app(), 'c', {
          stage: 'c',
          apiAuth: JWT,
          console: { clientId: 'console', distDir: empty },
        }),
    ).toThrow(/npm run build:console/);
  });
});
