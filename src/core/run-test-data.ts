/**
 * The test data a run fixes when it opens, so that what is submitted as evidence must come from a
 * system that was fed this run's data: a synthetic patient no other run has (fødselsnummer with
 * month + 80, hjelpenummer with month + 40), samsvar's test communication party, and the system's
 * own test communication party (the HER-id registered on the system version).
 */
export interface RunPatient {
  fnr: string;
  hnr: string;
  givenName: string;
  familyName: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
}

export interface CommunicationParty {
  name: string;
  herId: string;
}

export interface RunTestData {
  runId: string;
  /** When the run opened (ISO-8601): a submitted message's GenDate must not be earlier. */
  openedAt: string;
  patient: RunPatient;
  /** samsvar's test party: the receiver of what the system sends, the sender of what samsvar generates. */
  samsvarParty: CommunicationParty;
  /** The system's own test party; null when the version has no HER-id (a run of FHIR profiles only). */
  systemParty: CommunicationParty | null;
}
