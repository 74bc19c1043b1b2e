/**
 * Messages for the fixture profile fx-base whose validation cost grows with `idents`: the tests need
 * validations that are slow for real (schema validation of much content), not simulated delays.
 */
export function envelope(idents: number, opts: { invalid?: boolean } = {}): Uint8Array<ArrayBuffer> {
  // An invalid Ident names its type element wrongly: one schema error per Ident.
  const ident = opts.invalid ? '<Ident><Id>12345</Id><Type V="HER"/></Ident>' : '<Ident><Id>12345</Id><TypeId V="HER"/></Ident>';
  return new TextEncoder().encode(`<Envelope xmlns="urn:fx:envelope"><MsgId>m-${idents}</MsgId><Status V="1"/>${ident.repeat(idents)}</Envelope>`);
}

/** Waits until `condition` holds (polling); fails after `ms`. */
export async function until(condition: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms: ${condition.toString()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
