import { ConfigError, loadConfig, parseApiKeys } from './config';

describe('loadConfig', () => {
  it('when no variable is set, then every contract v1 §1 variable takes its documented default', () => {
    const config = loadConfig({});
    expect({
      natsUrl: config.natsUrl,
      databaseUrl: config.databaseUrl,
      eventStore: config.eventStore,
      eventStoreUrl: config.eventStoreUrl,
      port: config.port,
      apiKeys: config.apiKeys,
      streamPrefix: config.streamPrefix,
      subjectPrefix: config.subjectPrefix,
    }).toEqual({
      natsUrl: 'nats://127.0.0.1:4222',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/waybill',
      eventStore: 'postgres',
      eventStoreUrl: 'esdb://127.0.0.1:2113?tls=false',
      port: 3000,
      apiKeys: undefined,
      streamPrefix: 'WAYBILL',
      subjectPrefix: 'waybill',
    });
  });

  it('when no variable is set, then the tuning knobs take the defaults of the README table', () => {
    const config = loadConfig({});
    expect({
      ingestConsumer: config.ingestConsumer,
      ingestMaxInFlight: config.ingestMaxInFlight,
      ingestConcurrency: config.ingestConcurrency,
      ingestAckWaitMs: config.ingestAckWaitMs,
      rateLimitPerMinute: config.rateLimitPerMinute,
      logLevel: config.logLevel,
    }).toEqual({
      ingestConsumer: 'waybill-processor',
      ingestMaxInFlight: 2048,
      ingestConcurrency: 256,
      ingestAckWaitMs: 30_000,
      rateLimitPerMinute: 600,
      logLevel: 'info',
    });
  });

  it('when every variable is set, then each one is used', () => {
    const config = loadConfig({
      NATS_URL: 'nats://nats:4222',
      DATABASE_URL: 'postgres://u:p@db:5432/wb',
      EVENT_STORE: 'esdb',
      EVENTSTORE_URL: 'esdb://esdb:2113?tls=false',
      PORT: '8080',
      WAYBILL_API_KEYS: 'k1:admin',
      WAYBILL_STREAM_PREFIX: 'T_1',
      WAYBILL_SUBJECT_PREFIX: 't-1',
      WAYBILL_INGEST_CONSUMER: 'c',
      WAYBILL_INGEST_MAX_IN_FLIGHT: '10',
      WAYBILL_INGEST_CONCURRENCY: '4',
      WAYBILL_INGEST_ACK_WAIT_MS: '500',
      WAYBILL_DEADLINE_POLL_MS: '250',
      WAYBILL_ERP_REPLY_TIMEOUT_MS: '900000',
      WAYBILL_ERP_MAX_SENDS: '5',
      WAYBILL_RATE_LIMIT: '30',
      WAYBILL_PROCESSOR_ROLES: 'ingest, read-models',
      LOG_LEVEL: 'debug',
    });
    expect(config).toEqual({
      natsUrl: 'nats://nats:4222',
      databaseUrl: 'postgres://u:p@db:5432/wb',
      eventStore: 'esdb',
      eventStoreUrl: 'esdb://esdb:2113?tls=false',
      port: 8080,
      apiKeys: new Map([['k1', 'admin']]),
      streamPrefix: 'T_1',
      subjectPrefix: 't-1',
      ingestConsumer: 'c',
      ingestMaxInFlight: 10,
      ingestConcurrency: 4,
      ingestAckWaitMs: 500,
      deadlinePollMs: 250,
      erpReplyTimeoutMs: 900000,
      erpMaxSends: 5,
      rateLimitPerMinute: 30,
      processorRoles: new Set(['ingest', 'read-models']),
      logLevel: 'debug',
    });
  });

  it('when a variable is set to the empty string, then its default applies', () => {
    const config = loadConfig({
      NATS_URL: '',
      DATABASE_URL: '',
      PORT: '',
      WAYBILL_API_KEYS: '',
      WAYBILL_STREAM_PREFIX: '',
      WAYBILL_SUBJECT_PREFIX: '',
      WAYBILL_INGEST_CONCURRENCY: '',
    });
    expect(config.natsUrl).toBe('nats://127.0.0.1:4222');
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/waybill');
    expect(config.port).toBe(3000);
    expect(config.apiKeys).toBeUndefined();
    expect(config.streamPrefix).toBe('WAYBILL');
    expect(config.subjectPrefix).toBe('waybill');
    expect(config.ingestConcurrency).toBe(256);
  });

  it('when EVENT_STORE is postgres or esdb, then it is taken', () => {
    expect(loadConfig({ EVENT_STORE: 'postgres' }).eventStore).toBe('postgres');
    expect(loadConfig({ EVENT_STORE: 'esdb' }).eventStore).toBe('esdb');
  });

  it.each(['kurrent', 'Postgres', 'ESDB', 'postgres '])(
    'when EVENT_STORE is %j, then it is a ConfigError naming the variable',
    (value) => {
      expect(() => loadConfig({ EVENT_STORE: value })).toThrow(ConfigError);
      expect(() => loadConfig({ EVENT_STORE: value })).toThrow(/EVENT_STORE must be postgres or esdb/);
    },
  );

  it.each(['WAYBILL.X', 'WAY BILL', 'W*', 'W>', 'a/b'])(
    'when WAYBILL_STREAM_PREFIX is %j, then it is a ConfigError',
    (value) => {
      expect(() => loadConfig({ WAYBILL_STREAM_PREFIX: value })).toThrow(ConfigError);
      expect(() => loadConfig({ WAYBILL_STREAM_PREFIX: value })).toThrow(/WAYBILL_STREAM_PREFIX/);
    },
  );

  it.each(['waybill.tenant', 'way bill', '*', '>', 'a.'])(
    'when WAYBILL_SUBJECT_PREFIX is %j (not one subject token), then it is a ConfigError',
    (value) => {
      expect(() => loadConfig({ WAYBILL_SUBJECT_PREFIX: value })).toThrow(ConfigError);
      expect(() => loadConfig({ WAYBILL_SUBJECT_PREFIX: value })).toThrow(/WAYBILL_SUBJECT_PREFIX/);
    },
  );

  it.each([
    ['PORT', '0'],
    ['PORT', '-1'],
    ['PORT', '3000.5'],
    ['PORT', 'abc'],
    ['WAYBILL_INGEST_MAX_IN_FLIGHT', '0'],
    ['WAYBILL_INGEST_CONCURRENCY', '-4'],
    ['WAYBILL_INGEST_CONCURRENCY', 'many'],
    ['WAYBILL_INGEST_ACK_WAIT_MS', '1.5'],
    ['WAYBILL_INGEST_ACK_WAIT_MS', 'Infinity'],
    ['WAYBILL_RATE_LIMIT', '0'],
    ['WAYBILL_RATE_LIMIT', 'unlimited'],
  ])('when %s is %j, then it is a ConfigError naming the variable and the value', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(
      `${name} must be a positive integer, got ${JSON.stringify(value)}`,
    );
  });

  it('when WAYBILL_API_KEYS is malformed, then loading the configuration fails', () => {
    expect(() => loadConfig({ WAYBILL_API_KEYS: 'k1:root' })).toThrow(ConfigError);
  });
});

