import { XmlDocument } from 'libxml2-wasm';
import { describe, expect, it } from 'vitest';
import { CompiledSchematron } from '../../src/xml/schematron.js';

const enc = (s: string) => new TextEncoder().encode(s);

function run(schema: string, doc: string) {
  const sch = CompiledSchematron.compile(enc(schema), 'test.sch');
  const xml = XmlDocument.fromString(doc);
  try {
    return sch.run(xml).map((h) => `${h.finding.ruleId}: ${h.finding.message}`);
  } finally {
    xml.dispose();
    sch.dispose();
  }
}

describe('Schematron namespaces', () => {
  it('resolve prefixes wherever an expression uses them: steps, axes, predicates, attributes, value-of', () => {
    const schema = `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">
      <sch:ns prefix="a" uri="urn:a"/><sch:ns prefix="b.x" uri="urn:b"/><sch:ns prefix="unused" uri="urn:u"/>
      <sch:pattern>
        <sch:rule context="b.x:Item">
          <sch:assert id="R1" test="count(ancestor::a:Root) = 1">no root</sch:assert>
          <sch:report id="R2" test="@b.x:code = 'X'">code <sch:value-of select="@b.x:code"/> in <sch:value-of select="name(parent::a:List)"/></sch:report>
        </sch:rule>
      </sch:pattern>
    </sch:schema>`;
    const doc = `<Root xmlns="urn:a" xmlns:b="urn:b"><List><b:Item b:code="X"/><b:Item b:code="Y"/></List></Root>`;
    expect(run(schema, doc)).toEqual(['R2: code X in List']);
  });
});

describe('Schematron diagnostics in bokmål', () => {
  const schema = (diagnostics: string) => `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">
      <sch:pattern>
        <sch:rule context="Item">
          <sch:assert id="R1" test="@code" diagnostics="${diagnostics}">Item <sch:value-of select="@n"/> has no code</sch:assert>
        </sch:rule>
      </sch:pattern>
      <sch:diagnostics>
        <sch:diagnostic id="r1-en" xml:lang="en">Item lacks a code</sch:diagnostic>
        <sch:diagnostic id="r1-nb" xml:lang="nb">Element <sch:value-of select="@n"/> mangler kode</sch:diagnostic>
      </sch:diagnostics>
    </sch:schema>`;
  const findings = (sch: string) => {
    const compiled = CompiledSchematron.compile(enc(sch), 'test.sch');
    const xml = XmlDocument.fromString('<List><Item n="7"/></List>');
    try {
      return compiled.run(xml).map((h) => h.finding);
    } finally {
      xml.dispose();
      compiled.dispose();
    }
  };

  it('gives a finding the bokmål text of the diagnostic the check names (xml:lang nb), with its value-of, beside the English message', () => {
    expect(findings(schema('r1-en r1-nb'))).toEqual([
      expect.objectContaining({ ruleId: 'R1', message: 'Item 7 has no code', messageNb: 'Element 7 mangler kode' }),
    ]);
  });

  it('leaves messageNb out when the check names no bokmål diagnostic, and refuses a name the schema does not define', () => {
    expect(findings(schema('r1-en'))[0]).not.toHaveProperty('messageNb');
    expect(() => CompiledSchematron.compile(enc(schema('r1-nb missing')), 'test.sch')).toThrow(/R1 names diagnostic "missing"/);
  });
});

describe('Schematron typed lets (sch:let with as, ISO Schematron 2020)', () => {
  const periods = (...p: [number, number][]) => `<Root>${p.map(([f, t]) => `<P from="${f}" to="${t}"/>`).join('')}</Root>`;
  const overlap = `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">
    <sch:pattern>
      <sch:rule context="P">
        <sch:let name="from" value="@from" as="xs:integer"/>
        <sch:let name="to" value="@to" as="xs:integer"/>
        <sch:let name="span" value="$to - $from" as="xs:integer"/>
        <sch:assert id="OVERLAP" test="not(following-sibling::P[@from &lt;= $to and @to &gt;= $from])">P <sch:value-of select="$from"/>-<sch:value-of select="$to"/> (<sch:value-of select="$span"/>) overlaps a later P</sch:assert>
      </sch:rule>
    </sch:pattern>
  </sch:schema>`;

  it('are bound at the context node, so a predicate compares another node with it', () => {
    expect(run(overlap, periods([1, 5], [6, 9], [10, 12]))).toEqual([]);
    expect(run(overlap, periods([1, 5], [6, 9], [3, 4]))).toEqual(['OVERLAP: P 1-5 (4) overlaps a later P']);
  });

  it('hold strings and booleans as well as numbers', () => {
    const schema = `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">
      <sch:pattern>
        <sch:rule context="P">
          <sch:let name="code" value="@code" as="xs:string"/>
          <sch:let name="first" value="not(preceding-sibling::P)" as="xs:boolean"/>
          <sch:report id="DUP" test="$first and following-sibling::P[@code = $code]">code <sch:value-of select="$code"/> repeats</sch:report>
        </sch:rule>
      </sch:pattern>
    </sch:schema>`;
    expect(run(schema, `<Root><P code="it's"/><P code="b"/><P code="it's"/></Root>`)).toEqual(["DUP: code it's repeats"]);
  });

  it('keep untyped lets folded into the expression as before', () => {
    const schema = `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">
      <sch:pattern>
        <sch:rule context="Root">
          <sch:let name="ps" value="P"/>
          <sch:assert id="TWO" test="count($ps) = 2">found <sch:value-of select="count($ps)"/></sch:assert>
        </sch:rule>
      </sch:pattern>
    </sch:schema>`;
    expect(run(schema, periods([1, 2], [3, 4], [5, 6]))).toEqual(['TWO: found 3']);
  });

  it('are refused outside a rule, where there is no context node to bind them at', () => {
    const schema = `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron"><sch:let name="x" value="1" as="xs:integer"/></sch:schema>`;
    expect(() => CompiledSchematron.compile(enc(schema), 'test.sch')).toThrow(/typed lets are supported in rules only/);
  });
});

