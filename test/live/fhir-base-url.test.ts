import { describe, expect, it } from 'vitest';
import { normalizeFhirBaseUrl } from '../../src/live/fhir-base-url.js';

describe('normalizeFhirBaseUrl', () => {
  it('writes one endpoint one way: host case, default port and trailing slashes do not make another API', () => {
    for (const raw of ['https://fhir.vendor.no/r4', ' https://FHIR.vendor.no/r4/ ', 'https://fhir.vendor.no:443/r4//']) {
      expect(normalizeFhirBaseUrl(raw, 'fhirBaseUrl')).toBe('https://fhir.vendor.no/r4');
    }
    expect(normalizeFhirBaseUrl('http://10.1.2.3:8080/', 'fhirBaseUrl')).toBe('http://10.1.2.3:8080');
  });

  it('refuses what is no FHIR base URL, naming the field', () => {
    for (const [raw, why] of [
      ['fhir.vendor.no/r4', /is not a URL/],
      ['ftp://fhir.vendor.no/r4', /must be an http or https URL/],
      ['https://user:pw@fhir.vendor.no/r4', /must not carry credentials/],
      ['https://fhir.vendor.no/r4?_format=json', /must not have a query or fragment/],
    ] as const) {
      expect(() => normalizeFhirBaseUrl(raw, 'fhirBaseUrl')).toThrow(why);
      try {
        normalizeFhirBaseUrl(raw, 'fhirBaseUrl');
      } catch (e) {
        expect((e as { extra?: { field?: string } }).extra?.field).toBe('fhirBaseUrl');
      }
    }
  });
});
