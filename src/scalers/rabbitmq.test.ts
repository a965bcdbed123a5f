import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  amqpTarget,
  anonymize,
  composeQueues,
  descriptor,
  goQueryEscape,
  httpStatusError,
  managementRequest,
  modeReading,
  parse,
  queueInfoFromBody,
  vhostAndPath,
  type RabbitMQConfig,
} from './rabbitmq.ts';
import { checkTriggerOffline } from './index.ts';
import { ConfigError, ReadError, type ParseInput } from './scaler.ts';

// ---------------------------------------------------------------------------------------------------------------
// KEDA's tables (pkg/scalers/rabbitmq_scaler_test.go), one subtest per row: testRabbitMQMetadata
// (TestRabbitMQParseMetadata), testRabbitMQAuthParamData (TestRabbitMQParseAuthParamData), testDefaultQueueLength,
// rabbitMQMetricIdentifiers, getVhostAndPathFromURLTestData, testQueueInfoTestData and
// testQueueInfoTestDataSingleVhost (TestGetQueueInfo), testRegexQueueInfoTestData (TestGetQueueInfoWithRegex),
// testExpectedQueueConsumptionTimeTestData and anonymizeRabbitMQErrorTestData.
//
// Deliberate differences, marked on the rows they touch:
// - a host that is only a scheme (`http://`, `amqps://` …) has no server to connect to; Updraft refuses it at parse
//   (KEDA fails at the first read). Rows using one run with `<scheme>rabbitmq.test` (their subject is the scheme).
// - Azure workload identity and OAuth2 client credentials are not implemented: triggers that ask for them are
//   refused with a message saying so (KEDA rows that expect them to parse are marked).
// - protocol http with a host that is not an http(s) URL is refused at parse (KEDA fails at the first read).
// - KEDA crosses each queue-info row with every vhost/path row against a stub server; here the vhost/path rows test
//   the URL building and the queue-info rows the value and activity maths, each once.

const KEDA_ENV: Record<string, string> = {
  myHostSecret: 'amqp://user:sercet@somehost.com:5236/vhost',
  myUsernameSecret: 'user',
  myPasswordSecret: 'Password',
};

const BARE_SCHEME = /^(https?|amqps?):\/\/$/;
function withHost(metadata: Record<string, string>): Record<string, string> {
  return metadata.host !== undefined && BARE_SCHEME.test(metadata.host) ? { ...metadata, host: `${metadata.host}rabbitmq.test` } : metadata;
}

const p = (metadata: Record<string, string>, authParams: Record<string, string> = {}, extra: Partial<ParseInput> = {}) =>
  parse({ metadata, authParams, resolvedEnv: KEDA_ENV, ...extra });

