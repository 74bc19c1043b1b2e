import type { XmlDocument, XmlNode } from 'libxml2-wasm';
import type { ParsedXml } from '../xml/read-xml.js';

/**
 * What samsvar reads of any KITH message to bind it to a run, namespace-agnostic so that every
 * standard (those shipped and those added later) gets the same checks: a Hodemelding (MsgHead)
 * names its sender and receiver in MsgInfo; a message sent on its own (root `Message`: Epikrise,
 * Henvisning 1.0, Svarrapport, Rekvisisjon) has MsgId and GenDate at its root and names its parties
 * in the body, by roles that differ per standard; an AppRec has Id, GenDate, Sender and Receiver.
 */
export interface MessageHeader {
  kind: 'msghead' | 'apprec' | 'standalone';
  msgId: { value: string; node: XmlNode } | null;
  genDate: { value: string; node: XmlNode } | null;
  /** HER-ids the sender names (organisation, unit, person); null where the document has no header sender (standalone). The receiver's include a Hodemelding's copy recipients. */
  senderHerIds: { values: string[]; node: XmlNode } | null;
  receiverHerIds: { values: string[]; node: XmlNode } | null;
  /** Every HER-id the document names, wherever it stands. */
  allHerIds: string[];
  /** Each outermost Patient element with the fødselsnummer and hjelpenummer it carries (Ident/Id, OffId; a D-nummer or other id is not the run's to check), and each bare Fnr element. */
  patients: { ids: string[]; node: XmlNode }[];
}

const ln = (name: string) => `*[local-name() = '${name}']`;
/** Elements naming a HER-id: an Id next to a TypeId whose V is HER (MsgHead Ident, AppRec Inst/Dept/HCProf, KITH HCP). */
const HER_IDS = `descendant-or-self::*[${ln('TypeId')}/@V = 'HER']/${ln('Id')}`;

function first(doc: XmlDocument, xpath: string): XmlNode | null {
  const nodes = doc.find(xpath);
  return nodes.length ? nodes[0]! : null;
}

function text(node: XmlNode, xpath = '.'): string {
  return String(node.eval(`normalize-space(${xpath})`)).trim();
}

function herIdsUnder(doc: XmlDocument, xpath: string): { values: string[]; node: XmlNode } | null {
  const party = first(doc, xpath);
  if (!party) return null;
  const values = party.find(HER_IDS).map((n) => text(n)).filter((v) => v !== '');
  return { values: [...new Set(values)], node: party };
}

/** The receiver's HER-ids and, in a Hodemelding, those of copy recipients (MsgInfo/OtherReceiver): samsvar may be addressed as either. */
function receiversOf(doc: XmlDocument, base: string): { values: string[]; node: XmlNode } | null {
  const main = herIdsUnder(doc, `${base}/${ln('Receiver')}`);
  const copies = doc.find(`${base}/${ln('OtherReceiver')}`).flatMap((n) => n.find(HER_IDS).map((id) => text(id)));
  if (!main) return null;
  return { values: [...new Set([...main.values, ...copies.filter((v) => v !== '')])], node: main.node };
}

/** GenDate's value: the V attribute (KITH standalone messages) or its text (MsgHead, AppRec). */
function dateOf(node: XmlNode | null): { value: string; node: XmlNode } | null {
  if (!node) return null;
  const value = node.eval("boolean(@V)") ? text(node, "@V") : text(node);
  return value ? { value, node } : null;
}

export function readMessageHeader({ doc }: ParsedXml): MessageHeader {
  const root = String(doc.eval('local-name(/*)'));
  const kind = root === 'MsgHead' ? 'msghead' : root === 'AppRec' ? 'apprec' : 'standalone';
  const base = kind === 'msghead' ? `/${ln('MsgHead')}/${ln('MsgInfo')}` : '/*';
  const idNode = first(doc, `${base}/${ln(kind === 'apprec' ? 'Id' : 'MsgId')}`);
  const msgIdValue = idNode ? text(idNode) : '';
  const patients = doc
    .find(`//${ln('Patient')}[not(ancestor::${ln('Patient')})]`)
    .map((node) => ({
      node,
      ids: node
        .find(`${ln('Ident')}[${ln('TypeId')}/@V = 'FNR' or ${ln('TypeId')}/@V = 'HNR']/${ln('Id')} | ${ln('OffId')}[../${ln('TypeOffId')}/@V = 'FNR' or ../${ln('TypeOffId')}/@V = 'HNR']`)
        .map((n) => text(n))
        .filter((v) => v !== ''),
    }));
  // e-resept names the patient by a bare Fnr element (M912 Multidosepasient/Fnr), outside any Patient.
  for (const node of doc.find(`//${ln('Fnr')}[not(ancestor::${ln('Patient')})]`)) {
    const id = text(node);
    if (id) patients.push({ node, ids: [id] });
  }
  const headerParties = kind !== 'standalone';
  return {
    kind,
    msgId: idNode && msgIdValue ? { value: msgIdValue, node: idNode } : null,
    genDate: dateOf(first(doc, `${base}/${ln('GenDate')}`)),
    senderHerIds: headerParties ? herIdsUnder(doc, `${base}/${ln('Sender')}`) : null,
    receiverHerIds: headerParties ? receiversOf(doc, base) : null,
    allHerIds: [...new Set(doc.find(`//${ln('TypeId')}[@V = 'HER']/../${ln('Id')}`).map((n) => text(n)).filter((v) => v !== ''))],
    patients,
  };
}
