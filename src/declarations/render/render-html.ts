import type { DeclarationView } from './declaration-view.js';
import { html, renderTemplate, type SafeHtml } from './html-template.js';
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

/** The human report in bokmål: who, what, which profiles and test cases, and how to verify. */
export function renderDeclarationHtml(v: DeclarationView): string {
  const d = v.declaration;
  const profileRows = d.conformsTo.map((p) => {
    const used = usedProfilesNb(p).map((u) => html`<div>${u.text}: <code>${u.sha256}</code></div>`);
    return html`<tr><td>${p.title} (<code>${p.profile}</code>)</td><td>${p.version}</td><td>${DIRECTION_NB[p.direction]}</td><td><code>${p.profileSha256}</code>${used}</td></tr>`;
  });
  const testCaseRows: SafeHtml[] = d.testCases.map((t) => {
    const evidence = t.evidence.map(
      (e) => html`<div>${evidenceNameNb(e.name)}: <code>${e.sha256}</code> / funn <code>${e.findingsSha256}</code></div>`,
    );
    const waived = waivedNb(t);
    return html`<tr><td><code>${t.id}</code>${waived ? html`<div>${waived}</div>` : ''}</td><td>${t.profile}</td><td>${evidence}</td></tr>`;
  });
  if (testCaseRows.length === 0) testCaseRows.push(html`<tr><td colspan="3">Ingen: erklæringen er ikke testet i samsvar.</td></tr>`);
  const documentation: SafeHtml = d.documentation?.length
    ? html`<h2>Dokumentasjon</h2>
<p>Erklæringen bygger på disse dokumentene fra leverandøren. Sjekksummene er signert, så et dokument kan ikke byttes ut i ettertid.</p>
<table><thead><tr><th>Dokument</th><th>Type</th><th>Størrelse</th><th>SHA-256</th></tr></thead><tbody>${d.documentation.map(
        (x) => html`<tr><td>${x.name}</td><td>${x.mediaType}</td><td>${x.size} byte</td><td><code>${x.sha256}</code></td></tr>`,
      )}</tbody></table>`
    : html``;
  const fields = declarationFieldsNb(v);
  const deviations: SafeHtml =
    d.deviations.length === 0
      ? html`<p>Ingen avvik.</p>`
      : html`<p>Godkjent med forbehold: funnene under er unntatt til fristen. Erklæringen utløper ved første frist med mindre en ny testkjøring fjerner avviket.</p>
<table><thead><tr><th>Profil</th><th>Regel</th><th>Begrunnelse</th><th>Frist</th></tr></thead><tbody>${d.deviations.map(
          (x) =>
            html`<tr><td>${x.profile}</td><td><code>${x.ruleId}</code></td><td>${x.justification}</td><td>${dateNb(x.deadline)}</td></tr>`,
        )}</tbody></table>`;
  const countersignatures: SafeHtml =
    v.countersignatures.length === 0
      ? html`<p>Ingen bekreftelse fra testlaboratorium.</p>`
      : html`<ul>${v.countersignatures.map(
          (c) =>
            html`<li>${confirmedByNb(c.confirmedBy)}, ${dateNb(c.at)}: ${c.statement}${c.retest ? ` Kjørt på nytt: ${c.retest.testCases.map((t) => t.id).join(', ')}.` : ''}</li>`,
        )}</ul>`;

  return renderTemplate('declaration.html', {
    ...fields,
    levelBanner: fields.levelNotice ? html`<p class="level-a">${fields.levelNotice}</p>` : html``,
    documentation,
    profileRows: html`${profileRows}`,
    testCaseRows: html`${testCaseRows}`,
    deviations,
    countersignatures,
    verifySteps: html`${verifySteps(v.baseUrl, d.id).map((s) => html`<li>${s}</li>`)}`,
  });
}