interface MdRow {
  name: string;
  metadata: Record<string, string>;
  isError: boolean;
  authParams: Record<string, string>;
}
const metadataRows: MdRow[] = [
  { name: 'nothing passed', metadata: {}, isError: true, authParams: {} },
  { name: 'properly formed metadata', metadata: { queueLength: '10', queueName: 'sample', hostFromEnv: 'myHostSecret' }, isError: false, authParams: {} },
  { name: 'malformed queueLength', metadata: { queueLength: 'AA', queueName: 'sample', hostFromEnv: 'myHostSecret' }, isError: true, authParams: {} },
  { name: 'missing host', metadata: { queueLength: 'AA', queueName: 'sample' }, isError: true, authParams: {} },
  { name: 'missing queueName', metadata: { queueLength: '10', hostFromEnv: 'myHostSecret' }, isError: true, authParams: {} },
  { name: 'host defined in authParams', metadata: { queueLength: '10', hostFromEnv: 'myHostSecret' }, isError: true, authParams: { host: 'myHostSecret' } },
  {
    name: 'properly formed metadata with http protocol',
    metadata: { queueLength: '10', queueName: 'sample', host: 'myHostSecret', protocol: 'http' },
    isError: false,
    authParams: {},
  },
  {
    name: 'queue name with slashes',
    metadata: { queueLength: '10', queueName: 'namespace/name', hostFromEnv: 'myHostSecret' },
    isError: false,
    authParams: {},
  },
  { name: 'vhost passed', metadata: { vhostName: 'myVhost', queueName: 'namespace/name', hostFromEnv: 'myHostSecret' }, isError: false, authParams: {} },
  { name: 'vhost passed but empty', metadata: { vhostName: '', queueName: 'namespace/name', hostFromEnv: 'myHostSecret' }, isError: false, authParams: {} },
  { name: 'protocol defined in authParams', metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret' }, isError: false, authParams: { protocol: 'http' } },
  { name: 'auto protocol and a bad URL', metadata: { queueName: 'sample', host: 'something://' }, isError: true, authParams: {} },
  { name: 'auto protocol and an HTTP URL', metadata: { queueName: 'sample', host: 'http://' }, isError: false, authParams: {} },
  { name: 'auto protocol and an HTTPS URL', metadata: { queueName: 'sample', host: 'https://' }, isError: false, authParams: {} },
  { name: 'queueLength and mode', metadata: { queueLength: '10', mode: 'QueueLength', queueName: 'sample', host: 'https://' }, isError: true, authParams: {} },
  { name: 'queueLength and value', metadata: { queueLength: '10', value: '20', queueName: 'sample', host: 'https://' }, isError: true, authParams: {} },
  {
    name: 'queueLength and mode and value',
    metadata: { queueLength: '10', mode: 'QueueLength', value: '20', queueName: 'sample', host: 'https://' },
    isError: true,
    authParams: {},
  },
  { name: 'only mode', metadata: { mode: 'QueueLength', queueName: 'sample', host: 'https://' }, isError: true, authParams: {} },
  { name: 'only value', metadata: { value: '20', queueName: 'sample', host: 'https://' }, isError: true, authParams: {} },
  { name: 'mode and value', metadata: { mode: 'QueueLength', value: '20', queueName: 'sample', host: 'https://' }, isError: false, authParams: {} },
  { name: 'invalid mode', metadata: { mode: 'Feelings', value: '20', queueName: 'sample', host: 'https://' }, isError: true, authParams: {} },
  { name: 'invalid value', metadata: { mode: 'QueueLength', value: 'lots', queueName: 'sample', host: 'https://' }, isError: true, authParams: {} },
  { name: 'queue length amqp', metadata: { mode: 'QueueLength', value: '20', queueName: 'sample', host: 'amqps://' }, isError: false, authParams: {} },
  { name: 'message rate amqp', metadata: { mode: 'MessageRate', value: '1000', queueName: 'sample', host: 'amqps://' }, isError: true, authParams: {} },
  { name: 'message rate amqp', metadata: { mode: 'MessageRate', value: '1000', queueName: 'sample', host: 'amqp://' }, isError: true, authParams: {} },
  { name: 'message rate amqp', metadata: { mode: 'MessageRate', value: '1000', queueName: 'sample', host: 'http://' }, isError: false, authParams: {} },
  { name: 'message rate amqp', metadata: { mode: 'MessageRate', value: '1000', queueName: 'sample', host: 'https://' }, isError: false, authParams: {} },
  { name: 'deliverGet rate amqps', metadata: { mode: 'DeliverGetRate', value: '1000', queueName: 'sample', host: 'amqps://' }, isError: true, authParams: {} },
  { name: 'deliverGet rate amqp', metadata: { mode: 'DeliverGetRate', value: '1000', queueName: 'sample', host: 'amqp://' }, isError: true, authParams: {} },
  { name: 'deliverGet rate http', metadata: { mode: 'DeliverGetRate', value: '1000', queueName: 'sample', host: 'http://' }, isError: false, authParams: {} },
  { name: 'deliverGet rate https', metadata: { mode: 'DeliverGetRate', value: '1000', queueName: 'sample', host: 'https://' }, isError: false, authParams: {} },
  { name: 'amqp host and useRegex', metadata: { queueName: 'sample', host: 'amqps://', useRegex: 'true' }, isError: true, authParams: {} },
  { name: 'http host and useRegex', metadata: { queueName: 'sample', host: 'http://', useRegex: 'true' }, isError: false, authParams: {} },
  {
    name: 'message rate and useRegex',
    metadata: { mode: 'MessageRate', value: '1000', queueName: 'sample', host: 'http://', useRegex: 'true' },
    isError: false,
    authParams: {},
  },
  {
    name: 'deliverGet rate and useRegex',
    metadata: { mode: 'DeliverGetRate', value: '1000', queueName: 'sample', host: 'http://', useRegex: 'true' },
    isError: false,
    authParams: {},
  },
  {
    name: 'queue length and useRegex',
    metadata: { mode: 'QueueLength', value: '1000', queueName: 'sample', host: 'http://', useRegex: 'true' },
    isError: false,
    authParams: {},
  },
  {
    name: 'http valid timeout',
    metadata: { mode: 'QueueLength', value: '1000', queueName: 'sample', host: 'http://', timeout: '1000' },
    isError: false,
    authParams: {},
  },
  {
    name: 'http invalid timeout',
    metadata: { mode: 'QueueLength', value: '1000', queueName: 'sample', host: 'http://', timeout: '-10' },
    isError: true,
    authParams: {},
  },
  {
    name: 'http wrong timeout',
    metadata: { mode: 'QueueLength', value: '1000', queueName: 'sample', host: 'http://', timeout: 'error' },
    isError: true,
    authParams: {},
  },
  {
    name: 'amqp timeout',
    metadata: { mode: 'QueueLength', value: '1000', queueName: 'sample', host: 'amqp://', timeout: '10' },
    isError: true,
    authParams: {},
  },
  {
    name: 'valid pageSize',
    metadata: { mode: 'MessageRate', value: '1000', queueName: 'sample', host: 'http://', useRegex: 'true', pageSize: '100' },
    isError: false,
    authParams: {},
  },
  {
    name: 'pageSize less than 1',
    metadata: { mode: 'MessageRate', value: '1000', queueName: 'sample', host: 'http://', useRegex: 'true', pageSize: '-1' },
    isError: true,
    authParams: {},
  },
  {
    name: 'invalid pageSize',
    metadata: { mode: 'MessageRate', value: '1000', queueName: 'sample', host: 'http://', useRegex: 'true', pageSize: 'a' },
    isError: true,
    authParams: {},
  },
  {
    name: 'valid pageSize',
    metadata: { mode: 'DeliverGetRate', value: '1000', queueName: 'sample', host: 'http://', useRegex: 'true', pageSize: '100' },
    isError: false,
    authParams: {},
  },
  {
    name: 'pageSize less than 1',
    metadata: { mode: 'DeliverGetRate', value: '1000', queueName: 'sample', host: 'http://', useRegex: 'true', pageSize: '-1' },
    isError: true,
    authParams: {},
  },
  {
    name: 'invalid pageSize',
    metadata: { mode: 'DeliverGetRate', value: '1000', queueName: 'sample', host: 'http://', useRegex: 'true', pageSize: 'a' },
    isError: true,
    authParams: {},
  },
  {
    name: 'activationValue passed',
    metadata: { activationValue: '10', queueLength: '20', queueName: 'sample', hostFromEnv: 'myHostSecret' },
    isError: false,
    authParams: {},
  },
  {
    name: 'malformed activationValue',
    metadata: { activationValue: 'AA', queueLength: '10', queueName: 'sample', hostFromEnv: 'myHostSecret' },
    isError: true,
    authParams: {},
  },
  {
    name: 'http and excludeUnacknowledged',
    metadata: { mode: 'QueueLength', value: '1000', queueName: 'sample', host: 'http://', useRegex: 'true', excludeUnacknowledged: 'true' },
    isError: false,
    authParams: {},
  },
  {
    name: 'amqp and excludeUnacknowledged',
    metadata: { mode: 'QueueLength', value: '1000', queueName: 'sample', host: 'amqp://', useRegex: 'true', excludeUnacknowledged: 'true' },
    isError: true,
    authParams: {},
  },
  { name: 'unsafeSsl true', metadata: { queueName: 'sample', host: 'https://', unsafeSsl: 'true' }, isError: false, authParams: {} },
  { name: 'unsafeSsl wrong input', metadata: { queueName: 'sample', host: 'https://', unsafeSsl: 'random' }, isError: true, authParams: {} },
];

interface AuthRow {
  name: string;
  metadata: Record<string, string>;
  podIdentity: Record<string, unknown> | null;
  authParams: Record<string, string>;
  isError: boolean;
  tls: string;
  workloadIdentity: boolean;
}
const authRows: AuthRow[] = [
  {
    name: 'success, TLS with CA, cert and key',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret' },
    podIdentity: null,
    authParams: { tls: 'enable', ca: 'caaa', cert: 'ceert', key: 'keey' },
    isError: false,
    tls: 'enable',
    workloadIdentity: false,
  },
  {
    name: 'success, TLS cert/key and assumed public CA',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret' },
    podIdentity: null,
    authParams: { tls: 'enable', cert: 'ceert', key: 'keey' },
    isError: false,
    tls: 'enable',
    workloadIdentity: false,
  },
  {
    name: 'success, TLS cert/key + key password and assumed public CA',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret' },
    podIdentity: null,
    authParams: { tls: 'enable', cert: 'ceert', key: 'keey', keyPassword: 'keeyPassword' },
    isError: false,
    tls: 'enable',
    workloadIdentity: false,
  },
  {
    name: 'success, TLS CA only',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret' },
    podIdentity: null,
    authParams: { tls: 'enable', ca: 'caaa' },
    isError: false,
    tls: 'enable',
    workloadIdentity: false,
  },
  {
    name: 'failure, TLS missing cert',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret' },
    podIdentity: null,
    authParams: { tls: 'enable', ca: 'caaa', key: 'kee' },
    isError: true,
    tls: 'enable',
    workloadIdentity: false,
  },
  {
    name: 'failure, TLS missing key',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret' },
    podIdentity: null,
    authParams: { tls: 'enable', ca: 'caaa', cert: 'ceert' },
    isError: true,
    tls: 'enable',
    workloadIdentity: false,
  },
  {
    name: 'failure, TLS invalid',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret' },
    podIdentity: null,
    authParams: { tls: 'yes', ca: 'caaa', cert: 'ceert', key: 'kee' },
    isError: true,
    tls: 'enable',
    workloadIdentity: false,
  },
  {
    name: 'success, username and password',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret' },
    podIdentity: null,
    authParams: { username: 'user', password: 'PASSWORD' },
    isError: false,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'failure, username but no password',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret' },
    podIdentity: null,
    authParams: { username: 'user' },
    isError: true,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'failure, password but no username',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret' },
    podIdentity: null,
    authParams: { password: 'PASSWORD' },
    isError: true,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'success, vhostName',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret' },
    podIdentity: null,
    authParams: { vhostName: 'myVhost' },
    isError: false,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'success, vhostName but empty',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret' },
    podIdentity: null,
    authParams: { vhostName: '' },
    isError: false,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'success, username and password from env',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret', usernameFromEnv: 'myUsernameSecret', passwordFromEnv: 'myPasswordSecret' },
    podIdentity: null,
    authParams: {},
    isError: false,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'failure, username from env but not password',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret', usernameFromEnv: 'myUsernameSecret' },
    podIdentity: null,
    authParams: {},
    isError: true,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'failure, password from env but not username',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret', passwordFromEnv: 'myPasswordSecret' },
    podIdentity: null,
    authParams: {},
    isError: true,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'success, WorkloadIdentity',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret', protocol: 'http' },
    podIdentity: { Provider: 'v1alpha1.PodIdentityProviderAzureWorkload', IdentityID: 'client-id' },
    authParams: { workloadIdentityResource: 'rabbitmq-resource-id' },
    isError: false,
    tls: 'disable',
    workloadIdentity: true,
  },
  {
    name: 'failure, WorkloadIdentity not supported for amqp',
    metadata: { queueName: 'sample', hostFromEnv: 'myHostSecret', protocol: 'amqp' },
    podIdentity: { Provider: 'v1alpha1.PodIdentityProviderAzureWorkload', IdentityID: 'client-id' },
    authParams: { workloadIdentityResource: 'rabbitmq-resource-id' },
    isError: true,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'success, OAuth2 with HTTP protocol (minimal config)',
    metadata: { queueName: 'sample', host: 'http://localhost:15672', protocol: 'http' },
    podIdentity: null,
    authParams: { oauthTokenURI: 'https://oauth.example.com/token', clientID: 'my-client', clientSecret: 'my-secret' },
    isError: false,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'success, OAuth2 with scopes',
    metadata: { queueName: 'sample', host: 'https://localhost:15672', protocol: 'http' },
    podIdentity: null,
    authParams: { oauthTokenURI: 'https://oauth.example.com/token', clientID: 'my-client', clientSecret: 'my-secret', scopes: 'rabbitmq.read,rabbitmq.write' },
    isError: false,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'success, OAuth2 with endpoint params',
    metadata: { queueName: 'sample', host: 'http://localhost:15672', protocol: 'http' },
    podIdentity: null,
    authParams: {
      oauthTokenURI: 'https://oauth.example.com/token',
      clientID: 'my-client',
      clientSecret: 'my-secret',
      endpointParams: 'audience=rabbitmq&resource=api',
    },
    isError: false,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'success, OAuth2 with TLS',
    metadata: { queueName: 'sample', host: 'https://localhost:15672', protocol: 'http' },
    podIdentity: null,
    authParams: { oauthTokenURI: 'https://oauth.example.com/token', clientID: 'my-client', clientSecret: 'my-secret', tls: 'enable', ca: 'caaa' },
    isError: false,
    tls: 'enable',
    workloadIdentity: false,
  },
  {
    name: 'failure, OAuth2 with AMQP protocol',
    metadata: { queueName: 'sample', host: 'amqp://localhost:5672', protocol: 'amqp' },
    podIdentity: null,
    authParams: { oauthTokenURI: 'https://oauth.example.com/token', clientID: 'my-client', clientSecret: 'my-secret' },
    isError: true,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'failure, OAuth2 + basic auth',
    metadata: { queueName: 'sample', host: 'http://localhost:15672', protocol: 'http' },
    podIdentity: null,
    authParams: { oauthTokenURI: 'https://oauth.example.com/token', clientID: 'my-client', clientSecret: 'my-secret', username: 'user', password: 'pass' },
    isError: true,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'failure, OAuth2 + workload identity',
    metadata: { queueName: 'sample', host: 'http://localhost:15672', protocol: 'http' },
    podIdentity: null,
    authParams: {
      oauthTokenURI: 'https://oauth.example.com/token',
      clientID: 'my-client',
      clientSecret: 'my-secret',
      workloadIdentityResource: 'rabbitmq-resource-id',
    },
    isError: true,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'failure, OAuth2 missing tokenUrl',
    metadata: { queueName: 'sample', host: 'http://localhost:15672', protocol: 'http' },
    podIdentity: null,
    authParams: { clientID: 'my-client', clientSecret: 'my-secret' },
    isError: true,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'failure, OAuth2 missing clientId',
    metadata: { queueName: 'sample', host: 'http://localhost:15672', protocol: 'http' },
    podIdentity: null,
    authParams: { oauthTokenURI: 'https://oauth.example.com/token', clientSecret: 'my-secret' },
    isError: true,
    tls: 'disable',
    workloadIdentity: false,
  },
  {
    name: 'failure, OAuth2 missing clientSecret',
    metadata: { queueName: 'sample', host: 'http://localhost:15672', protocol: 'http' },
    podIdentity: null,
    authParams: { oauthTokenURI: 'https://oauth.example.com/token', clientID: 'my-client' },
    isError: true,
    tls: 'disable',
    workloadIdentity: false,
  },
];
/** KEDA parses these; Updraft does not implement workload identity / OAuth2 and refuses them, naming the field. */
const NOT_IMPLEMENTED: Record<string, string> = {
  'success, WorkloadIdentity': 'workloadIdentityResource',
  'success, OAuth2 with HTTP protocol (minimal config)': 'oauthTokenURI',
  'success, OAuth2 with scopes': 'oauthTokenURI',
  'success, OAuth2 with endpoint params': 'oauthTokenURI',
  'success, OAuth2 with TLS': 'oauthTokenURI',
};

function checkParses(fn: () => RabbitMQConfig, isError: boolean): RabbitMQConfig | undefined {
  if (isError) {
    assert.throws(fn, (e: unknown) => e instanceof ConfigError);
    return undefined;
  }
  return fn();
}

/**
 * KEDA parses these and fails at the first read: protocol http with a host that is not an http(s) URL (the literal
 * text myHostSecret, or the env's amqp:// URL). Updraft refuses the mismatch at parse, naming host.
 */
const HOST_MISMATCH = new Set(['properly formed metadata with http protocol', 'protocol defined in authParams']);

describe("KEDA's metadata tables (pkg/scalers/rabbitmq_scaler_test.go)", () => {
  for (const [i, r] of metadataRows.entries()) {
    const bare = r.metadata.host !== undefined && BARE_SCHEME.test(r.metadata.host);
    if (HOST_MISMATCH.has(r.name)) {
      test(`KEDA metadata row ${i}: ${r.name} (Updraft differs: protocol http with a host that is not an http(s) URL is refused)`, () => {
        assert.throws(
          () => p(r.metadata, r.authParams),
          (e: unknown) => e instanceof ConfigError && e.field === 'host' && /host must be an http\(s\) URL/.test(e.message),
        );
      });
      continue;
    }
    test(`KEDA metadata row ${i}: ${r.name}${bare ? ` (host ${r.metadata.host} runs as ${r.metadata.host}rabbitmq.test)` : ''}`, () => {
      const c = checkParses(() => p(withHost(r.metadata), r.authParams), r.isError);
      if (c && r.metadata.unsafeSsl !== undefined) assert.equal(c.unsafeSsl, r.metadata.unsafeSsl === 'true');
    });
  }
  for (const [i, r] of authRows.entries()) {
    const missing = NOT_IMPLEMENTED[r.name];
    test(`KEDA auth row ${i}: ${r.name}${missing ? ' (Updraft differs: not implemented, refused)' : ''}`, () => {
      const run = () => p(r.metadata, r.authParams, r.podIdentity ? { podIdentity: { provider: 'azure-workload', identityId: 'client-id' } } : {});
      if (missing) {
        assert.throws(run, (e: unknown) => e instanceof ConfigError && e.field === missing && /not supported by Updraft yet/.test(e.message));
        return;
      }
      const c = checkParses(run, r.isError);
      if (!c) return;
      if (r.tls === 'enable')
        assert.deepEqual(c.tls, {
          rejectUnauthorized: true,
          ...(r.authParams.ca ? { ca: r.authParams.ca } : {}),
          ...(r.authParams.cert ? { cert: r.authParams.cert, key: r.authParams.key } : {}),
          ...(r.authParams.keyPassword ? { passphrase: r.authParams.keyPassword } : {}),
        });
      else assert.equal(c.tls, undefined);
    });
  }
  const defaultRows: Array<Record<string, string>> = [
    { queueName: 'sample', hostFromEnv: 'myHostSecret' },
    { queueName: 'sample', hostFromEnv: 'myHostSecret', protocol: 'http' },
  ];
  for (const [i, md] of defaultRows.entries()) {
    // Row 1 sets protocol http on KEDA's amqp:// env host (refused here, see HOST_MISMATCH): it runs with an http host.
    test(`KEDA default queue length row ${i}: neither mode/value nor queueLength means QueueLength 20${md.protocol ? ' (with an http:// host)' : ''}`, () => {
      const c = p(md.protocol ? { ...md, hostFromEnv: 'HTTP_HOST' } : md, {}, { resolvedEnv: { ...KEDA_ENV, HTTP_HOST: 'http://somehost.com:15672' } });
      assert.deepEqual([c.mode, c.value], ['QueueLength', 20]);
    });
  }
  for (const [row, index, name] of [
    [1, 0, 's0-rabbitmq-sample'],
    [7, 1, 's1-rabbitmq-namespace-2Fname'],
  ] as const) {
    test(`KEDA metric name: metadata row ${row} at trigger ${index} is ${name}`, () => {
      assert.equal(descriptor.metricSpecs(p(metadataRows[row].metadata), index)[0].metricName, name);
    });
  }
});

const vhostRows: Array<{ rawPath: string; overrideVhost: string; vhostPath: string; path: string }> = [
  { rawPath: 'myVhost', overrideVhost: '', vhostPath: '/myVhost', path: '' },
  { rawPath: '%2FmyVhost', overrideVhost: '', vhostPath: '/%2FmyVhost', path: '' },
  { rawPath: '/', overrideVhost: '', vhostPath: '/%2F', path: '' },
  { rawPath: '//', overrideVhost: '', vhostPath: '/%2F', path: '' },
  { rawPath: '/%2F', overrideVhost: '', vhostPath: '/%2F', path: '' },
  { rawPath: '', overrideVhost: '', vhostPath: '/%2F', path: '' },
  { rawPath: 'sub1/myVhost', overrideVhost: '', vhostPath: '/myVhost', path: '/sub1' },
  { rawPath: 'sub1/', overrideVhost: 'overridenVhost', vhostPath: '/overridenVhost', path: '/sub1' },
  { rawPath: 'myVhost', overrideVhost: 'overridenVhost', vhostPath: '/overridenVhost', path: '' },
  { rawPath: 'sub1/%2FmyVhost', overrideVhost: '', vhostPath: '/%2FmyVhost', path: '/sub1' },
  { rawPath: 'sub1/', overrideVhost: '', vhostPath: '/%2F', path: '/sub1' },
  { rawPath: 'sub1/', overrideVhost: 'myVhost', vhostPath: '/myVhost', path: '/sub1' },
  { rawPath: 'myVhost', overrideVhost: 'overridenVhost', vhostPath: '/overridenVhost', path: '' },
  { rawPath: 'sub1//', overrideVhost: '', vhostPath: '/%2F', path: '/sub1' },
  { rawPath: 'sub1/%2F', overrideVhost: '', vhostPath: '/%2F', path: '/sub1' },
  { rawPath: 'sub1/sub2/myVhost', overrideVhost: '', vhostPath: '/myVhost', path: '/sub1/sub2' },
  { rawPath: 'sub1/sub2/myVhost', overrideVhost: 'overridenVhost', vhostPath: '/overridenVhost', path: '/sub1/sub2' },
  { rawPath: 'myVhost', overrideVhost: 'overridenVhost', vhostPath: '/overridenVhost', path: '' },
  { rawPath: 'sub1/sub2/%2FmyVhost', overrideVhost: '', vhostPath: '/%2FmyVhost', path: '/sub1/sub2' },
  { rawPath: 'sub1/sub2/', overrideVhost: '', vhostPath: '/%2F', path: '/sub1/sub2' },
  { rawPath: 'sub1/sub2/', overrideVhost: 'myVhost', vhostPath: '/myVhost', path: '/sub1/sub2' },
  { rawPath: 'sub1/myVhost', overrideVhost: 'overridenVhost', vhostPath: '/overridenVhost', path: '/sub1' },
  { rawPath: 'sub1/sub2//', overrideVhost: '', vhostPath: '/%2F', path: '/sub1/sub2' },
  { rawPath: 'sub1/sub2/%2F', overrideVhost: '', vhostPath: '/%2F', path: '/sub1/sub2' },
];
describe("KEDA's getVhostAndPathFromURL table", () => {
  for (const [i, r] of vhostRows.entries()) {
    test(`KEDA vhost row ${i}: '${r.rawPath}' with vhostName '${r.overrideVhost}' is vhost ${r.vhostPath}, path '${r.path}'`, () => {
      assert.deepEqual(vhostAndPath(r.rawPath, r.overrideVhost || undefined), { vhostPath: r.vhostPath, path: r.path });
    });
  }
});

const httpConfig = (extra: Record<string, string>) => p({ queueName: 'evaluate_trials', host: 'http://rabbitmq.test:15672', protocol: 'http', ...extra });
function activity(response: string, extra: Record<string, string>) {
  const c = httpConfig(extra);
  return modeReading(queueInfoFromBody(response, c), c);
}

const queueInfoRows: Array<{ response: string; status: number; isActive: boolean; extra: Record<string, string> }> = [
  {
    response:
      '{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { queueLength: '10' },
  },
  {
    response:
      '{"messages": 1, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { queueLength: '10' },
  },
  {
    response:
      '{"messages": 1, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { queueLength: '10' },
  },
  {
    response:
      '{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: false,
    extra: { queueLength: '10' },
  },
  {
    response:
      '{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 0.8}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { queueLength: '10' },
  },
  {
    response:
      '{"messages": 1, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 1.2}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { queueLength: '10' },
  },
  {
    response:
      '{"messages": 1, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 1.6}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { queueLength: '10' },
  },
  {
    response:
      '{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 2}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: false,
    extra: { queueLength: '10' },
  },
  {
    response:
      '{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 1.3}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'QueueLength' },
  },
  {
    response:
      '{"messages": 1, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 1}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'QueueLength' },
  },
  {
    response:
      '{"messages": 1, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 1}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'QueueLength' },
  },
  {
    response:
      '{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: false,
    extra: { value: '100', mode: 'QueueLength' },
  },
  {
    response:
      '{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 1.3}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'QueueLength' },
  },
  {
    response:
      '{"messages": 1, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 1}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'QueueLength' },
  },
  {
    response:
      '{"messages": 1, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 1}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'QueueLength' },
  },
  {
    response:
      '{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: false,
    extra: { value: '100', mode: 'QueueLength' },
  },
  {
    response:
      '{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 1.3}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'MessageRate' },
  },
  {
    response:
      '{"messages": 1, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 1}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'MessageRate' },
  },
  {
    response:
      '{"messages": 1, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 1}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'MessageRate' },
  },
  {
    response:
      '{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: false,
    extra: { value: '100', mode: 'MessageRate' },
  },
  {
    response:
      '{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 1.3}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'MessageRate' },
  },
  {
    response:
      '{"messages": 1, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 1}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'MessageRate' },
  },
  {
    response:
      '{"messages": 1, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 1}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'MessageRate' },
  },
  {
    response:
      '{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'MessageRate' },
  },
  {
    response:
      '{"messages": 30, "messages_unacknowledged": 10, "message_stats": {"publish_details": {"rate": 5}, "deliver_get_details": {"rate": 1}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'DeliverGetRate' },
  },
  {
    response:
      '{"messages": 20, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 10}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'DeliverGetRate' },
  },
  {
    response:
      '{"messages": 10, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 12.5}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'DeliverGetRate' },
  },
  {
    response:
      '{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: false,
    extra: { value: '100', mode: 'DeliverGetRate' },
  },
  {
    response:
      '{"messages": 45, "messages_unacknowledged": 5, "message_stats": {"publish_details": {"rate": 5.5}, "deliver_get_details": {"rate": 1.5}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'DeliverGetRate' },
  },
  {
    response:
      '{"messages": 22, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 1.5}, "deliver_get_details": {"rate": 23}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'DeliverGetRate' },
  },
  {
    response:
      '{"messages": 3, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 18.5}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: true,
    extra: { value: '100', mode: 'DeliverGetRate' },
  },
  {
    response:
      '{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
    status: 200,
    isActive: false,
    extra: { value: '100', mode: 'DeliverGetRate' },
  },
  { response: 'Password is incorrect', status: 401, isActive: false, extra: {} },
];
describe("KEDA's queue info tables (TestGetQueueInfo)", () => {
  for (const [i, r] of queueInfoRows.entries()) {
    const what = r.status === 200 ? `${JSON.stringify(r.extra)} is ${r.isActive ? 'active' : 'inactive'}` : `status ${r.status} is an error quoting the answer`;
    test(`KEDA queue info row ${i}: ${what}`, () => {
      if (r.status !== 200) {
        const e = httpStatusError(r.status, r.response, new URL('http://rabbitmq.test:15672/api/queues/%2F/evaluate_trials'), httpConfig({}));
        assert.equal(e.kind, 'auth');
        return;
      }
      assert.equal(activity(r.response, r.extra).active, r.isActive);
    });
  }
  const singleRows: Array<{ response: string; isActive: boolean; vhostName: string }> = [
    {
      response:
        '{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 1.6}}, "name": "evaluate_trials"}',
      isActive: true,
      vhostName: 'myhost',
    },
    {
      response:
        '{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 2}}, "name": "evaluate_trials"}',
      isActive: true,
      vhostName: '/',
    },
    {
      response:
        '{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 1.4}, "deliver_get_details": {"rate": 2.5}}, "name": "evaluate_trials"}',
      isActive: true,
      vhostName: '',
    },
    {
      response:
        '{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
      isActive: true,
      vhostName: 'myhost',
    },
    {
      response:
        '{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
      isActive: true,
      vhostName: '/',
    },
    {
      response:
        '{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
      isActive: true,
      vhostName: '',
    },
  ];
  for (const [i, r] of singleRows.entries()) {
    test(`KEDA single vhost row ${i}: vhostName '${r.vhostName}' asks /api/queues${vhostAndPath('', r.vhostName || undefined).vhostPath}/evaluate_trials`, () => {
      const c = httpConfig(r.vhostName ? { vhostName: r.vhostName } : {});
      assert.equal(managementRequest(c).url.pathname, `/api/queues${vhostAndPath('', r.vhostName || undefined).vhostPath}/evaluate_trials`);
      assert.equal(modeReading(queueInfoFromBody(r.response, c), c).active, r.isActive);
    });
  }
});

const regexRows: Array<{ response: string; isActive: boolean; extra: Record<string, string> }> = [
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'sum' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'sum' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'sum' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'sum' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: false,
    extra: { queueLength: '10', useRegex: 'true', operation: 'sum' },
  },
  { response: '{"items":[]}', isActive: false, extra: { queueLength: '10', useRegex: 'true', operation: 'sum' } },
  {
    response:
      '{"items":[{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'sum', excludeUnacknowledged: 'true' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_ready": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'sum', excludeUnacknowledged: 'true' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_ready": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'sum', excludeUnacknowledged: 'true' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'sum' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_ready": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_ready": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: false,
    extra: { queueLength: '10', useRegex: 'true', operation: 'sum', excludeUnacknowledged: 'true' },
  },
  { response: '{"items":[]}', isActive: false, extra: { queueLength: '10', useRegex: 'true', operation: 'sum' } },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'max' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'max' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'max' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'max' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: false,
    extra: { queueLength: '10', useRegex: 'true', operation: 'max' },
  },
  { response: '{"items":[]}', isActive: false, extra: { queueLength: '10', useRegex: 'true', operation: 'max' } },
  {
    response:
      '{"items":[{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'max', excludeUnacknowledged: 'true' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_ready": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'max', excludeUnacknowledged: 'true' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_ready": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'max', excludeUnacknowledged: 'true' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'max' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_ready": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_ready": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: false,
    extra: { queueLength: '10', useRegex: 'true', operation: 'max', excludeUnacknowledged: 'true' },
  },
  { response: '{"items":[]}', isActive: false, extra: { queueLength: '10', useRegex: 'true', operation: 'max' } },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'avg' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'avg' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'avg' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'avg' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: false,
    extra: { queueLength: '10', useRegex: 'true', operation: 'avg' },
  },
  { response: '{"items":[]}', isActive: false, extra: { queueLength: '10', useRegex: 'true', operation: 'avg' } },
  {
    response:
      '{"items":[{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'avg', excludeUnacknowledged: 'true' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_ready": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'avg', excludeUnacknowledged: 'true' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_ready": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'avg', excludeUnacknowledged: 'true' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_ready": 3, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { queueLength: '10', useRegex: 'true', operation: 'avg' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_ready": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_ready": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: false,
    extra: { queueLength: '10', useRegex: 'true', operation: 'avg', excludeUnacknowledged: 'true' },
  },
  { response: '{"items":[]}', isActive: false, extra: { queueLength: '10', useRegex: 'true', operation: 'avg' } },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'sum' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'sum' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'sum' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'sum' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: false,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'sum' },
  },
  { response: '{"items":[]}', isActive: false, extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'sum' } },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'max' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'max' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'max' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'max' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: false,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'max' },
  },
  { response: '{"items":[]}', isActive: false, extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'max' } },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'avg' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'avg' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'avg' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'avg' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"},{"messages": 0, "messages_unacknowledged": 1, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: false,
    extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'avg' },
  },
  { response: '{"items":[]}', isActive: false, extra: { mode: 'MessageRate', value: '1000', useRegex: 'true', operation: 'avg' } },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 2}}, "name": "evaluate_trials"}, {"messages": 2, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 2}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'sum' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}, {"messages": 4, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 4}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'sum' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 4}}, "name": "evaluate_trials"}, {"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'sum' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 4}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'sum' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}, {"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: false,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'sum' },
  },
  { response: '{"items":[]}', isActive: false, extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'sum' } },
  {
    response:
      '{"items":[{"messages": 8, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 2}}, "name": "evaluate_trials"}, {"messages": 4, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 4}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'max' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}, {"messages": 4, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 4}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'max' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 4}}, "name": "evaluate_trials"}, {"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'max' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 4}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'max' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}, {"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: false,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'max' },
  },
  { response: '{"items":[]}', isActive: false, extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'max' } },
  {
    response:
      '{"items":[{"messages": 8, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 4}}, "name": "evaluate_trials"}, {"messages": 4, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 4}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'avg' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}, {"messages": 4, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 4}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'avg' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 4}}, "name": "evaluate_trials"}, {"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'avg' },
  },
  {
    response:
      '{"items":[{"messages": 4, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 4}, "deliver_get_details": {"rate": 4}}, "name": "evaluate_trial2"}]}',
    isActive: true,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'avg' },
  },
  {
    response:
      '{"items":[{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}, {"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trial2"}]}',
    isActive: false,
    extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'avg' },
  },
  { response: '{"items":[]}', isActive: false, extra: { mode: 'DeliverGetRate', value: '1000', useRegex: 'true', operation: 'avg' } },
];
describe("KEDA's regex queue info table (TestGetQueueInfoWithRegex)", () => {
  for (const [i, r] of regexRows.entries()) {
    test(`KEDA regex row ${i}: ${r.extra.mode ?? 'QueueLength'} ${r.extra.operation}${r.extra.excludeUnacknowledged ? ' ready only' : ''} is ${r.isActive ? 'active' : 'inactive'}`, () => {
      assert.equal(activity(r.response, r.extra).active, r.isActive);
    });
  }
  test('KEDA regex request: /api/queues/<vhost>?page=1&use_regex=true&pagination=false&name=%5Eevaluate_trials%24&page_size=100', () => {
    const c = p({ queueName: '^evaluate_trials$', host: 'http://rabbitmq.test:15672/sub1/myVhost', useRegex: 'true' });
    const u = managementRequest(c).url;
    assert.equal(`${u.pathname}${u.search}`, '/sub1/api/queues/myVhost?page=1&use_regex=true&pagination=false&name=%5Eevaluate_trials%24&page_size=100');
  });
  for (const size of [100, 200, 500]) {
    test(`KEDA page size row: pageSize ${size} is sent as page_size`, () => {
      const c = p({ queueName: 'q', host: 'http://rabbitmq.test:15672', useRegex: 'true', pageSize: String(size) });
      assert.equal(managementRequest(c).url.searchParams.get('page_size'), String(size));
    });
  }
  test('KEDA TestRegexQueueMissingError: more than one page of matches is an error', () => {
    assert.throws(
      () => queueInfoFromBody('{"items":[],"page_count":2}', { useRegex: true, operation: 'sum', queueName: 'q.*' }),
      /regex matches more queues than can be recovered at once/,
    );
  });
});