describe('Schematron functions outside XPath 1.0', () => {
  const schema = (test: string, valueOf = '.') => `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">
      <sch:pattern>
        <sch:rule context="Item">
          <sch:assert id="R1" test="${test}">Item <sch:value-of select="${valueOf}"/></sch:assert>
        </sch:rule>
      </sch:pattern>
    </sch:schema>`;

  it.each([
    ["document('codes.xml')//code = @code", 'document'],
    ["current()/@code = 'X'", 'current'],
    ["key('k', @code)", 'key'],
    ["format-number(@n, '0.00') = '7.00'", 'format-number'],
    ["matches(@code, '^[A-Z]$')", 'matches'],
    ["unparsed-text('file:///etc/passwd') != ''", 'unparsed-text'],
    ['ext:lookup(@code)', 'ext:lookup'],
  ])('refuses %s when the schema is compiled, naming the function', (test, name) => {
    const sch = schema(test).replace('<sch:pattern>', '<sch:ns prefix="ext" uri="urn:ext"/><sch:pattern>');
    expect(() => CompiledSchematron.compile(enc(sch), 'test.sch')).toThrow(
      expect.objectContaining({ code: 'profile_invalid', detail: expect.stringContaining(`${name}()`) }),
    );
  });

  it('refuses such a function in value-of too, and in a rule context', () => {
    expect(() => CompiledSchematron.compile(enc(schema('@code', "document('x')")), 'test.sch')).toThrow(
      expect.objectContaining({ code: 'profile_invalid' }),
    );
    const inContext = schema('@code').replace('context="Item"', `context="Item[document('x')]"`);
    expect(() => CompiledSchematron.compile(enc(inContext), 'test.sch')).toThrow(expect.objectContaining({ code: 'profile_invalid' }));
  });

  it('accepts every XPath 1.0 function, node tests, and function names inside string literals', () => {
    const test =
      "count(*) >= 0 and string-length(normalize-space(concat(@a, 'document(x)'))) >= 0 and not(false()) and true()" +
      " and number(sum(*/@n)) = number(sum(*/@n)) and floor(1) = ceiling(1) and round(1) = 1 and contains('ab', substring('ab', 1, 1))" +
      " and starts-with(translate('a', 'a', 'b'), substring-before('ba', 'a')) and substring-after('ab', 'a') = 'b' and lang('nb') or not(id('x'))" +
      " or local-name() = name() or namespace-uri() = '' or count(text() | comment() | processing-instruction() | node()) >= 0";
    expect(run(schema(test), '<List><Item code="X"/></List>')).toEqual([]);
  });

  it('turns an expression libxml2 cannot evaluate on a message into a refusal naming the profile, not a crash', () => {
    expect(() => run(schema('last() = 1'), '<List><Item/></List>')).toThrow(
      expect.objectContaining({ code: 'profile_invalid', detail: expect.stringMatching(/^test\.sch: a rule could not be evaluated/) }),
    );
  });
});

describe('a Schematron test that does not compile', () => {
  it('is refused with the id of its check, also when the rule has other, valid checks', () => {
    const schema = `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">
      <sch:pattern>
        <sch:rule context="Root">
          <sch:assert id="GOOD" test="count(P) &gt; 0">no P</sch:assert>
          <sch:assert id="BAD" test="count(P) = = 2">two</sch:assert>
        </sch:rule>
      </sch:pattern>
    </sch:schema>`;
    expect(() => CompiledSchematron.compile(enc(schema), 'test.sch')).toThrow(/test\.sch: BAD: XPath "count\(P\) = = 2" does not compile/);
  });
});

describe('rule ids', () => {
  const schema = (second: string) => `<sch:schema xmlns:sch="http://purl.oclc.org/dsdl/schematron">
      <sch:pattern>
        <sch:rule context="Requester"><sch:assert id="R1" test="@role">a party needs a role</sch:assert></sch:rule>
        <sch:rule context="CopyDest">${second}</sch:rule>
      </sch:pattern>
    </sch:schema>`;

  it('may stand for one check in several contexts when it says the same thing there', () => {
    expect(run(schema('<sch:assert id="R1" test="@role">a  party needs\n a role</sch:assert>'), '<M><Requester/><CopyDest/></M>')).toEqual([
      'R1: a party needs a role',
      'R1: a party needs a role',
    ]);
  });

  it('may not stand for two different checks: the schema is refused, naming the id and the line', () => {
    for (const second of [
      '<sch:assert id="R1" test="@role">a copy recipient needs a role</sch:assert>',
      '<sch:assert id="R1" test="@role" role="warning">a party needs a role</sch:assert>',
    ])
      expect(() => CompiledSchematron.compile(enc(schema(second)), 'test.sch')).toThrow(
        expect.objectContaining({
          code: 'profile_invalid',
          message: expect.stringMatching(/rule id R1 is used for two different checks \(line 4\)/),
        }),
      );
  });
});
