import { describe, expect, it } from 'vitest';
import { isDeployNetError } from '../core/errors.js';
import { resolveSignalConfig } from './signal-config.js';
import { signalEnvName, signalOptionsFromCommandLine } from './signal-settings.js';

/** The BAD_ARGUMENT sentence for these flags and env (fails the test when nothing is thrown). */
function refusal(flags: Record<string, string | boolean | undefined>, env: Record<string, string | undefined> = {}): string {
  try {
    signalOptionsFromCommandLine(flags, env);
  } catch (e) {
    if (!isDeployNetError(e, 'BAD_ARGUMENT')) throw e;
    expect(e.message).not.toContain('\n');
    return e.message;
  }
  throw new Error('expected BAD_ARGUMENT');
}

const TOKEN = 'site-token-0123456789abcdef';

describe('signalOptionsFromCommandLine', () => {
  it('names each variable after its flag', () => {
    expect(signalEnvName('message-rate')).toBe('DEPLOYNET_SIGNAL_MESSAGE_RATE');
    expect(signalEnvName('port')).toBe('DEPLOYNET_SIGNAL_PORT');
  });

  it('nothing given: no options, so every default applies', () => {
    expect(signalOptionsFromCommandLine({}, { PATH: '/bin', DEPLOYNET_OTHER: 'x' })).toEqual({});
  });

  it('reads flags and variables; a flag wins over its variable; an empty variable is unset', () => {
    const options = signalOptionsFromCommandLine(
      { port: '9100', 'allowed-origins': 'https://a.example, https://b.example' },
      {
        DEPLOYNET_SIGNAL_PORT: '9200',
        DEPLOYNET_SIGNAL_HOST: '0.0.0.0',
        DEPLOYNET_SIGNAL_SITE_TOKENS: `${TOKEN},${TOKEN}-2`,
        DEPLOYNET_SIGNAL_MESSAGE_RATE: '20',
        DEPLOYNET_SIGNAL_TRUST_PROXY: '1',
        DEPLOYNET_SIGNAL_LOG_LEVEL: 'debug',
        DEPLOYNET_SIGNAL_DRAIN_TIMEOUT: '',
      },
    );
    expect(options).toEqual({
      port: 9100,
      host: '0.0.0.0',
      allowedOrigins: ['https://a.example', 'https://b.example'],
      siteTokens: [TOKEN, `${TOKEN}-2`],
      messageRate: 20,
      trustProxy: 1,
      logLevel: 'debug',
    });
    expect(resolveSignalConfig(options)).toMatchObject({ port: 9100, messageRate: 20, drainTimeoutMs: 10_000 });
    expect(signalOptionsFromCommandLine({}, { DEPLOYNET_SIGNAL_ALLOWED_ORIGINS: '*' })).toEqual({ allowedOrigins: '*' });
  });

  it.each([
    [{ port: 'abc' }, {}, /^--port must be a whole number, not "abc"$/],
    [{ port: '70000' }, {}, /^--port must be an integer from 0 to 65535/],
    [{}, { DEPLOYNET_SIGNAL_MESSAGE_RATE: '0' }, /^DEPLOYNET_SIGNAL_MESSAGE_RATE must be an integer from 1/],
    [{}, { DEPLOYNET_SIGNAL_MAX_MESSAGE_BYTES: '-5' }, /^DEPLOYNET_SIGNAL_MAX_MESSAGE_BYTES must be a whole number/],
    [{ 'log-level': 'loud' }, {}, /^--log-level must be one of debug, info, warn, error, silent/],
    [{ 'allowed-origins': 'https://a.example/app' }, {}, /^--allowed-origins must list origins like/],
    [{ 'allowed-origins': ' , ' }, {}, /^--allowed-origins must be '\*' or a list/],
    [{ host: 'http://x' }, {}, /^--host must be a string matching/],
    [{ 'trust-proxy': '' }, {}, /^--trust-proxy needs a value$/],
    [{}, { DEPLOYNET_SIGNAL_MESAGE_RATE: '5' }, /^DEPLOYNET_SIGNAL_MESAGE_RATE is not a setting of deploynet signal/],
    [{ redis: 'localhost:6379' }, {}, /^--redis must be a redis:\/\/ or rediss:\/\/ URL/],
    [{}, { DEPLOYNET_SIGNAL_PRESENCE_TTL: '500' }, /^DEPLOYNET_SIGNAL_PRESENCE_TTL must be an integer from 1000/],
  ])('refuses %j %j with one sentence naming where the value came from', (flags, env, pattern) => {
    expect(refusal(flags, env)).toMatch(pattern);
  });

  it('reads --redis and --presence-ttl, or their variables', () => {
    expect(signalOptionsFromCommandLine({ redis: 'redis://127.0.0.1:6379', 'presence-ttl': '5000' }, {})).toEqual({ redis: 'redis://127.0.0.1:6379', presenceTtlMs: 5000 });
    expect(signalOptionsFromCommandLine({}, { DEPLOYNET_SIGNAL_REDIS: 'rediss://:pw@redis.example:6380' })).toEqual({ redis: 'rediss://:pw@redis.example:6380' });
  });

  it('reads --ping-interval, or its variable', () => {
    expect(signalOptionsFromCommandLine({ 'ping-interval': '5000' }, {})).toEqual({ pingIntervalMs: 5000 });
    expect(signalOptionsFromCommandLine({}, { DEPLOYNET_SIGNAL_PING_INTERVAL: '2000' })).toEqual({ pingIntervalMs: 2000 });
  });

  it('never repeats a bad Redis URL (it may carry a password) in its sentence', () => {
    expect(refusal({}, { DEPLOYNET_SIGNAL_REDIS: 'redis//:hunter2@redis.example' })).not.toContain('hunter2');
  });

  it('never repeats a bad site token in its sentence', () => {
    const secret = 'short-secret';
    const message = refusal({}, { DEPLOYNET_SIGNAL_SITE_TOKENS: secret });
    expect(message).toMatch(/^DEPLOYNET_SIGNAL_SITE_TOKENS must be 16 to 128 characters/);
    expect(message).not.toContain(secret);
  });
});
