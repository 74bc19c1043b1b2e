import { describe, expect, it } from 'vitest';
import { MAX_PROBLEMS_PER_DIV, narrativeLinkProblems } from '../../src/fhir/narrative-links.js';
import { growthRatio, LINEAR_RATIO_LIMIT } from '../support/growth.js';
import { baseValidator, check, errors, findingOf } from './helpers.js';

const XHTML = 'xmlns="http://www.w3.org/1999/xhtml"';
const div = (inner: string) => `<div ${XHTML}>${inner}</div>`;
const patient = (inner: string, more: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  id: 'p1',
  text: { status: 'generated', div: div(inner) },
  ...more,
});
const problems = (inner: string, resource: unknown = {}, bundle?: unknown) =>
  narrativeLinkProblems(div(inner), resource, bundle).map((p) => `${p.severity}: ${p.message}`);

describe('links within the resource', () => {
  it('resolve to an id in the narrative, an <a name>, an element id, the resource id or a contained resource', () => {
    const resource = { id: 'p1', name: [{ id: 'n1' }], contained: [{ resourceType: 'Organization', id: 'org' }] };
    const inner =
      '<p id="top">x</p><a name="anchor"/><a href="#top">a</a><a href="#anchor">b</a><a href="#n1">c</a><a href="#p1">d</a><a href="#org">e</a><a href="#">f</a>';
    expect(problems(inner, { ...resource, text: { div: div(inner) } })).toEqual([]);
  });

  it('that resolve nowhere are an error naming the link, where it sits and its text', () => {
    expect(problems('<table><tr><td><a href="#list/appt">Appointment: status = proposed</a></td></tr></table>')).toEqual([
      "error: Narrative link '#list/appt' at div/table/tr/td/a ('Appointment: status = proposed') does not resolve: no element of the resource has id 'list/appt', nor an element of its narrative an id or name",
    ]);
  });

  it('that match several elements are a warning', () => {
    const inner = '<p id="x">1</p><span id="x">2</span><a href="#x">both</a>';
    expect(problems(inner, { text: { div: div(inner) } })).toEqual([
      "warning: Narrative link '#x' at div/a ('both') matches 2 elements; a fragment should name one",
    ]);
  });

  it('resolve in the Bundle the resource sits in when the resource has no such element', () => {
    const other = { resourceType: 'Organization', id: 'org-2' };
    const bundle = { resourceType: 'Bundle', entry: [{ resource: other }] };
    expect(problems('<a href="#org-2">see</a>', {}, bundle)).toEqual([]);
    expect(problems('<a href="#org-3">see</a>', {}, bundle)).toEqual([
      "error: Narrative link '#org-3' at div/a ('see') does not resolve: no element of the resource has id 'org-3', nor an element of its narrative an id or name, nor in the Bundle",
    ]);
  });

  it('read entity references in an href as the characters they stand for', () => {
    const inner = '<p id="a&amp;b">x</p><a href="#a&amp;b">y</a>';
    expect(problems(inner, { text: { div: div(inner) } })).toEqual([]);
  });
});

describe('absolute links', () => {
  it('to places a reader can follow pass: http(s), mailto, tel, and relative links', () => {
    expect(
      problems(
        '<a href="https://www.helsenorge.no">a</a><a href="mailto:post@example.no">b</a><a href="tel:+4712345678">c</a><a href="Patient/1">d</a>',
      ),
    ).toEqual([]);
  });

  it('to identifiers that are no location (urn:, cid:) are an error', () => {
    expect(problems('<p><a href="urn:uuid:7221aa91-d9e1-44fa-8b90-c5a8c7caeade">Saint Luke</a></p><a href="cid:part1">c</a>')).toEqual([
      "error: Narrative link 'urn:uuid:7221aa91-d9e1-44fa-8b90-c5a8c7caeade' at div/p/a ('Saint Luke') uses the 'urn' scheme, which names something but is no location a reader can follow; link to an http(s) address or to '#id' within the resource",
      "error: Narrative link 'cid:part1' at div/a ('c') uses the 'cid' scheme, which names something but is no location a reader can follow; link to an http(s) address or to '#id' within the resource",
    ]);
  });

  it('with active content are an error; other schemes are information', () => {
    expect(problems('<a href=\'javascript:alert(1)\'>x</a><a href="ftp://files.example.no/a">y</a>')).toEqual([
      "error: Narrative link 'javascript:alert(1)' at div/a ('x') is a script: a narrative holds no active content",
      "information: Narrative link 'ftp://files.example.no/a' at div/a ('y') uses the 'ftp' scheme, which is not one of http, https, tel, mailto or data",
    ]);
  });

  it('with active content are found whatever case, white space or character references the scheme is written with', () => {
    for (const href of ['JavaScript:alert(1)', 'javascript:alert( 1)', ' javascript:x()', 'java&#9;script:x()', 'VBScript:x'])
      expect(problems(`<a href="${href}">x</a>`)).toEqual([
        expect.stringMatching(/^error: .* is a script: a narrative holds no active content$/),
      ]);
  });

  it('that are empty are an error; white space alone is a relative link, as in the HL7 validator', () => {
    expect(problems('<a href="">nothing</a><a href=" ">space</a>')).toEqual([
      "error: Narrative link at div/a ('nothing') has an empty href",
    ]);
  });
});

