/*
 * The counterfactual of the batch target's floor: libxml2 linked natively (the system's libxml2, as
 * xmllint uses it), called from Node through N-API. Built on the spot by the floor section of the
 * benchmark; samsvar itself never loads it (its XML layer is libxml2 in WebAssembly, a sandbox for
 * documents from the internet).
 *
 *   load(schemaPath) -> boolean      compiles the entry XSD; imports resolve through XML_CATALOG_FILES
 *   validate(buffer) -> int          0 valid, > 0 invalid, -1 not well-formed (xmlSchemaValidateDoc's codes)
 */
#include <node_api.h>
#include <libxml/parser.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlversion.h>

static xmlSchemaPtr schema;

static void ignore_generic(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }
/* libxml2 2.12 made the error const; the callback's type follows the version built against. */
#if LIBXML_VERSION >= 21200
static void ignore_structured(void *ctx, const xmlError *error) { (void)ctx; (void)error; }
#else
static void ignore_structured(void *ctx, xmlErrorPtr error) { (void)ctx; (void)error; }
#endif

static napi_value load(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  size_t length;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "load(schemaPath): a path string is required");
    return NULL;
  }
  xmlInitParser();
  xmlSetGenericErrorFunc(NULL, ignore_generic);
  /* As xmllint --nonet: an import the catalogs do not map is not fetched. */
  xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader);
  if (schema) {
    xmlSchemaFree(schema);
    schema = NULL;
  }
  xmlSchemaParserCtxtPtr parser = xmlSchemaNewParserCtxt(path);
  schema = parser ? xmlSchemaParse(parser) : NULL;
  if (parser) xmlSchemaFreeParserCtxt(parser);
  napi_value result;
  napi_get_boolean(env, schema != NULL, &result);
  return result;
}

static napi_value validate(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data;
  size_t length;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (!schema || argc < 1 || napi_get_buffer_info(env, argv[0], &data, &length) != napi_ok || length > 0x7fffffff) {
    napi_throw_type_error(env, NULL, "validate(buffer): load a schema first, then pass a Buffer");
    return NULL;
  }
  int code = -1;
  xmlDocPtr doc = xmlReadMemory(data, (int)length, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc) {
    xmlSchemaValidCtxtPtr validator = xmlSchemaNewValidCtxt(schema);
    if (validator) {
      xmlSchemaSetValidStructuredErrors(validator, ignore_structured, NULL);
      code = xmlSchemaValidateDoc(validator, doc);
      xmlSchemaFreeValidCtxt(validator);
    }
    xmlFreeDoc(doc);
  }
  napi_value result;
  napi_create_int32(env, code, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "load", NAPI_AUTO_LENGTH, load, NULL, &fn);
  napi_set_named_property(env, exports, "load", fn);
  napi_create_function(env, "validate", NAPI_AUTO_LENGTH, validate, NULL, &fn);
  napi_set_named_property(env, exports, "validate", fn);
  return exports;
}
