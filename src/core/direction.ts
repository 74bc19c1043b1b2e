/**
 * Which way the system under test moves the artifact, as declarations list it: `send` when the
 * system produces it (submit; live, where the system's API hands out the resources), `receive` when
 * it consumes a message and answers with an AppRec. Derived from a test case's kind, never written
 * in test case files.
 */
export type Direction = 'send' | 'receive';

/** submit: the vendor uploads what the system produced; receive: samsvar sends, the system answers; live: samsvar reads the system's FHIR API. */
export type TestcaseKind = 'submit' | 'receive' | 'live';

const DIRECTIONS: Record<TestcaseKind, Direction> = { submit: 'send', receive: 'receive', live: 'send' };

export function directionOf(tc: { kind: TestcaseKind }): Direction {
  return DIRECTIONS[tc.kind];
}
