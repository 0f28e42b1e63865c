# Writes OUT: a C file with every DIR/NNN_*.sql as one string, in order, so the
# binary carries its own migrations (applied at start-up, tracked with
# PRAGMA user_version). Called by the build; not for hand use.
file(GLOB files ${DIR}/*.sql)
list(SORT files)
set(body "/* Generated from the schema/ migrations by scripts/embed_schema.cmake. */\n#include <stddef.h>\n\nconst char *const fc_schema_migrations[] = {\n")
foreach(f ${files})
  file(READ ${f} sql)
  string(REPLACE "\\" "\\\\" sql "${sql}")
  string(REPLACE "\"" "\\\"" sql "${sql}")
  string(REPLACE "\n" "\\n\"\n    \"" sql "${sql}")
  get_filename_component(name ${f} NAME)
  string(APPEND body "    /* ${name} */\n    \"${sql}\",\n")
endforeach()
string(APPEND body "};\nconst size_t fc_schema_n_migrations =\n    sizeof fc_schema_migrations / sizeof fc_schema_migrations[0];\n")
file(WRITE ${OUT} "${body}")