const etaRows: Array<{ name: string; response: string; expectedMilli: number; isActive: boolean }> = [
  {
    name: 'empty idle queue',
    response:
      '{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
    expectedMilli: 0,
    isActive: false,
  },
  {
    name: 'empty queue with decaying delivery rate',
    response:
      '{"messages": 0, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 2}}, "name": "evaluate_trials"}',
    expectedMilli: 0,
    isActive: false,
  },
  {
    name: 'backlog without consumers',
    response:
      '{"messages": 10, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 3}, "deliver_get_details": {"rate": 0}}, "name": "evaluate_trials"}',
    expectedMilli: 1000,
    isActive: true,
  },
  {
    name: 'backlog with consumers',
    response:
      '{"messages": 10, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 3}, "deliver_get_details": {"rate": 2}}, "name": "evaluate_trials"}',
    expectedMilli: 5500,
    isActive: true,
  },
  {
    name: 'draining backlog',
    response:
      '{"messages": 4, "messages_unacknowledged": 0, "message_stats": {"publish_details": {"rate": 0}, "deliver_get_details": {"rate": 2}}, "name": "evaluate_trials"}',
    expectedMilli: 1000,
    isActive: false,
  },
];
describe("KEDA's ExpectedQueueConsumptionTime table", () => {
  for (const r of etaRows) {
    test(`KEDA consumption time: ${r.name} reads ${r.expectedMilli / 1000}, ${r.isActive ? 'active' : 'inactive'}`, () => {
      const got = activity(r.response, { mode: 'ExpectedQueueConsumptionTime', value: '1', activationValue: '1' });
      assert.equal(Math.round(got.value * 1000), r.expectedMilli);
      assert.equal(got.active, r.isActive);
    });
  }
});

