#!/bin/sh
# t_layers.sh: the front end's layering (issue #12 item 4).  Only
# src/yaml_tree.c includes <yaml.h>; no public or internal header names a
# libyaml type; and no file-level import circle (tools/circles.sh: A uses
# B when A's object needs a symbol B's object defines, or A includes B.h)
# joins the command line to cmd_util.c or the loader's files to the
# expression parser.
. tests/lib.sh
out=tests/out/layers
mkdir -p $out

inc=$(grep -l '#include <yaml.h>' src/*.c src/*.cpp src/*.h emitters/*.c launchers/*.c include/*.h 2>/dev/null | tr '\n' ' ')
if [ "$inc" = "src/yaml_tree.c " ]; then ok layers_yaml_include
else bad layers_yaml_include "files including <yaml.h>: $inc"; fi

if grep -nE '(^|[^a-z_])yaml_[a-z_]+_t([^a-z_]|$)|(^|[^A-Z_])YAML_[A-Z_]+' include/*.h src/*.h > $out/types.log; then
	bad layers_no_libyaml_type "$(head -2 $out/types.log | tr '\n' '|')"
else
	ok layers_no_libyaml_type
fi

sh tools/circles.sh > $out/circles.log 2>&1
rc=$?
if [ $rc = 2 ]; then
	bad layers_circles "$(head -1 $out/circles.log)"
else
	for f in src/main src/cmd_util src/ast_build src/expr_parse src/yaml_tree src/source src/textloc src/decls src/resolve src/ir; do
		if grep -q " $f\( \|$\)" $out/circles.log; then
			bad layers_no_circle_$(basename $f) "$(grep " $f\( \|$\)" $out/circles.log | cut -c1-200)"
		else
			ok layers_no_circle_$(basename $f)
		fi
	done
fi
