// The security rule packs every synthesis runs: cdk-nag's AwsSolutions and Serverless packs,
// as CDK policy-validation plugins. A finding that is not acknowledged (with its reason,
// next to the resource in the stack) fails `cdk synth`, and so the infra tests.
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

export function addSecurityChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
