import { codelistFileName, parseCodelistCsv } from '../../xml/codelist-csv.js';
import { json, type RouteModule } from '../api-router.js';
import { actorOf } from '../../auth/principal.js';
import { SamsvarError } from '../../core/samsvar-error.js';
import { profileAdminOf } from './profile-admin-context.js';

/** /admin/codelists: an administrator's CSV export of code lists, turned into the code list format. */
export const codelistRoutes: RouteModule = (api, ctx) => {
  api.add({
    method: 'post',
    path: '/admin/codelists',
    operationId: 'importCodelistsCsv',
    summary: 'Turn a CSV export of code lists into code list files, or install them into a profile as a new draft version (administrators)',
    description:
      "The body is CSV (text/csv, UTF-8, comma or semicolon separated) with a header naming the columns OID, code, display and optionally validFrom, validTo and name. The answer is one code list per OID in the format a profile's `codelists` files use, with the file name it is kept under. Without `profile` nothing is stored. With `profile` and `version` the lists are installed: the profile (the version the catalog serves, or `from`) is copied with its test cases, each list replaces the file with its OID or is added, and the copy is imported as version `version` exactly as a package import is (the same checks, 409 for other content under an existing version, `draft` until activated); the answer adds `profile` with the imported version. A file with problems (encoding, header, duplicate codes, dates) is refused with every problem listed by line in `problems`.",
    tags: ['admin'],
    auth: 'admin',
    rawBody: { mediaTypes: ['text/csv'], description: 'The CSV export' },
    query: {
      profile: { schema: { type: 'string', minLength: 1, maxLength: 200 }, description: 'Install into this profile as a new version' },
      version: { schema: { type: 'string', minLength: 1, maxLength: 64 }, description: 'The new version (required with profile)' },
      from: {
        schema: { type: 'string', minLength: 1, maxLength: 64 },
        description: 'The stored version to build on (default: the one the catalog serves)',
      },
    },
    responses: {
      201: {
        description: 'Installed: the code lists and the new draft version (`profile`)',
        schema: {
          type: 'object',
          required: ['codelists', 'profile'],
          properties: { codelists: { type: 'array' }, profile: { type: 'object' } },
        },
      },
      200: {
        description:
          'The code lists (without profile: converted only; with profile: this exact version was installed before, nothing changed)',
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
                      codes: {
                        type: 'array',
                        items: {
                          type: 'object',
                          required: ['code', 'display'],
                          properties: {
                            code: { type: 'string' },
                            display: { type: 'string' },
                            validFrom: { type: 'string', format: 'date' },
                            validTo: { type: 'string', format: 'date' },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    handler: async ({ raw, query, principal }) => {
      const lists = parseCodelistCsv(raw!.bytes);
      const codelists = lists.map((l) => ({ file: `codelists/${codelistFileName(l)}`, codelist: l }));
      const profile = query.profile;
      if (profile === undefined) {
        if (query.version !== undefined || query.from !== undefined)
          throw new SamsvarError('unprocessable', 'version and from go with profile (the profile to install the code lists into)', {
            field: 'profile',
          });
        return json(200, { codelists });
      }
      const version = query.version;
      if (version === undefined)
        throw new SamsvarError(
          'unprocessable',
          `name the new version of ${profile} the code lists make (?version=); versions are immutable, so installing code lists is a new version`,
          { field: 'version' },
        );
      const installed = await profileAdminOf(ctx).installCodelists(profile, version, lists, actorOf(principal), query.from);
      return json(installed.created ? 201 : 200, { codelists, profile: installed });
    },
  });
};
