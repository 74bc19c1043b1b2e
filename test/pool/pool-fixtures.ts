/**
 * Messages for the fixture profile fx-base whose validation cost grows with `idents`: the tests need
 * validations that are slow for real (schema validation of much content), not simulated delays.
 */
export function envelope(idents: number, opts: { invalid?: boolean } = {}): Uint8Array<ArrayBuffer> {
  // An invalid Ident names its type element wrongly: one schema error per Ident.
  const ident = opts.invalid ? '<Ident><Id>12345</Id><Type V="HER"/></Ident>' : '<Ident><Id>12345</Id><TypeId V="HER"/></Ident>';
  return new TextEncoder().encode(
    `<Envelope xmlns="urn:fx:envelope"><MsgId>m-${idents}</MsgId><Status V="1"/>${ident.repeat(idents)}</Envelope>`,
  );
}

/**
 * Waits until `condition` holds (polling). No deadline of its own: a loaded machine may take long,
 * and a condition that never holds is ended by the test's own timeout.
 */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}
