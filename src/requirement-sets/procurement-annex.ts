import type { Direction } from '../declarations/declaration.js';
import { html, renderTemplate, type SafeHtml } from '../declarations/render/html-template.js';
import { dateNb } from '../declarations/render/labels-nb.js';
import type { SystemCoverage } from './coverage.js';
import type { Requirement, RequirementSet } from './requirement-set.js';

const LEVEL_NB: Record<Requirement['level'], string> = { mandatory: 'Obligatorisk', recommended: 'Anbefalt' };
const directionNb = (d: Direction | undefined) => (d === 'send' ? 'Sende' : d === 'receive' ? 'Motta' : 'Sende eller motta');

export interface AnnexContext {
  /** Profile titles by id, for people who do not know the ids. */
  profileTitle(id: string): string | undefined;
  registryUrl: string;
  now: Date;
}

function profileLabel(r: Requirement, ctx: AnnexContext): string {
  const title = ctx.profileTitle(r.profile);
  return title ? `${title} (${r.profile})` : r.profile;
}

export function annexHtml(set: RequirementSet, systems: readonly SystemCoverage[], ctx: AnnexContext): string {
  const requirementRows = set.requirements.map(
    (r) =>
      html`<tr><td>${profileLabel(r, ctx)}</td><td>${directionNb(r.direction)}</td><td>${LEVEL_NB[r.level]}</td><td>${r.note ?? ''}</td></tr>`,
  );
  const coverageTable: SafeHtml =
    systems.length === 0
      ? html`<p>Ingen system har gyldige erklæringer for profilene i dette kravsettet.</p>`
      : html`<table><thead><tr><th>System</th><th>Leverandør</th><th>Obligatoriske</th><th>Anbefalte</th><th>Mangler</th></tr></thead><tbody>${systems.map(
          (s) => {
            const missing = s.requirements
              .filter((r) => !r.declarationId && r.requirement.level === 'mandatory')
              .map((r) => r.requirement.profile);
            return html`<tr><td>${s.system} ${s.version}</td><td>${s.vendor.name} (${s.vendor.organisasjonsnummer})</td><td class="${s.meetsMandatory ? 'ok' : 'missing'}">${s.mandatory.covered} av ${s.mandatory.total}</td><td>${s.recommended.covered} av ${s.recommended.total}</td><td>${missing.join(', ') || '–'}</td></tr>`;
          },
        )}</tbody></table>`;
  return renderTemplate('procurement-annex.html', {
    title: set.title,
    serviceType: set.serviceType,
    id: set.id,
    generatedAt: dateNb(ctx.now.toISOString()),
    registryUrl: ctx.registryUrl,
    description: set.description ?? '',
    basis: set.basis ? `Grunnlag: ${set.basis}` : '',
    requirementRows: html`${requirementRows}`,
    coverage: coverageTable,
  });
}

/**
 * One cell of CSV: quoted when needed, and a leading = + - @ neutralised, because the annex is
 * opened in spreadsheets and text from administrators or vendors must not run as a formula.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[";\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Semicolon-separated with a byte order mark: what a Norwegian spreadsheet opens without an import dialog. */
export function annexCsv(set: RequirementSet, systems: readonly SystemCoverage[], ctx: AnnexContext): string {
  const header = ['Kravsett', 'Tjenestetype', 'Profil', 'Profilnavn', 'Retning', 'Nivå', 'Merknad', 'Systemer med gyldig erklæring'];
  const rows = set.requirements.map((r) => {
    const coveredBy = systems
      .filter((s) => s.requirements.some((c) => c.requirement === r && c.declarationId))
      .map((s) => `${s.system} ${s.version} (${s.vendor.name})`);
    return [
      set.id,
      set.serviceType,
      r.profile,
      ctx.profileTitle(r.profile) ?? '',
      directionNb(r.direction),
      LEVEL_NB[r.level],
      r.note ?? '',
      coveredBy.join(', '),
    ];
  });
  return `\uFEFF${[header, ...rows].map((row) => row.map(csvCell).join(';')).join('\r\n')}\r\n`;
}
