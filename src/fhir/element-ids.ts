/**
 * An ElementDefinition names its element twice: by id (with slice names, `Observation.value[x]:valueQuantity`)
 * and by path (`Observation.value[x]`). The two must name the same element, or tools that read one
 * and tools that read the other constrain different elements.
 */

/**
 * Why an element's id and path name different elements, or undefined when they agree. A choice
 * element may be named `value[x]` in one and by its type (`valueQuantity`) in the other.
 */
export function idPathMismatch(id: string, path: string): string | undefined {
  const fromId = id.split('.').map((seg) => seg.replace(/:.*$/, ''));
  const fromPath = path.split('.');
  // An id that does not start at the type (`valueQuantity:valueQuantity.value`, written by some STU3 tools) is not compared.
  if (fromId[0] !== fromPath[0]) return undefined;
  const same = fromId.length === fromPath.length && fromId.every((seg, i) => seg === fromPath[i] || sameChoice(seg, fromPath[i]));
  return same ? undefined : `its id ${id} names ${fromId.join('.')}, but its path is ${path}`;
}

function sameChoice(a: string, b: string): boolean {
  const [choice, typed] = a.endsWith('[x]') ? [a, b] : b.endsWith('[x]') ? [b, a] : [];
  if (!choice || !typed) return false;
  const stem = choice.slice(0, -3);
  return typed.length > stem.length && typed.startsWith(stem) && /^[A-Z]/.test(typed.slice(stem.length));
}
