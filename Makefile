# vyrec: build, test, install.  `make demo` builds and runs a sample,
# `make check` runs every test.  Missing Debian packages are installed by
# `make deps` (as root) or named with the exact apt-get line.
PREFIX  ?= /usr/local
CC      ?= cc
CXX     ?= c++
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
XCFLAGS  = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
           -Wno-missing-field-initializers -Iinclude -Isrc -Ibuild
CXXFLAGS ?= $(OPT) -g
LDLIBS   = -lyaml -lglslang -lSPIRV -lMachineIndependent -lOGLCompiler \
           -lOSDependent -lGenericCodeGen -lglslang-default-resource-limits \
           -lSPIRV-Tools-link -lSPIRV-Tools-opt -lSPIRV-Tools -lstdc++ -lm -ldl -lpthread
B        = build
# -no-pie: the static C++ libraries' relocations dominate start-up; a
# position-dependent executable starts ~10% faster (bench/compile.sh)

DEB_PKGS = libyaml-dev spirv-tools spirv-headers glslang-dev glslang-tools \
           libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers
# What `make check` and `make fuzz` use besides (installed by `make deps`,
# not required to build): Debian 12's Rust for the Cargo launchers, numpy
# for the .npy tests, clang and its sanitizer runtimes for the fuzzers.
# The CUDA toolkit's ptxas, cuda.h and stub libcuda.so are not Debian main
# packages: .ci/run fetches them (tools/cuda-toolkit.sh) when absent.
TEST_PKGS = build-essential python3 python3-numpy cargo rustc clang-14 \
            libclang-rt-14-dev
# tests/t_scale.sh and bench/scale.sh measure with /usr/bin/time
DEB_PKGS += time

CLI_SRCS = src/main.c $(wildcard src/cmd_*.c)
LIB_SRCS = $(filter-out $(CLI_SRCS),$(wildcard src/*.c)) \
           $(wildcard emitters/*.c) $(wildcard launchers/*.c) \
           $(wildcard backends/*.c)
LIB_CXX  = $(wildcard src/*.cpp emitters/*.cpp)
LIB_OBJS = $(LIB_SRCS:%.c=$(B)/%.o) $(LIB_CXX:%.cpp=$(B)/%.o) $(B)/templates.o
CLI_OBJS = $(CLI_SRCS:%.c=$(B)/%.o)
TEMPLATES = $(shell find templates -type f 2>/dev/null | LC_ALL=C sort)

BIN     ?= vyrec

all: deps-ok $(BIN)

$(BIN): $(CLI_OBJS) $(B)/libvyrec.a
	$(CXX) -no-pie $(LDFLAGS) -o $@ $(CLI_OBJS) $(B)/libvyrec.a $(LDLIBS)

$(B)/libvyrec.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/%.o: %.c include/vyrec.h include/vyrec_ops.def include/vyrec_types.def $(wildcard src/*.h backends/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) -Iinclude -Isrc $(CXXFLAGS) -c -o $@ $<

# Templates are embedded so vyrec works from any directory, together with
# the reference VM sources (as vm/...) that reference launchers compile.
VM_EMBED = src/vm.c src/vm.h include/vyrec_ops.def include/vyrec_types.def
$(B)/templates.c: tools/embed.sh $(TEMPLATES) $(VM_EMBED)
	@rm -rf $(B)/embed && mkdir -p $(B)/embed/vm
	cp -R templates/. $(B)/embed/
	cp $(VM_EMBED) $(B)/embed/vm/
	sh tools/embed.sh $(B)/embed > $@.tmp && mv $@.tmp $@

$(B)/templates.o: $(B)/templates.c
	$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

# deps-ok is a stamp: the headers we need exist, else install or say how.
deps-ok:
	@sh tools/deps.sh $(DEB_PKGS)

deps:
	@VYREC_INSTALL=1 sh tools/deps.sh $(DEB_PKGS) $(TEST_PKGS)

demo: all
	./vyrec check samples/saxpy.yaml
	./vyrec run samples/saxpy.yaml --backend reference --param a=2 --param n=8 \
	    --in x=iota --in y=const:1 --print y

check: all
	sh tests/run.sh

# vyrec(1)'s SYNOPSIS and OPTIONS come from the option tables
# (src/options.c) through `vyrec help CMD`; tests/t_options.sh checks them.
.PHONY: man
man: $(BIN)
	sh tools/man-options.sh ./$(BIN) man/vyrec.1

check-asan:
	$(MAKE) B=build-asan OPT="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer" \
	    LDFLAGS="-fsanitize=address,undefined" vyrec-asan
	VYREC=./vyrec-asan LD_PRELOAD="$(LVP_PRELOAD)" \
	    ASAN_OPTIONS=detect_leaks=1:verify_asan_link_order=0 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 sh tests/run.sh

# lavapipe, kept loaded under check-asan: the Vulkan loader unloads it at
# vkDestroyInstance, and what its libraries' statics still point to then
# reads to LeakSanitizer as a 128-byte leak of an "<unknown module>" (a
# ten-line program that only creates and destroys an instance shows it);
# with the driver mapped to the end, those pointers are seen and nothing
# leaks.
LVP_PRELOAD = $(shell sed -n 's/.*"library_path": *"\([^"]*\)".*/\1/p' \
	/usr/share/vulkan/icd.d/lvp_icd.*.json 2>/dev/null | head -1)

vyrec-asan: $(CLI_OBJS) $(B)/libvyrec.a
	$(CXX) $(LDFLAGS) -o $@ $(CLI_OBJS) $(B)/libvyrec.a $(LDLIBS)

# SPEC §2.2's threaded registry test against a library built wholly with
# ThreadSanitizer (t_unit.sh in `make check` instruments registry.c only).
check-tsan:
	$(MAKE) B=build-tsan OPT="-O1 -fsanitize=thread" build-tsan/libvyrec.a
	$(CC) $(XCFLAGS) -O1 -g -fsanitize=thread -o build-tsan/test_registry \
	    tests/unit/test_registry.c build-tsan/libvyrec.a $(LDLIBS)
	TSAN_OPTIONS=halt_on_error=1 ./build-tsan/test_registry

# The libFuzzer harnesses of tests/fuzz/, FUZZ_SECONDS (default 60) each.
fuzz:
	sh tests/fuzz/build.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
	    $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/vyrec
	install -m 755 vyrec $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(B)/libvyrec.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/vyrec.h include/vyrec_ops.def include/vyrec_types.def $(DESTDIR)$(PREFIX)/include/
	install -m 644 man/vyrec.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/vyrec-program.5 man/vyrec-dialect.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	cp -R templates $(DESTDIR)$(PREFIX)/share/vyrec/

clean:
	rm -rf build build-asan build-tsan build-fuzz vyrec vyrec-asan tests/out

.PHONY: all deps deps-ok demo check check-asan check-tsan fuzz install clean
