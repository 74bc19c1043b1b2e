import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { DEFAULT_MAX_BODY_BYTES, engineSettingsFromEnv } from '../../src/engine/engine-settings.js';
import { ProfileCatalog } from '../../src/profiles/catalog.js';

describe('engine settings', () => {
  it('reads the largest FHIR JSON from SAMSVAR_MAX_BODY_BYTES, the service body limit (25 MiB by default)', () => {
    expect(engineSettingsFromEnv({}).maxJsonBytes).toBe(DEFAULT_MAX_BODY_BYTES);
    expect(engineSettingsFromEnv({ SAMSVAR_MAX_BODY_BYTES: '67108864' }).maxJsonBytes).toBe(64 * 1024 * 1024);
    expect(() => engineSettingsFromEnv({ SAMSVAR_MAX_BODY_BYTES: '50MB' })).toThrow(/SAMSVAR_MAX_BODY_BYTES must be a positive integer/);
  });

  it('refuses FHIR JSON over that limit with SYNTAX-SIZE and reads it under a raised one', async () => {
    const resource = new TextEncoder().encode(JSON.stringify({ resourceType: 'Basic', code: { text: 'x'.repeat(2000) } }));
    const small = new Engine(new ProfileCatalog(), { ...engineSettingsFromEnv({}), maxJsonBytes: 1000 });
    const large = new Engine(new ProfileCatalog(), { ...engineSettingsFromEnv({}), maxJsonBytes: 4000 });
    const refused = await small.validate(resource, { format: 'fhir' });
    expect(refused.findings.map((f) => f.ruleId)).toEqual(['SYNTAX-SIZE']);
    const read = await large.validate(resource, { format: 'fhir' });
    expect(read.findings.map((f) => f.ruleId)).not.toContain('SYNTAX-SIZE');
    expect(read.format).toBe('fhir');
  });
});
