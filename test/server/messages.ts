/**
 * Messages a vendor's EPJ system would produce in the journey tests, built from the message the
 * harness generates (a valid forespørsel with synthetic parties), so no real message is copied.
 */

/** Adds a PDF attachment Document (RefDoc/MsgType A) after the main document. */
export function withAttachment(msgHeadXml: string): string {
  const attachment = `  <Document>
    <RefDoc>
      <IssueDate V="2026-11-26T10:00:00+01:00"/>
      <MsgType V="A" DN="Vedlegg"/>
      <MimeType>application/pdf</MimeType>
      <Description>Samtykkeskjema</Description>
      <Content>
        <Base64Container xmlns="http://www.kith.no/xmlstds/base64container">JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK</Base64Container>
      </Content>
    </RefDoc>
  </Document>
</MsgHead>`;
  return msgHeadXml.replace(/<\/MsgHead>\s*$/, attachment);
}

/** An Applikasjonskvittering 1.0 answering the message with the given MsgId. */
export function appRec(p: { originalMsgId: string; status: '1' | '2' | '3'; msgType?: string; errors?: { v: string; dn: string }[] }): string {
  const statusDn = { '1': 'OK', '2': 'Avvist', '3': 'OK, feil i delmelding' }[p.status];
  const errors = (p.errors ?? []).map((e) => `  <Error V="${e.v}" S="2.16.578.1.12.4.1.1.8221" DN="${e.dn}"/>\n`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<AppRec xmlns="http://www.kith.no/xmlstds/apprec/2004-11-21">
  <MsgType V="APPREC"/>
  <MIGversion>1.0 2004-11-21</MIGversion>
  <GenDate>2026-11-26T10:15:00</GenDate>
  <Id>7d4c1f0e-2a3b-4c5d-8e9f-0a1b2c3d4e5f</Id>
  <Sender>
    <HCP>
      <Inst>
        <Name>Leverandørens testmottaker</Name>
        <Id>8999911</Id>
        <TypeId V="HER" DN="HER-id"/>
      </Inst>
    </HCP>
  </Sender>
  <Receiver>
    <HCP>
      <Inst>
        <Name>Samsvar testpart</Name>
        <Id>8999901</Id>
        <TypeId V="HER" DN="HER-id"/>
      </Inst>
    </HCP>
  </Receiver>
  <Status V="${p.status}" DN="${statusDn}"/>
${errors}  <OriginalMsgId>
    <MsgType V="${p.msgType ?? 'DIALOG_FORESPORSEL'}" DN="Forespørsel"/>
    <IssueDate>2026-11-26T10:00:00</IssueDate>
    <Id>${p.originalMsgId}</Id>
  </OriginalMsgId>
</AppRec>
`;
}
