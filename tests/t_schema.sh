#!/bin/sh
# t_schema.sh: everything vyrec prints as JSON validates against its
# published schema in doc/schema/ (python3-jsonschema; doc/schema/README.md
# has the compatibility rule): the manifests of every sample for every
# target (one file for all, vyrec-artifacts-1), single-target manifests
# and a launcher's manifest.json, --diagnostics-format json for
# every tests/errors case and for errors after the front end, ops, targets
# and backends --json, verify --json, and a generated C launcher's
# --describe --json and --bench --json (spv on lavapipe, and reference).
# The Rust launchers print the same bytes for --describe and the same keys
# for --bench (tests/t_launcher_cargo.sh), and are validated there too.
# A broken document of each kind must fail, so the validator is not idle.
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
O=tests/out/schema
rm -rf $O && mkdir -p $O/m $O/mm $O/d $O/l $O/bad
V="python3 tests/schema_check.py"
python3 -c 'import jsonschema' 2>/dev/null || { bad jsonschema "python3-jsonschema is not installed (make deps installs it)"; exit 0; }

# ---- manifests ----
for f in samples/*.yaml; do
	s=$(basename $f .yaml)
	$VYREC build $f -t spv -t ptx -t glsl -t reference -o $O/m/$s --manifest $O/m/$s.json > /dev/null 2>&1 ||
		bad "manifest_$s" "vyrec build failed"
	# several -t: one document (vyrec-artifacts-1) of per-target manifests;
	# each is checked against the artifact schema as its own file
	python3 - $O/m/$s.json <<'EOP'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
for a in d["artifacts"]:
    json.dump(a, open(p[:-5] + "." + a["target"] + ".json", "w"), indent=2)
EOP
	mv $O/m/$s.json $O/mm/$s.json
done
$V artifacts.schema.json $O/mm/*.json
$V artifact.schema.json $O/m/*.json
# one target: the artifact manifest itself
mkdir -p $O/m1
for t in spv ptx glsl reference; do
	$VYREC build samples/matmul.yaml -t $t -o $O/m1/matmul.$t --manifest $O/m1/matmul.$t.json > /dev/null 2>&1
done
$VYREC build samples/saxpy.yaml -t spv --fast-math -o $O/m1/fm.spv --manifest $O/m1/saxpy_fast_math.json > /dev/null 2>&1
$V artifact.schema.json $O/m1/*.json

# ---- diagnostics ----
for f in tests/errors/*.yaml; do
	n=$(basename $f .yaml)
	args=""; [ -f tests/errors/$n.args ] && args=$(cat tests/errors/$n.args)
	# shellcheck disable=SC2086
	$VYREC check --diagnostics-format json $f $args > /dev/null 2> $O/d/$n.json
done
$VYREC check samples/saxpy.yaml --diagnostics-format json 2> $O/d/ok_empty.json
$VYREC build --diagnostics-format json samples/saxpy.yaml -t spvv 2> $O/d/usage_target.json
$VYREC run --diagnostics-format json samples/saxpy.yaml --backend vulkn 2> $O/d/usage_backend.json > /dev/null
$VYREC run samples/saxpy.yaml --backend reference --param a=1 --param n=4 --in x=$O/nosuch.npy \
	--diagnostics-format json 2> $O/d/run_data.json > /dev/null
$VYREC verify samples/saxpy.yaml --backends reference --diagnostics-format json 2> $O/d/verify_nothing.json > /dev/null
# back-half errors of vyrec build: emitter refusals, the fix a field
$VYREC build tests/corpus/subgroup_ballot.yaml -t spv --target-env vulkan1.0 -o $O/sg.spv \
	--diagnostics-format json 2> $O/d/build_emit_reject.json
$VYREC build samples/prefixsum.yaml -t glsl -o - --diagnostics-format json 2> $O/d/build_glsl_parts.json > /dev/null
$V diagnostics.schema.json $O/d/*.json
n=$(ls $O/d/*.json | wc -l)
[ "$n" -gt "$(ls tests/errors/*.yaml | wc -l)" ] && ok diagnostics_cases_found || bad diagnostics_cases_found "only $n"

# ---- ops, targets, backends ----
$VYREC ops --json > $O/l/ops_all.json
for d in core math atomic; do $VYREC ops $d --json > $O/l/ops_$d.json; done
$V ops.schema.json $O/l/ops_*.json
$VYREC targets --json > $O/l/targets.json && $V targets.schema.json $O/l/targets.json
$VYREC backends --json > $O/l/backends.json && $V backends.schema.json $O/l/backends.json

# ---- verify --json ----
$VYREC verify samples/saxpy.yaml --json > $O/l/verify_default.json 2> /dev/null
$VYREC verify samples/matmul.yaml --json --backends reference,vulkan > $O/l/verify_list.json 2> /dev/null
$VYREC verify samples/saxpy.yaml --json --backends reference > $O/l/verify_nothing.json 2> /dev/null
$VYREC verify samples/vecadd.yaml --json --backends cuda > $O/l/verify_skip.json 2> /dev/null
$VYREC verify samples/histogram.yaml --json --in data=iota --param n=100 --backends vulkan > $O/l/verify_in.json 2> /dev/null
$V verify.schema.json $O/l/verify_*.json

# ---- a launcher's manifest, --describe --json, --bench --json ----
for t in spv reference; do
	P=$O/l/saxpy_$t
	if $VYREC launcher samples/saxpy.yaml -t $t --lang c -o $P > $O/l/gen_$t.log 2>&1 &&
	   make -s -C $P > $O/l/make_$t.log 2>&1; then
		cp $P/manifest.json $O/l/launcher_manifest_$t.json
		$V artifact.schema.json $O/l/launcher_manifest_$t.json
		$P/saxpy --describe --json > $O/l/describe_$t.json
		$V describe.schema.json $O/l/describe_$t.json
		$P/saxpy --param n=1000 --bench 3 --json > $O/l/bench_$t.json
		$V bench.schema.json $O/l/bench_$t.json
	else
		bad "launcher_$t" "$(tail -3 $O/l/gen_$t.log $O/l/make_$t.log | tr '\n' ' ')"
	fi
done

# ---- the validator rejects what breaks a schema ----
sed 's/"read_only"/"readonly"/' $O/m1/matmul.spv.json > $O/bad/manifest.json
echo '[{"severity": "fatal", "file": null, "line": 0, "column": 0, "length": 1, "message": "x", "fix": null}]' > $O/bad/diagnostics.json
sed 's/"status": "[a-z]*"/"status": "maybe"/' $O/l/verify_default.json > $O/bad/verify.json
sed 's/"bytes_moved": [0-9]*/"bytes_moved": "many"/' $O/l/bench_reference.json > $O/bad/bench.json
sed 's/"read_only"/"readonly"/' $O/m/saxpy.json > $O/bad/manifests.json
for k in artifact:manifest artifacts:manifests diagnostics:diagnostics verify:verify bench:bench; do
	s=${k%%:*} f=${k#*:}
	$V $s.schema.json $O/bad/$f.json | grep -q '^FAIL' && ok "schema_rejects_bad_$f" || bad "schema_rejects_bad_$f" "a broken $f validated"
done
exit 0