describe('parseApiKeys', () => {
  it('when given comma-separated key:role pairs, then each key maps to its role', () => {
    expect(parseApiKeys('r1:reader,a1:auditor,o1:operator,x1:admin')).toEqual(
      new Map([
        ['r1', 'reader'],
        ['a1', 'auditor'],
        ['o1', 'operator'],
        ['x1', 'admin'],
      ]),
    );
  });

  it('when pairs have whitespace around them or empty entries between them, then those are ignored', () => {
    expect(parseApiKeys('  k1:reader ,\n k2:admin\t,,  ,')).toEqual(
      new Map([
        ['k1', 'reader'],
        ['k2', 'admin'],
      ]),
    );
  });

  it('when a key itself contains colons, then the role is what follows the last colon', () => {
    expect(parseApiKeys('abc:def:ghi:operator')).toEqual(new Map([['abc:def:ghi', 'operator']]));
  });

  it('when the string holds no pair, then there are no keys', () => {
    expect(parseApiKeys('')).toEqual(new Map());
    expect(parseApiKeys(' , ')).toEqual(new Map());
  });

  it.each(['k1:root', 'k1:Admin', 'k1:', 'k1', ':admin', 'k1 : admin', 'k1:reader,k2:superuser'])(
    'when the value is %j, then it is a ConfigError',
    (raw) => {
      expect(() => parseApiKeys(raw)).toThrow(ConfigError);
      expect(() => parseApiKeys(raw)).toThrow(/WAYBILL_API_KEYS: .* is not key:role/);
    },
  );

  it('when a pair is rejected, then the message does not print the secret key in full', () => {
    let message = '';
    try {
      parseApiKeys('s3cr3t-api-key-value:root');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/WAYBILL_API_KEYS/);
    expect(message).not.toContain('s3cr3t-api-key-value');
  });

  it('when WAYBILL_PROCESSOR_ROLES is unset, then a processor runs ingest, billing, read models and translation', () => {
    expect(loadConfig({}).processorRoles).toEqual(new Set(['ingest', 'billing', 'read-models', 'translate']));
  });

  it('when WAYBILL_PROCESSOR_ROLES is translate alone, then only translation runs', () => {
    expect(loadConfig({ WAYBILL_PROCESSOR_ROLES: 'translate' }).processorRoles).toEqual(
      new Set(['translate']),
    );
  });

  it('when WAYBILL_PROCESSOR_ROLES names an unknown role, then loading fails naming the variable', () => {
    expect(() => loadConfig({ WAYBILL_PROCESSOR_ROLES: 'ingest,reporting' })).toThrow(
      /WAYBILL_PROCESSOR_ROLES/,
    );
  });
});
