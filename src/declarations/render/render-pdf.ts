import { readFileSync } from 'node:fs';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { REPORT_TEMPLATES_DIR } from '../../core/paths.js';
import type { DeclarationView } from './declaration-view.js';
import {
  confirmedByNb,
  dateNb,
  declarationFieldsNb,
  DIRECTION_NB,
  evidenceNameNb,
  usedProfilesNb,
  verifySteps,
  waivedNb,
} from './labels-nb.js';

/** reports/declaration.pdf.json: the printable layout, so wording is edited there and not in code. */
interface PdfTemplate {
  title: string;
  /** skipEmpty: leave the whole block out when its list is empty (documentation exists only for level A). */
  blocks: Array<{
    heading?: string;
    link?: string;
    lines?: string[];
    each?: string;
    line?: string;
    detail?: string;
    empty?: string;
    skipEmpty?: boolean;
  }>;
  footer: string;
}

type Values = Record<string, string>;

function fill(text: string, values: Values): string {
  return text.replace(/\{\{([a-zA-Z0-9]+)\}\}/g, (_, k: string) => {
    if (values[k] === undefined) throw new Error(`the PDF template uses {{${k}}}, which the renderer does not provide`);
    return values[k];
  });
}

function listsOf(v: DeclarationView): Record<string, Values[]> {
  const d = v.declaration;
  return {
    profiles: d.conformsTo.map((p) => ({
      title: p.title,
      profile: p.profile,
      version: p.version,
      direction: DIRECTION_NB[p.direction],
      profileSha256: [p.profileSha256, ...usedProfilesNb(p).map((u) => `${u.text}: ${u.sha256}`)].join('\n'),
    })),
    documents: (d.documentation ?? []).map((x) => ({ name: x.name, mediaType: x.mediaType, size: String(x.size), sha256: x.sha256 })),
    testCases: d.testCases.map((t) => ({
      id: t.id,
      profile: t.profile,
      waived: t.waived?.length ? `, ${waivedNb(t)}` : '',
      evidence: t.evidence.map((e) => `${evidenceNameNb(e.name)}: ${e.sha256} / funn ${e.findingsSha256}`).join('\n'),
    })),
    deviations: d.deviations.map((x) => ({
      ruleId: x.ruleId,
      profile: x.profile,
      deadline: dateNb(x.deadline),
      justification: x.justification,
    })),
    countersignatures: v.countersignatures.map((c) => ({ name: confirmedByNb(c.confirmedBy), at: dateNb(c.at), statement: c.statement })),
    verifySteps: verifySteps(v.baseUrl, d.id).map((step) => ({ step })),
  };
}

/** The printable declaration, with the verification URL. Deterministic for a given view (dates come from the declaration). */
export function renderDeclarationPdf(v: DeclarationView, templateDir = REPORT_TEMPLATES_DIR): Promise<Buffer> {
  const template = JSON.parse(readFileSync(path.join(templateDir, 'declaration.pdf.json'), 'utf8')) as PdfTemplate;
  const d = v.declaration;
  const values: Values = declarationFieldsNb(v);
  const lists = listsOf(v);

  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    info: {
      Title: `${template.title} ${d.id}`,
      Author: d.issuer.name,
      Subject: `${d.product.name} ${d.product.version}`,
      CreationDate: new Date(d.issuedAt),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(18).text(template.title).moveDown(0.5);
  for (const block of template.blocks) {
    if (block.each && block.skipEmpty && lists[block.each]?.length === 0) continue;
    if (block.heading) doc.font('Helvetica-Bold').fontSize(13).text(block.heading).moveDown(0.2);
    doc.font('Helvetica').fontSize(10);
    if (block.link) {
      const url = fill(block.link, values);
      doc.fillColor('#0b4f9c').text(url, { link: url, underline: true }).fillColor('black');
    }
    for (const line of block.lines ?? []) {
      const text = fill(line, values);
      // A line made only of an empty value (the level A notice on a B declaration) is left out.
      if (text === '' && line !== '') continue;
      doc.text(text);
    }
    if (block.each) {
      const items = lists[block.each];
      if (!items) throw new Error(`the PDF template lists "${block.each}", which the renderer does not provide`);
      if (items.length === 0 && block.empty) doc.text(block.empty);
      for (const item of items) {
        const itemValues = { ...values, ...item };
        if (block.line) doc.font('Helvetica').fontSize(10).text(fill(block.line, itemValues));
        if (block.detail)
          doc.font('Helvetica').fontSize(8).fillColor('#444444').text(fill(block.detail, itemValues), { indent: 12 }).fillColor('black');
      }
    }
    doc.moveDown(0.8);
  }
  doc.font('Helvetica-Oblique').fontSize(8).text(template.footer);
  doc.end();
  return done;
}