const anonymizeRows: Array<[string, string]> = [
  ['https://user1:password1@domain.com', 'https://user:password@domain.com'],
  ['https://fdasr345_-:password1@domain.com', 'https://user:password@domain.com'],
  ['https://user1:fdasr345_-@domain.com', 'https://user:password@domain.com'],
  ['https://fdakls_dsa:password1@domain.com', 'https://user:password@domain.com'],
  ['fdasr345_-:password1@domain.com', 'user:password@domain.com'],
  ['this user1:password1@domain.com fails', 'this user:password@domain.com fails'],
  ['this https://user1:password1@domain.com fails also', 'this https://user:password@domain.com fails also'],
  ['nothing to replace here', 'nothing to replace here'],
];
describe("KEDA's anonymize table", () => {
  for (const [input, want] of anonymizeRows) test(`KEDA anonymize: ${input}`, () => assert.equal(anonymize(input), want));
});

// ---------------------------------------------------------------------------------------------------------------
// Updraft's own rules and the value maths.

const q = (over: Partial<Record<'messages' | 'messagesReady' | 'publishRate' | 'deliverGetRate', number>>) => ({
  messages: 0,
  messagesReady: 0,
  publishRate: 0,
  deliverGetRate: 0,
  ...over,
});

test('rabbitmq compose: sum, max, and avg (counts divided as Go ints)', () => {
  const qs = [q({ messages: 3, messagesReady: 1, publishRate: 1.5 }), q({ messages: 4, messagesReady: 2, publishRate: 0.5, deliverGetRate: 2 })];
  assert.deepEqual(composeQueues(qs, 'sum'), q({ messages: 7, messagesReady: 3, publishRate: 2, deliverGetRate: 2 }));
  assert.deepEqual(composeQueues(qs, 'max'), q({ messages: 4, messagesReady: 2, publishRate: 1.5, deliverGetRate: 2 }));
  assert.deepEqual(composeQueues(qs, 'avg'), q({ messages: 3, messagesReady: 1, publishRate: 1, deliverGetRate: 1 }));
  assert.deepEqual(composeQueues([], 'avg'), q({}));
});

