/*
 * vm_lib.c: vyrec's VM (vm.c, copied in verbatim) compiled with the
 * library's prefix, so that its functions are NAME_-prefixed symbols of
 * libNAME.a like the rest.
 */
#include "prefix.h"
#include "vm.c"
