/** A self-contained HTML reference of the API, rendered on the server from the OpenAPI document (no scripts, no CDN). */
const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the OpenAPI document is read as loose JSON
type Obj = Record<string, any>;

function schemaBlock(schema: unknown): string {
  return schema ? `<pre>${esc(JSON.stringify(schema, null, 2))}</pre>` : '';
}

export function renderDocsPage(doc: Obj): string {
  const sections: string[] = [];
  const toc: string[] = [];
  for (const [path, ops] of Object.entries<Obj>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<Obj>(ops)) {
      const anchor = esc(op.operationId);
      toc.push(`<li><a href="#${anchor}"><code>${esc(method.toUpperCase())} ${esc(path)}</code></a> ${esc(op.summary)}</li>`);
      const params = (op.parameters ?? []) as Obj[];
      const body = op.requestBody as Obj | undefined;
      const role = op['x-samsvar-role'] ? `token: ${esc(op['x-samsvar-role'])}` : 'public';
      sections.push(`<section id="${anchor}">
<h2><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h2>
<p>${esc(op.summary)} <small>(${role})</small></p>
${op.description ? `<p>${esc(op.description)}</p>` : ''}
${params.length ? `<h3>Parameters</h3><ul>${params.map((p) => `<li><code>${esc(p.name)}</code> in ${esc(p.in)}${p.required ? ', required' : ''}${p.description ? `: ${esc(p.description)}` : ''}</li>`).join('')}</ul>` : ''}
${
  body
    ? `<h3>Request body</h3>${body.description ? `<p>${esc(body.description)}</p>` : ''}${Object.entries<Obj>(body.content ?? {})
        .map(([t, c]) => `<p><code>${esc(t)}</code></p>${t === 'application/json' ? schemaBlock(c.schema) : ''}`)
        .join('')}`
    : ''
}
<h3>Responses</h3><ul>${Object.entries<Obj>(op.responses ?? {})
        .map(
          ([s, r]) =>
            `<li><b>${esc(s)}</b> ${esc(r.description)}${Object.keys(r.content ?? {})
              .map((t) => ` <code>${esc(t)}</code>`)
              .join('')}</li>`,
        )
        .join('')}</ul>
</section>`);
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info?.title)} API ${esc(doc.info?.version)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
section{border-top:1px solid #ddd;padding-top:.5rem}
pre{background:#f5f5f5;padding:.5rem;overflow:auto;font-size:.85rem}
.m{display:inline-block;min-width:4rem;text-align:center;border-radius:4px;color:#fff;font-size:.9rem;padding:2px 4px}
.get{background:#2b6cb0}.post{background:#2f855a}.put,.patch{background:#b7791f}.delete{background:#c53030}
</style></head><body>
<h1>${esc(doc.info?.title)} API <small>${esc(doc.info?.version)}</small></h1>
<p>${esc(doc.info?.description)}</p>
<p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI ${esc(doc.openapi)}). Errors are <code>application/problem+json</code> (RFC 9457) with a stable <code>code</code>.</p>
<ul>${toc.join('\n')}</ul>
${sections.join('\n')}
</body></html>`;
}