const modes: Array<[string, Record<string, string>, Parameters<typeof q>[0], number, boolean]> = [
  ['QueueLength reads all messages', { mode: 'QueueLength', value: '10' }, { messages: 7, messagesReady: 5 }, 7, true],
  [
    'QueueLength with excludeUnacknowledged reads ready messages',
    { mode: 'QueueLength', value: '10', excludeUnacknowledged: 'true' },
    { messages: 7, messagesReady: 5 },
    5,
    true,
  ],
  ['MessageRate reads the publish rate; a backlog keeps it active', { mode: 'MessageRate', value: '10' }, { messages: 2, publishRate: 0 }, 0, true],
  ['DeliverGetRate reads the deliver/get rate', { mode: 'DeliverGetRate', value: '10' }, { deliverGetRate: 2.5 }, 2.5, true],
  ['PublishedToDeliveredRatio is publish / deliver', { mode: 'PublishedToDeliveredRatio', value: '2' }, { publishRate: 6, deliverGetRate: 2 }, 3, true],
  [
    'PublishedToDeliveredRatio with no deliveries reads the activation value and is active',
    { mode: 'PublishedToDeliveredRatio', value: '2', activationValue: '1.5' },
    { publishRate: 6 },
    1.5,
    true,
  ],
  ['PublishedToDeliveredRatio of an idle queue is 0 and inactive', { mode: 'PublishedToDeliveredRatio', value: '2' }, {}, 0, false],
  ['QueueLength equal to activationValue is inactive (strict)', { mode: 'QueueLength', value: '10', activationValue: '7' }, { messages: 7 }, 7, false],
];
for (const [name, md, info, value, active] of modes) {
  test(`rabbitmq mode: ${name}`, () => assert.deepEqual(modeReading(q(info), httpConfig(md)), { value, active }));
}

