import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPORT_TEMPLATES_DIR } from '../../core/paths.js';
import { escapeMarkup } from '../../core/xml-text.js';

/** HTML that is already escaped, so the template inserts it as is. */
export class SafeHtml {
  constructor(readonly html: string) {}
}

export function html(strings: TemplateStringsArray, ...values: Array<string | number | SafeHtml | SafeHtml[]>): SafeHtml {
  let out = strings[0];
  values.forEach((v, i) => {
    const piece = Array.isArray(v) ? v.map((x) => x.html).join('') : v instanceof SafeHtml ? v.html : escapeMarkup(String(v));
    out += piece + strings[i + 1];
  });
  return new SafeHtml(out);
}

const cache = new Map<string, string>();

/** A template from reports/: `{{name}}` is replaced by the value, escaped unless it is SafeHtml. */
export function renderTemplate(name: string, values: Record<string, string | SafeHtml>, dir = REPORT_TEMPLATES_DIR): string {
  const file = path.join(dir, name);
  let template = cache.get(file);
  if (template === undefined) {
    template = readFileSync(file, 'utf8');
    cache.set(file, template);
  }
  return template.replace(/\{\{([a-zA-Z0-9]+)\}\}/g, (_, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`template ${name} uses {{${key}}}, which the renderer does not provide`);
    return v instanceof SafeHtml ? v.html : escapeMarkup(v);
  });
}
