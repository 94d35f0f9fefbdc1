/** The account and region the embedded runtime's resources live in. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** Emulators accept any credentials (DynamoDB Local: letters and digits only); these keep the SDK from looking for real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'rondolocal', secretAccessKey: 'rondolocal' };
