import { describe, expect, it } from 'vitest';
import { narrativeLinkProblems } from '../../src/fhir/narrative-links.js';
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
      "error: Narrative link 'javascript:alert(1)' at div/a ('x') uses the 'javascript' scheme: a narrative holds no active content",
      "information: Narrative link 'ftp://files.example.no/a' at div/a ('y') uses the 'ftp' scheme, which is not one of http, https, tel, mailto or data",
    ]);
  });

  it('that are empty are an error', () => {
    expect(problems('<a href="">nothing</a>')).toEqual(["error: Narrative link at div/a ('nothing') has an empty href"]);
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
  it('steps over comments, CDATA and quoted ">" and is not misled by tags that never close', () => {
    expect(problems('<!-- <a href="urn:x:y">no</a> --><p title="a > b"><a href="#nowhere">n</a></p><')).toEqual([
      "error: Narrative link '#nowhere' at div/p/a ('n') does not resolve: no element of the resource has id 'nowhere', nor an element of its narrative an id or name",
    ]);
  });

  it('reads hostile narratives in time linear in their size (n vs 8n)', async () => {
    // Unclosed tags, attribute names without values and links that resolve nowhere, many times over.
    const hostile = (n: number) => div('<a href="#x" b c d e>'.repeat(n) + '<p '.repeat(n) + ' x'.repeat(n));
    expect(narrativeLinkProblems(hostile(100), {}).length).toBe(100);
    expect(await growthRatio((n) => narrativeLinkProblems(hostile(n), {}), 2000)).toBeLessThan(LINEAR_RATIO_LIMIT);
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
