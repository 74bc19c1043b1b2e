/**
 * samsvar's own communication party: the sender of every message the harness generates for a
 * receive test case. The HER-ids and HPR-nummer are fictitious test values, not register entries.
 */
export interface Party {
  name: string;
  herId: string;
}

export const SAMSVAR_TEST_PARTY = {
  name: 'Samsvar testpart',
  herId: '8999901',
  unitName: 'Godkjenningsordningen testlege',
  unitHerId: '8999902',
  hcpGivenName: 'Tea',
  hcpFamilyName: 'Testlege',
  hcpHpr: '9999801',
} as const;

/** Used when the run has not told samsvar the HER-id of the vendor's receiving system. */
export const DEFAULT_TEST_RECEIVER: Party = {
  name: 'Leverandørens testmottaker',
  herId: '8999911',
};