describe('images', () => {
  it('name exactly one element id; an <a name> is no image source', () => {
    const inner = '<img id="i" src="#i"/><a name="n"/><img src="#n"/>';
    expect(problems(inner, { text: { div: div(inner) } })).toEqual([
      "error: Narrative image '#n' at div/img does not resolve: no element of the resource has that id",
    ]);
  });
});

describe('the narrative scanner', () => {
  const unresolved = (at: string, text: string) =>
    `error: Narrative link '#nowhere' at ${at} ('${text}') does not resolve: no element of the resource has id 'nowhere', nor an element of its narrative an id or name`;

  it('steps over comments, CDATA and quoted ">" and is not misled by tags that never close', () => {
    expect(problems('<!-- <a href="urn:x:y">no</a> --><p title="a > b"><a href="#nowhere">n</a></p><')).toEqual([
      unresolved('div/p/a', 'n'),
    ]);
    // `<!--->` does not end the comment it opens.
    expect(problems('<!---> <a href="urn:x:y">no</a> -->')).toEqual([]);
  });

  it('reads on after a quote that is never closed, and reads unquoted values', () => {
    expect(problems('<p class=\'x><a href="javascript:x()">go</a></p>')).toEqual([
      "error: Narrative link 'javascript:x()' at div/p/a ('go') is a script: a narrative holds no active content",
    ]);
    expect(problems('<a name=x href="#nowhere">n</a>')).toEqual([unresolved('div/a', 'n')]);
  });

  it('shows the text of the link itself: none for an empty element, up to its own end tag', () => {
    expect(problems('<p><a href="#nowhere"/>after</p><a href="#nowhere"><abbr>NB</abbr> text</a>')).toEqual([
      unresolved('div/p/a', ''),
      unresolved('div/a', 'NB text'),
    ]);
  });

  it('lists at most 100 problems of a div and counts the rest in one more', () => {
    const found = narrativeLinkProblems(div('<a href="#nowhere">x</a>'.repeat(250)), {});
    expect(found).toHaveLength(MAX_PROBLEMS_PER_DIV + 1);
    expect(found.at(-1)).toEqual({
      severity: 'error',
      message: '150 more narrative link and image problems in this div are not listed one by one',
    });
  });

  it('reads hostile narratives in time linear in their size (n vs 8n)', async () => {
    // Unclosed tags, attribute names without values and links that resolve nowhere, many times over.
    const hostile = (n: number) => div('<a href="#x" b c d e>'.repeat(n) + '<p '.repeat(n) + ' x'.repeat(n));
    expect(narrativeLinkProblems(hostile(100), {}).length).toBe(100);
    expect(await growthRatio((n) => narrativeLinkProblems(hostile(n), {}), 2000)).toBeLessThan(LINEAR_RATIO_LIMIT);
    // End tags that close nothing that is open, below many open ones.
    const unbalanced = (n: number) => div('<b>'.repeat(n) + '</i>'.repeat(n));
    expect(await growthRatio((n) => narrativeLinkProblems(unbalanced(n), {}), 2000)).toBeLessThan(LINEAR_RATIO_LIMIT);
    // Quotes that never close, one after another.
    const quotes = (n: number) => div("<a title='x>".repeat(n));
    expect(await growthRatio((n) => narrativeLinkProblems(quotes(n), {}), 2000)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });
});

describe('FHIR validation of a narrative', () => {
  it('reports a link that does not resolve as FHIR-NARRATIVE-LINK at the div, with its line', async () => {
    const r = await check(baseValidator(), patient('<a href="#nowhere">x</a>'));
    expect(errors(r)).toEqual(['FHIR-NARRATIVE-LINK']);
    const f = findingOf(r, 'FHIR-NARRATIVE-LINK');
    expect(f.path).toBe('Patient.text.div');
    expect(f.line).toBeGreaterThan(1);
    expect(f.message).toContain("Patient.text.div: Narrative link '#nowhere' at div/a ('x') does not resolve");
  });

  it('finds a link target in another entry of the Bundle, once per Bundle however many entries link', async () => {
    const entries = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        resource: patient(`<p id="e${i}">x</p><a href="#e${(i + 1) % n}">next</a>`, { id: `p${i}` }),
      }));
    const bundle = (n: number) => ({ resourceType: 'Bundle', type: 'collection', entry: entries(n) });
    expect(errors(await check(baseValidator(), bundle(20)))).toEqual([]);
    expect(await growthRatio((n) => check(baseValidator(), bundle(n)), 100)).toBeLessThan(LINEAR_RATIO_LIMIT);
  });
});
