import { codelistFileName, parseCodelistCsv } from '../../xml/codelist-csv.js';
import { json, type RouteModule } from '../api-router.js';

/** /admin/codelists: an administrator's CSV export of code lists, turned into the code list format. */
export const codelistRoutes: RouteModule = (api) => {
  api.add({
    method: 'post',
    path: '/admin/codelists',
    operationId: 'importCodelistsCsv',
    summary: 'Turn a CSV export of code lists into code list files (administrators)',
    description:
      'The body is CSV (text/csv, UTF-8, comma or semicolon separated) with a header naming the columns OID, code, display and optionally validFrom, validTo and name. The answer is one code list per OID in the format a profile\'s `codelists` files use, with the file name it is kept under; nothing is stored. A file with problems (encoding, header, duplicate codes, dates) is refused with every problem listed by line in `problems`.',
    tags: ['admin'],
    auth: 'admin',
    rawBody: { mediaTypes: ['text/csv'], description: 'The CSV export' },
    responses: {
      200: {
        description: 'The code lists',
        schema: {
          type: 'object',
          required: ['codelists'],
          properties: {
            codelists: {
              type: 'array',
              items: {
                type: 'object',
                required: ['file', 'codelist'],
                properties: {
                  file: { type: 'string' },
                  codelist: {
                    type: 'object',
                    required: ['oid', 'name', 'codes'],
                    properties: {
                      oid: { type: 'string' },
                      name: { type: 'string' },
                      codes: { type: 'array', items: { type: 'object', required: ['code', 'display'], properties: { code: { type: 'string' }, display: { type: 'string' }, validFrom: { type: 'string', format: 'date' }, validTo: { type: 'string', format: 'date' } } } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    handler: ({ raw }) => {
      const lists = parseCodelistCsv(raw!.bytes);
      return json(200, { codelists: lists.map((l) => ({ file: `codelists/${codelistFileName(l)}`, codelist: l })) });
    },
  });
};
