import { afterAll } from 'vitest';
import { removeMadeDirs } from './helpers-fs';

// Tests must never pick up the developer's own AWS credentials, config or keychain.
for (const name of Object.keys(process.env)) {
  if (name.startsWith('AWS_') || name === 'FERRY_ACCOUNT' || name === 'FERRY_DATA_DIR') delete process.env[name];
}
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_CONFIG_FILE = '/nonexistent/ferry-tests/aws-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/ferry-tests/aws-credentials';

// Every test file removes the folders and files it made, also when its tests fail: a suite that
// leaves gigabytes in the temporary folder fills a developer's disk or CI within days.
afterAll(removeMadeDirs);
