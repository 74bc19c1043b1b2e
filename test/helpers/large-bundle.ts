import { randomUUID } from 'node:crypto';

const PARAGRAPH = '<p>Journalnotat: pasienten kom til kontroll og er frisk.</p>';

/**
 * A valid collection Bundle of `entries` Patients, each linking to the next by its full URL: a
 * large Bundle whose every entry the validator walks and whose every reference it resolves.
 * `paragraphs` lengthens each Patient's narrative (about 60 bytes each): fewer entries for the
 * same size. No identifiers, so no finding depends on test data.
 */
export function patientBundle(entries: number, paragraphs = 0): Uint8Array<ArrayBuffer> {
  const text = {
    status: 'generated',
    div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>Kari Nordmann, født 13. mars 2013</p>${PARAGRAPH.repeat(paragraphs)}</div>`,
  };
  const urls = Array.from({ length: entries }, () => `urn:uuid:${randomUUID()}`);
  const bundle = {
    resourceType: 'Bundle',
    type: 'collection',
    entry: urls.map((fullUrl, i) => ({
      fullUrl,
      resource: {
        resourceType: 'Patient',
        text,
        active: true,
        name: [{ use: 'official', family: 'Nordmann', given: ['Kari'] }],
        telecom: [{ system: 'phone', value: '+47 22 00 00 00', use: 'home' }],
        gender: 'female',
        birthDate: '2013-03-13',
        address: [{ line: ['Storgata 1'], postalCode: '0155', city: 'Oslo', country: 'NO' }],
        link: [{ other: { reference: urls[(i + 1) % entries] }, type: 'seealso' }],
      },
    })),
  };
  return new TextEncoder().encode(JSON.stringify(bundle));
}

/** Entries for a Bundle of at least `bytes` bytes with `paragraphs` narrative paragraphs per Patient. */
export function entriesFor(bytes: number, paragraphs = 0): number {
  const one = patientBundle(100, paragraphs).length / 100;
  return Math.max(1, Math.ceil((bytes * 1.01) / one));
}