test('rabbitmq parse: the metric name escapes the queue name as Go QueryEscape, then KEDA NormalizeString', () => {
  assert.equal(goQueryEscape('a b/c*'), 'a+b%2Fc%2A');
  assert.equal(descriptor.metricSpecs(p({ queueName: 'orders.high', host: 'amqp://h/' }), 0)[0].metricName, 's0-rabbitmq-orders-high');
});

test('rabbitmq parse: the target is value, activationValue the threshold', () => {
  const c = p({ queueName: 'q', host: 'amqp://h/', mode: 'QueueLength', value: '25', activationValue: '3' });
  assert.deepEqual(descriptor.metricSpecs(c, 0)[0], { metricName: 's0-rabbitmq-q', kind: 'External', targetType: 'AverageValue', target: 25 });
  assert.equal(descriptor.activationThreshold(c), 3);
});

const badParses: Array<[string, Record<string, string>, Record<string, string>, string, RegExp]> = [
  ['an unknown scheme', { queueName: 'q', host: 'ftp://h' }, {}, 'host', /unknown host URL scheme: `ftp`/],
  [
    'a rate mode over AMQP',
    { queueName: 'q', host: 'amqp://h', mode: 'MessageRate', value: '1' },
    {},
    'mode',
    /protocol amqp not supported; must be HTTP to use trigger mode MessageRate/,
  ],
  [
    'queueLength with mode',
    { queueName: 'q', host: 'amqp://h', queueLength: '1', mode: 'QueueLength' },
    {},
    'queueLength',
    /queueLength is deprecated; use mode and value/,
  ],
  ['a mode without a value', { queueName: 'q', host: 'amqp://h', mode: 'QueueLength' }, {}, 'value', /value must be specified/],
  ['a username without a password', { queueName: 'q', host: 'amqp://h' }, { username: 'u' }, 'password', /username and password must be given together/],
  ['pageSize 0', { queueName: 'q', host: 'http://h', useRegex: 'true', pageSize: '0' }, {}, 'pageSize', /pageSize should be 1 or greater/],
  ['the cloud metadata address over HTTP', { queueName: 'q', host: 'http://169.254.169.254/' }, {}, 'host', /cloud metadata/],
  ['the cloud metadata address over AMQP', { queueName: 'q', host: 'amqp://169.254.169.254/' }, {}, 'host', /cloud metadata/],
  ['an AMQP URL without a host', { queueName: 'q', host: 'amqp://' }, {}, 'host', /host must be an amqp\(s\) URL/],
  ['an HTTP URL without a host', { queueName: 'q', host: 'http://' }, {}, 'host', /http\(s\) URL/],
];
for (const [name, md, auth, field, message] of badParses) {
  test(`rabbitmq parse error: ${name}`, () =>
    assert.throws(
      () => p(md, auth),
      (e: unknown) => e instanceof ConfigError && e.field === field && message.test(e.message),
    ));
}

