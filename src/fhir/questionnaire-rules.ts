/**
 * The rules the HL7 validator applies to a Questionnaire beyond its StructureDefinition: each
 * enableWhen names an item of the questionnaire that is neither the item itself nor inside it,
 * and preferably one that comes before it.
 */
import type { Layer, Severity } from '../core/finding.js';
import type { Position } from './json-parser.js';
import { objects, str, type JsonObject } from './json-nodes.js';

interface RulesWalk {
  add(ruleId: string, severity: Severity, layer: Layer, message: string, pos: Position | undefined, path: string): void;
}

/** An item in document order: `end` is the order of its last descendant, so its sub-items are those in (order, end]. */
interface Placed {
  node: JsonObject;
  parent: Placed | undefined;
  /** Its place among its parent's items. */
  index: number;
  linkId: string | undefined;
  order: number;
  end: number;
}

export function checkQuestionnaire(walk: RulesWalk, node: JsonObject, path: string): void {
  const items: Placed[] = [];
  // Depth-first without recursion: a hostile questionnaire may nest items as deep as JSON allows.
  const pending: { node: JsonObject; index: number; parent: Placed | undefined }[] = objects(node, 'item')
    .map((n, i) => ({ node: n, index: i, parent: undefined }))
    .reverse();
  const open: Placed[] = [];
  while (pending.length) {
    const next = pending.pop()!;
    // The items still open that are not this one's parent have no more sub-items to come.
    while (open.length && open[open.length - 1] !== next.parent) open.pop()!.end = items.length - 1;
    const placed: Placed = {
      node: next.node,
      parent: next.parent,
      index: next.index,
      linkId: str(next.node, 'linkId'),
      order: items.length,
      end: items.length,
    };
    items.push(placed);
    open.push(placed);
    const children = objects(next.node, 'item');
    for (let i = children.length - 1; i >= 0; i--) pending.push({ node: children[i], index: i, parent: placed });
  }
  while (open.length) open.pop()!.end = items.length - 1;
  const byLinkId = new Map<string, number[]>();
  for (const p of items) {
    if (p.linkId === undefined) continue;
    const orders = byLinkId.get(p.linkId) ?? [];
    orders.push(p.order);
    byLinkId.set(p.linkId, orders);
  }

  for (const item of items) {
    for (const condition of objects(item.node, 'enableWhen')) {
      const question = str(condition, 'question');
      if (question === undefined) continue; // enableWhen.question is 1..1: the definition reports it
      const orders = byLinkId.get(question) ?? [];
      const named = `enableWhen of item '${item.linkId ?? ''}' names '${question}'`;
      if (firstAfter(orders, item.order) <= item.end)
        walk.add(
          'FHIR-Q-ENABLEWHEN',
          'error',
          'profile',
          `${named}, an item inside it: an item cannot depend on its own sub-items`,
          item.node,
          pathOf(item, path),
        );
      else if (!orders.length)
        walk.add(
          'FHIR-Q-ENABLEWHEN',
          'error',
          'profile',
          `${named}, which is no item of this questionnaire`,
          item.node,
          pathOf(item, path),
        );
      else if (orders[0] === item.order)
        walk.add('FHIR-Q-ENABLEWHEN', 'error', 'profile', `${named}, the item itself`, item.node, pathOf(item, path));
      else if (orders[0] > item.order)
        walk.add(
          'FHIR-Q-ENABLEWHEN',
          'warning',
          'profile',
          `${named}, which comes after it: a form is filled in from the top, so the answer it depends on should come first`,
          item.node,
          pathOf(item, path),
        );
    }
  }
}

/** The first of the ascending `orders` after `order` (Infinity if none), by binary search: a linkId may repeat many times. */
function firstAfter(orders: number[], order: number): number {
  let lo = 0;
  let hi = orders.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (orders[mid] <= order) lo = mid + 1;
    else hi = mid;
  }
  return lo < orders.length ? orders[lo] : Infinity;
}

/** Where an item sits (`Questionnaire.item[2].item[0]`), made only for an item that is reported. */
function pathOf(item: Placed, root: string): string {
  const steps: string[] = [];
  for (let p: Placed | undefined = item; p; p = p.parent) steps.push(`.item[${p.index}]`);
  return root + steps.reverse().join('');
}
