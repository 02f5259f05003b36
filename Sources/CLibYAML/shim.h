#ifndef CLIBYAML_SHIM_H
#define CLIBYAML_SHIM_H
// libyaml is plain functions, structs and enums: Swift imports it without helpers.
#include <yaml.h>
#endif
