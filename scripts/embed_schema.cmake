# Writes OUT: a C file with every DIR/NNN_*.sql as one string, in order, so the
# binary carries its own migrations (applied at start-up; SQLite tracks them
# with PRAGMA user_version), and every DIR/pg/NNN_*.sql the same way for
# PostgreSQL (tracked in a schema_migrations table). The two lists are the
# same steps in two dialects: the file fails to compile when their counts
# differ. Called by the build; not for hand use.
function(fc_embed var dir)
  file(GLOB files ${dir}/*.sql)
  list(SORT files)
  set(body "const char *const ${var}[] = {\n")
  foreach(f ${files})
    file(READ ${f} sql)
    string(REPLACE "\\" "\\\\" sql "${sql}")
    string(REPLACE "\"" "\\\"" sql "${sql}")
    string(REPLACE "\n" "\\n\"\n    \"" sql "${sql}")
    get_filename_component(name ${f} NAME)
    string(APPEND body "    /* ${name} */\n    \"${sql}\",\n")
  endforeach()
  string(APPEND body "};\n")
  set(embedded "${body}" PARENT_SCOPE)
endfunction()

set(out "/* Generated from the schema/ migrations by scripts/embed_schema.cmake. */\n#include <stddef.h>\n\n")
fc_embed(fc_schema_migrations ${DIR})
string(APPEND out "${embedded}")
fc_embed(fc_pg_schema_migrations ${DIR}/pg)
string(APPEND out "${embedded}")
string(APPEND out "const size_t fc_schema_n_migrations =\n    sizeof fc_schema_migrations / sizeof fc_schema_migrations[0];\n")
string(APPEND out "_Static_assert(sizeof fc_pg_schema_migrations == sizeof fc_schema_migrations,\n               \"schema/pg/ must hold the same migrations as schema/\");\n")
file(WRITE ${OUT} "${out}")
