// The web console in AWS: the built files (console/dist) in a private bucket behind
// CloudFront (origin access control, HTTPS only, security headers, every unknown path the
// single-page app's), and a `config.json` beside them telling the app where the API is and
// which OpenID Connect issuer and client it signs in with (the API's JWT auth mode).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CfnElement,
  DefaultStackSynthesizer,
  Duration,
  type RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import {
  Distribution,
  HttpVersion,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { PROJECT_ROOT } from './rondo-function.ts';

export const CONSOLE_DIST = join(PROJECT_ROOT, 'console', 'dist');

export type ConsoleSignIn = { issuer: string; clientId: string; scopes?: string[] };

export class RondoConsole extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://<distribution domain>`: the API allows it as a CORS origin. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: { removalPolicy: RemovalPolicy }) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: props.removalPolicy,
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Rondo console',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      // The app routes by URL hash; any other path is the app itself.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(0),
      })),
    });
    this.url = `https://${this.distribution.distributionDomainName}`;
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'The bucket holds the built console, readable only by CloudFront through origin access control; requests are visible in CloudFront, and the files are redeployed by every cdk deploy.',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-CFR1',
        reason:
          'The console is a static app of public files; who may use it is decided by the API, which accepts only tokens of the configured issuer.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR2',
        reason:
          'Static files of a single-page app; the API behind it has its own throttling and authorizer. A team that wants AWS WAF attaches its web ACL to the distribution.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR3',
        reason:
          "Access to the console's static files is not audited; what an operator does is recorded by the API's access log and operation records.",
      },
      {
        id: 'AwsSolutions::AwsSolutions-CFR4',
        reason:
          "The distribution uses CloudFront's default certificate (no custom domain is configured), whose minimum TLS version CloudFront sets; a custom domain brings its own certificate and policy.",
      },
    );
  }

  /** Puts the built console (`distDir`) and its config in the bucket (after the API exists). */
  deploy(config: { apiUrl: string; signIn: ConsoleSignIn }, distDir = CONSOLE_DIST): BucketDeployment {
    if (!existsSync(join(distDir, 'index.html'))) {
      throw new Error(
        'the console is not built: run `npm run build:console` before synthesizing a stack with it',
      );
    }
    const deployment = new BucketDeployment(this, 'Files', {
      destinationBucket: this.bucket,
      sources: [Source.asset(distDir), Source.jsonData('config.json', config)],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
      memoryLimit: 256,
    });
    this.acknowledgeDeploymentHandler();
    return deployment;
  }

  /** CDK's deployment function (one per stack, CDK's own code) and what it is granted. */
  private acknowledgeDeploymentHandler(): void {
    const stack = Stack.of(this);
    const handler = stack.node.children.find((child) =>
      child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (!handler) throw new Error('no BucketDeployment handler to acknowledge');
    const bucketArn = `<${stack.getLogicalId(this.bucket.node.defaultChild as CfnElement)}.Arn>`;
    const assets = `arn:<AWS::Partition>:s3:::cdk-${DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-<AWS::AccountId>-<AWS::Region>/*`;
    const why =
      "CDK's BucketDeployment function copies the console's files from the CDK asset bucket into the console bucket at deployment and invalidates CloudFront; ";
    Validations.of(handler).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: `${why}its role is CDK's, with the basic execution policy for its logs.`,
      },
      ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`,
        reason: `${why}CDK grants it read on the asset bucket and read-write on the console bucket, by these action groups.`,
      })),
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${bucketArn}/*]`,
        reason: `${why}it writes every object of the console bucket, which holds nothing else.`,
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${assets}]`,
        reason: `${why}it reads the asset objects CDK uploaded to its bootstrap bucket.`,
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: `${why}CloudFront invalidations take no resource narrower than *.`,
      },
      {
        id: 'AwsSolutions::AwsSolutions-L1',
        reason: `${why}its runtime is the one CDK pins for it, updated with aws-cdk-lib.`,
      },
      {
        id: 'Serverless::Serverless-LambdaLatestVersion',
        reason: `${why}its runtime is the one CDK pins for it, updated with aws-cdk-lib.`,
      },
      {
        id: 'Serverless::Serverless-LambdaDLQ',
        reason: `${why}CloudFormation invokes it and waits for its answer: a failure fails the deployment.`,
      },
      {
        id: 'Serverless::Serverless-LambdaTracing',
        reason: `${why}it runs once per deployment, and its log shows what it copied.`,
      },
    );
  }
}
