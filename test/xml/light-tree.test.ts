import { XmlDocument } from 'libxml2-wasm';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTE, COMMENT, ELEMENT, PI, TEXT, buildLightTree } from '../../src/xml/light-tree.js';

describe('the light tree (libxml2’s parse, copied into JavaScript in one walk)', () => {
  it('holds every node libxml2 has, in document order, with names, namespaces, values and string-values', () => {
    const doc = XmlDocument.fromString(
      '<?xml version="1.0"?><!--c--><r xmlns="urn:r" xmlns:p="urn:p" a="1" p:b="æ"><p:x>t<![CDATA[<d>]]></p:x><?go now?><y/></r>',
    );
    try {
      const tree = buildLightTree(doc);
      const kinds = (n: { kind: number; children: { kind: number }[] }): number[] => n.children.map((c) => c.kind);
      expect(kinds(tree.root)).toEqual([COMMENT, ELEMENT]);
      const r = tree.root.children[1];
      expect([r.local, r.ns, r.prefix]).toEqual(['r', 'urn:r', '']);
      expect(r.attributes.map((a) => [a.kind, a.qname(), a.ns, a.value])).toEqual([
        [ATTRIBUTE, 'a', '', '1'],
        [ATTRIBUTE, 'p:b', 'urn:p', 'æ'],
      ]);
      expect(kinds(r)).toEqual([ELEMENT, PI, ELEMENT]);
      const x = r.children[0];
      expect(x.children.map((c) => [c.kind, c.value])).toEqual([
        [TEXT, 't'],
        [TEXT, '<d>'],
      ]);
      expect(r.text()).toBe('t<d>');
      expect([r.children[1].local, r.children[1].value]).toEqual(['go', 'now']);
      expect(tree.elements.map((e) => e.qname())).toEqual(['r', 'p:x', 'y']);
      const orders = [tree.root, ...tree.root.children, ...r.attributes, ...r.children].map((n) => n.order);
      expect(orders).toEqual([...orders].sort((a, b) => a - b));
      expect(tree.elementsNamed('urn:p', 'x')).toEqual([x]);
      expect(tree.descendantsNamed(x, 'urn:r', 'y')).toEqual([]);
      expect(tree.descendantsNamed(r, 'urn:r', 'y')).toEqual([r.children[2]]);
      expect(x.xmlNode().line).toBe(1);
    } finally {
      doc.dispose();
    }
  });

  it('reads values taken after libxml2 grew its memory (a later large parse) correctly', () => {
    const doc = XmlDocument.fromString('<r v="kept"><t>text kept</t></r>');
    try {
      const tree = buildLightTree(doc);
      const more = XmlDocument.fromString(`<more>${'<e a="x">y</e>'.repeat(200_000)}</more>`);
      more.dispose();
      expect(tree.elements[0].attributes[0].value).toBe('kept');
      expect(tree.elements[1].text()).toBe('text kept');
    } finally {
      doc.dispose();
    }
  });

  it('reads every name as written, however many documents and distinct names came before (names are shared between documents)', () => {
    const names = (xml: string) => {
      const doc = XmlDocument.fromString(xml);
      try {
        return buildLightTree(doc).elements.flatMap((e) => [e.qname(), e.ns, ...e.attributes.map((a) => a.qname())]);
      } finally {
        doc.dispose();
      }
    };
    expect(names('<Bølge xmlns="urn:b" Vå="1"><Bølgen/></Bølge>')).toEqual(['Bølge', 'urn:b', 'Vå', 'Bølgen', 'urn:b']);
    // More distinct names than are shared: the later ones are read from the document each time.
    for (let i = 0; i < 5; i++) names(`<r>${Array.from({ length: 1000 }, (_, k) => `<n${i}x${k}/>`).join('')}</r>`);
    expect(names('<Bølge xmlns="urn:b" Vå="1"><n4x999 a="2"/><Bølgen/></Bølge>')).toEqual([
      'Bølge',
      'urn:b',
      'Vå',
      'n4x999',
      'urn:b',
      'a',
      'Bølgen',
      'urn:b',
    ]);
  });
});
