import { randomUUID } from 'node:crypto';
import { osloDateTime } from '../../src/testcases/synthetic-data.js';

/**
 * Messages a vendor's EPJ system would write, for tests: an Applikasjonskvittering answering a
 * message, and an attachment added to a MsgHead message. Written for samsvar, not copied.
 */

/** The HER-id test systems register on their versions: buildAppRec's default sender. */
export const TEST_SYSTEM_HER_ID = '8999911';

export interface AppRecParts {
  status: string;
  errors?: { v: string; dn: string }[];
  originalMsgId: string;
  originalMsgType?: string;
  id?: string;
  senderHer?: string;
  receiverHer?: string;
  /** AppRec 1.0 (default) or 1.1: same content, another namespace and MIGversion. */
  version?: '1.0' | '1.1';
  /** Default: now, as a system answering during a run writes it. */
  genDate?: string;
}

const STATUS_DN: Record<string, string> = { '1': 'OK', '2': 'Avvist', '3': 'OK, feil i delmelding' };

/** An Applikasjonskvittering (1.0 unless asked for 1.1) as a receiving EPJ system would write it. */
export function buildAppRec(p: AppRecParts): string {
  const errors = (p.errors ?? []).map((e) => `  <Error V="${e.v}" S="2.16.578.1.12.4.1.1.8221" DN="${e.dn}"/>\n`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<AppRec xmlns="${p.version === '1.1' ? 'http://www.kith.no/xmlstds/apprec/2012-02-15' : 'http://www.kith.no/xmlstds/apprec/2004-11-21'}">
  <MsgType V="APPREC"/>
  <MIGversion>${p.version === '1.1' ? 'v1.1 2012-02-15' : '1.0 2004-11-21'}</MIGversion>
  <GenDate>${p.genDate ?? osloDateTime(new Date())}</GenDate>
  <Id>${p.id ?? randomUUID()}</Id>
  <Sender>
    <HCP>
      <Inst>
        <Name>Leverandørens testmottaker</Name>
        <Id>${p.senderHer ?? TEST_SYSTEM_HER_ID}</Id>
        <TypeId V="HER" DN="HER-id"/>
      </Inst>
    </HCP>
  </Sender>
  <Receiver>
    <HCP>
      <Inst>
        <Name>Samsvar testpart</Name>
        <Id>${p.receiverHer ?? '8999901'}</Id>
        <TypeId V="HER" DN="HER-id"/>
      </Inst>
    </HCP>
  </Receiver>
  <Status V="${p.status}" DN="${STATUS_DN[p.status] ?? 'Ukjent'}"/>
${errors}  <OriginalMsgId>
    <MsgType V="${p.originalMsgType ?? 'DIALOG_FORESPORSEL'}" DN="Forespørsel"/>
    <IssueDate>2026-11-26T10:00:00</IssueDate>
    <Id>${p.originalMsgId}</Id>
  </OriginalMsgId>
</AppRec>
`;
}

/** A one-page PDF's first bytes, base64: enough content for an attachment. */
const PDF_BASE64 = Buffer.from('%PDF-1.4\n%samsvar test attachment\n').toString('base64');

/** Adds a PDF attachment as a second Document to a MsgHead message. */
export function withAttachment(xml: string, opts: { mimeType?: string; description?: string } = {}): string {
  const doc = `  <Document>
    <RefDoc>
      <IssueDate V="2026-11-26T10:00:00"/>
      <MsgType V="A" DN="Vedlegg"/>
      <MimeType>${opts.mimeType ?? 'application/pdf'}</MimeType>
      ${opts.description === '' ? '' : `<Description>${opts.description ?? 'EKG tatt i dag'}</Description>`}
      <Content>
        <Base64Container xmlns="http://www.kith.no/xmlstds/base64container">${PDF_BASE64}</Base64Container>
      </Content>
    </RefDoc>
  </Document>
</MsgHead>`;
  return xml.replace(/<\/MsgHead>\s*$/, doc);
}