test('rabbitmq parse: a host from the TriggerAuthentication with credentials is never echoed', () => {
  assert.throws(
    () => p({ queueName: 'q' }, { host: 'ftp://user:hunter2@h' }),
    (e: Error) => !e.message.includes('hunter2'),
  );
  assert.throws(
    () => p({ queueName: 'q', protocol: 'amqp' }, { host: 'http://user:hunter2@h' }),
    (e: Error) => !e.message.includes('hunter2') && /not shown/.test(e.message),
  );
});

test('rabbitmq offline: a host only the TriggerAuthentication holds is a note', () => {
  const r = checkTriggerOffline({ type: 'rabbitmq', metadata: { queueName: 'q' }, authenticationRef: { name: 'a', kind: 'TriggerAuthentication' } }, 0);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.ok(r.notes.some((n) => n.startsWith('host is taken from the TriggerAuthentication')));
});

test('rabbitmq AMQP target: vhost from the path (empty is /), vhostName and credentials override', () => {
  assert.deepEqual(amqpTarget(p({ queueName: 'q', host: 'amqp://u:p%40ss@h:5673/v%2Fx' })), {
    protocol: 'amqp',
    hostname: 'h',
    port: 5673,
    username: 'u',
    password: 'p@ss',
    vhost: 'v/x',
    shown: 'amqp://h:5673/v%2Fx',
  });
  assert.equal(amqpTarget(p({ queueName: 'q', host: 'amqp://h/' })).vhost, '/');
  assert.equal(amqpTarget(p({ queueName: 'q', host: 'amqps://h' })).port, 5671);
  const o = amqpTarget(p({ queueName: 'q', host: 'amqp://u:p@h/v', vhostName: 'other' }, { username: 'a', password: 'b' }));
  assert.deepEqual([o.vhost, o.username, o.password], ['other', 'a', 'b']);
});

