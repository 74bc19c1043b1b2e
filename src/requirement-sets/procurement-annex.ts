import type { Direction } from '../declarations/declaration.js';
import { html, renderTemplate, type SafeHtml } from '../declarations/render/html-template.js';
import { dateNb } from '../declarations/render/labels-nb.js';
import type { RequirementCoverage, SystemCoverage } from './coverage.js';
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
      : html`<table><thead><tr><th>System</th><th>Leverandør</th><th>Obligatoriske testet</th><th>Anbefalte testet</th><th>Obligatoriske bare egenerklært (nivå A, ikke testet)</th><th>Obligatoriske som mangler</th></tr></thead><tbody>${systems.map(
          (s) => {
            const mandatory = (mark: RequirementCoverage['mark']) =>
              s.requirements.filter((r) => r.mark === mark && r.requirement.level === 'mandatory').map((r) => r.requirement.profile);
            return html`<tr><td>${s.system} ${s.version}</td><td>${s.vendor.name} (${s.vendor.organisasjonsnummer})</td><td class="${s.meetsMandatory ? 'ok' : 'missing'}">${s.mandatory.tested} av ${s.mandatory.total}</td><td>${s.recommended.tested} av ${s.recommended.total}</td><td>${mandatory('documented').join(', ') || '–'}</td><td>${mandatory('missing').join(', ') || '–'}</td></tr>`;
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
  const header = [
    'Kravsett',
    'Tjenestetype',
    'Profil',
    'Profilnavn',
    'Retning',
    'Nivå',
    'Merknad',
    'Systemer testet (nivå B eller C)',
    'Systemer bare egenerklært (nivå A, ikke testet)',
  ];
  const rows = set.requirements.map((r) => {
    const systemsMarked = (mark: RequirementCoverage['mark']) =>
      systems
        .filter((s) => s.requirements.some((c) => c.requirement === r && c.mark === mark))
        .map((s) => `${s.system} ${s.version} (${s.vendor.name})`)
        .join(', ');
    return [
      set.id,
      set.serviceType,
      r.profile,
      ctx.profileTitle(r.profile) ?? '',
      directionNb(r.direction),
      LEVEL_NB[r.level],
      r.note ?? '',
      systemsMarked('tested'),
      systemsMarked('documented'),
    ];
  });
  return `\uFEFF${[header, ...rows].map((row) => row.map(csvCell).join(';')).join('\r\n')}\r\n`;
}
