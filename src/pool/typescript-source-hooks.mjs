// Module hooks for validation workers started from the TypeScript sources (the test suite runs the
// service from src/ through vitest, whose in-process transform does not reach worker threads).
// An installed package runs dist/*.js and never loads this file. Type annotations are stripped with
// the transformer vitest already brings (rolldown/oxc), else with the TypeScript compiler.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

async function loadTransform() {
  try {
    const { transformSync } = await import('rolldown/utils');
    return (file, source) => {
      const out = transformSync(file, source, { lang: 'ts', sourcemap: false });
      if (out.errors?.length) throw new Error(`${file}: ${out.errors.map((e) => e.message).join('; ')}`);
      return out.code;
    };
  } catch {
    const ts = (await import('typescript')).default;
    return (file, source) =>
      ts.transpileModule(source, { fileName: file, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
        .outputText;
  }
}

const transform = await loadTransform();

/** Sources import each other as './x.js' (NodeNext style); from a .ts module that names the .ts file. */
export async function resolve(specifier, context, next) {
  if (context.parentURL?.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const ts = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const file = fileURLToPath(url);
  return { format: 'module', source: transform(file, readFileSync(file, 'utf8')), shortCircuit: true };
}