test('rabbitmq HTTP request: credentials go in a Basic header, not the URL', () => {
  const r = managementRequest(p({ queueName: 'q', host: 'http://u:p@h:15672/' }));
  assert.equal(r.url.href, 'http://h:15672/api/queues/%2F/q');
  assert.equal(r.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
});

test('rabbitmq HTTP errors: 401 auth, 404 bad query naming the queue, 500 other without credentials', () => {
  const c = httpConfig({});
  const u = new URL('http://h/api/queues/%2F/evaluate_trials');
  assert.equal(httpStatusError(401, '', u, c).kind, 'auth');
  assert.match(httpStatusError(404, '', u, c).message, /queue evaluate_trials not found/);
  const e = httpStatusError(500, 'boom http://u:secret@h', u, c);
  assert.ok(e instanceof ReadError && e.kind === 'other' && !e.message.includes('secret'));
});

test('rabbitmq: a management API answer that is not JSON says so', () => {
  assert.throws(() => queueInfoFromBody('<html>', { useRegex: false, operation: 'sum', queueName: 'q' }), /not JSON/);
});

// ---- the readers against a loopback stub of the management API, and a closed AMQP port ----

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { after, before } from 'node:test';
import { buildScaler } from './index.ts';
import { rabbitmqPoolSizes } from './rabbitmq.ts';

const stubAnswers: Record<string, { status: number; body: string }> = {
  '/api/queues/%2F/orders': {
    status: 200,
    body: '{"messages": 9, "messages_ready": 7, "message_stats": {"publish_details": {"rate": 2}, "deliver_get_details": {"rate": 1}}}',
  },
  '/api/queues/%2F/secret': { status: 401, body: 'Not_Authorized' },
  '/api/queues/%2F/gone': { status: 404, body: '{"error":"Object Not Found"}' },
  '/api/queues/%2F?page=1&use_regex=true&pagination=false&name=%5Eo&page_size=100': {
    status: 200,
    body: '{"items":[{"messages":2},{"messages":5}],"page_count":1}',
  },
};
const seen: Array<{ url: string; authorization?: string }> = [];
let stub: ReturnType<typeof createServer>;
let stubUrl = '';
before(async () => {
  stub = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ url: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    const a = stubAnswers[req.url ?? ''] ?? { status: 500, body: 'boom' };
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(a.body);
  });
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
  stubUrl = `http://u:p@127.0.0.1:${(stub.address() as { port: number }).port}`;
});
after(() => new Promise<void>((r) => stub.close(() => r())));

const ctx = (metadata: Record<string, string>) => ({
  trigger: { type: 'rabbitmq', metadata, useCachedMetrics: false },
  triggerIndex: 0,
  namespace: 'ns',
  objectName: 'o',
  objectKind: 'ScaledObject' as const,
  authParams: {},
  resolvedEnv: {},
  httpTimeoutMs: 2000,
});

const stubReads: Array<[string, Record<string, string>, number, boolean]> = [
  ['one queue over HTTP, with Basic credentials from the host', { queueName: 'orders' }, 9, true],
  ['ready messages only', { queueName: 'orders', excludeUnacknowledged: 'true', activationValue: '7' }, 7, false],
  ['MessageRate', { queueName: 'orders', mode: 'MessageRate', value: '1' }, 2, true],
  ['a regex of queues, summed', { queueName: '^o', useRegex: 'true' }, 7, true],
];
for (const [name, md, value, active] of stubReads) {
  test(`rabbitmq HTTP reader: ${name}`, async () => {
    const s = buildScaler(ctx({ host: stubUrl, ...md }));
    try {
      const r = await s.read(AbortSignal.timeout(5000));
      assert.deepEqual([r.metrics[0].value, r.active], [value, active]);
      assert.equal(seen.at(-1)?.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    } finally {
      await s.close();
    }
  });
}

const stubErrors: Array<[string, string, ReadError['kind']]> = [
  ['secret', '401 is auth', 'auth'],
  ['gone', '404 is a bad query', 'bad-query'],
  ['other', '500 is other', 'other'],
];
for (const [queue, name, kind] of stubErrors) {
  test(`rabbitmq HTTP reader: ${name}`, async () => {
    const s = buildScaler(ctx({ host: stubUrl, queueName: queue }));
    try {
      await assert.rejects(s.read(AbortSignal.timeout(5000)), (e: unknown) => e instanceof ReadError && e.kind === kind && !e.message.includes('u:p'));
    } finally {
      await s.close();
    }
  });
}

test('rabbitmq readers: triggers on one endpoint share one HTTP agent and one AMQP connection; close releases them', async () => {
  const before = rabbitmqPoolSizes();
  const http = [buildScaler(ctx({ host: stubUrl, queueName: 'orders' })), buildScaler(ctx({ host: stubUrl, queueName: 'x' }))];
  const amqp = [buildScaler(ctx({ host: 'amqp://h:5672/', queueName: 'a' })), buildScaler(ctx({ host: 'amqp://h:5672/', queueName: 'b' }))];
  assert.deepEqual(rabbitmqPoolSizes(), { http: before.http + 1, amqp: before.amqp + 1 });
  await Promise.all([...http, ...amqp].map((s) => s.close()));
  assert.deepEqual(rabbitmqPoolSizes(), before);
});

test('rabbitmq AMQP reader: a closed port is unreachable; an aborted read is a timeout', async () => {
  const srv = createTcpServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const s = buildScaler(ctx({ host: `amqp://user:pw-secret@127.0.0.1:${port}/`, queueName: 'q' }));
  try {
    await assert.rejects(
      s.read(AbortSignal.timeout(5000)),
      (e: unknown) => e instanceof ReadError && e.kind === 'unreachable' && !e.message.includes('pw-secret'),
    );
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(s.read(ac.signal), (e: unknown) => e instanceof ReadError && e.kind === 'timeout');
  } finally {
    await s.close();
  }
});
