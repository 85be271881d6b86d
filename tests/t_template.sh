#!/bin/sh
# t_template.sh: unit tests of the launcher template engine.
. tests/lib.sh
mkdir -p tests/out/template
if cc_unit tests/out/template/test_template tests/unit/test_template.c; then
	tests/out/template/test_template
else
	bad template_build "cannot build tests/unit/test_template.c"
fi
