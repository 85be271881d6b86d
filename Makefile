# vyrec: build, test, install.  `make demo` builds and runs a sample,
# `make check` runs every test.  Missing Debian packages are installed by
# `make deps` (as root) or named with the exact apt-get line.
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
CC      ?= cc
CXX     ?= c++
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
XCFLAGS  = -std=c11 -D_GNU_SOURCE -fPIC -Wall -Wextra -Wno-unused-parameter \
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
# for the .npy tests, clang and its sanitizer runtimes for the fuzzers,
# pkg-config for examples/ (t_libvyrec), jsonschema for doc/schema/
# (t_schema), debhelper for dpkg-buildpackage of debian/ (t_debian),
# clippy for the generated crates (t_launcher_cargo).
# The CUDA toolkit's ptxas, cuda.h and stub libcuda.so are not Debian main
# packages: .ci/run fetches them (tools/cuda-toolkit.sh) when absent.
TEST_PKGS = build-essential python3 python3-numpy cargo rustc clang-14 \
            libclang-rt-14-dev pkg-config python3-jsonschema debhelper \
            rust-clippy
# tests/t_scale.sh and bench/scale.sh measure with /usr/bin/time
DEB_PKGS += time

CLI_SRCS = src/main.c src/options.c $(wildcard src/cmd_*.c)
LIB_SRCS = $(filter-out $(CLI_SRCS),$(wildcard src/*.c)) \
           $(wildcard emitters/*.c) $(wildcard launchers/*.c) \
           $(wildcard backends/*.c)
LIB_CXX  = $(wildcard src/*.cpp emitters/*.cpp)
LIB_OBJS = $(LIB_SRCS:%.c=$(B)/%.o) $(LIB_CXX:%.cpp=$(B)/%.o) $(B)/templates.o
CLI_OBJS = $(CLI_SRCS:%.c=$(B)/%.o)
TEMPLATES = $(shell find templates -type f 2>/dev/null | LC_ALL=C sort)

BIN     ?= vyrec

# libvyrec.so: every object is position-independent (-fPIC above; the
# static C++ libraries are too), and only libvyrec.h's vyrec_* names are
# exported (src/libvyrec.map), so the glslang and SPIRV-Tools inside
# cannot clash with a program's own.
SOVER    = 1
VERSION := $(shell sed -n 's/^\#define VY_VERSION "\(.*\)"/\1/p' include/vyrec.h)
SOLIB    = libvyrec.so.$(SOVER).0.0
SONAME   = libvyrec.so.$(SOVER)

all: deps-ok $(BIN) $(B)/$(SOLIB)

$(B)/$(SOLIB): $(LIB_OBJS) src/libvyrec.map
	$(CXX) -shared $(LDFLAGS) -Wl,-soname,$(SONAME) -Wl,-z,defs \
	    -Wl,--version-script=src/libvyrec.map -o $@ $(LIB_OBJS) $(LDLIBS)
	ln -sf $(SOLIB) $(B)/$(SONAME)
	ln -sf $(SONAME) $(B)/libvyrec.so

# the reference VM reports a missing row through vy_bug (an error of the
# API call inside libvyrec), not abort() as in a generated launcher
$(B)/src/vm.o: XCFLAGS += -DVYVM_LIBVYREC

# -static-libstdc++: resolving the C++ symbols of libstdc++.so at each
# start was 1.8 of vecadd's 3.8 million instructions (issue #13's compile
# time); libvyrec.so keeps the shared one
$(BIN): $(CLI_OBJS) $(B)/libvyrec.a
	$(CXX) -no-pie -static-libstdc++ -static-libgcc $(LDFLAGS) -o $@ $(CLI_OBJS) $(B)/libvyrec.a $(filter-out -lstdc++,$(LDLIBS))

$(B)/libvyrec.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/%.o: %.c include/vyrec.h include/libvyrec.h include/vyrec_ops.def include/vyrec_types.def $(wildcard src/*.h backends/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(XCFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) -Iinclude -Isrc -fPIC $(CXXFLAGS) -c -o $@ $<

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
# (VYREC_NO_DEPS_CHECK=1: a package build, whose Build-Depends were checked)
deps-ok:
	@[ -n "$(VYREC_NO_DEPS_CHECK)" ] || sh tools/deps.sh $(DEB_PKGS)

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

# vyrec.pc for `pkg-config --cflags --libs vyrec` (the shared library)
# and `--static` (the archive and what it needs)
$(B)/vyrec.pc: Makefile FORCE
	@mkdir -p $(B)
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' \
	    'includedir=$${prefix}/include' '' 'Name: vyrec' \
	    'Description: AOT compiler for GPU compute programs (libvyrec(3))' \
	    'Version: $(VERSION)' 'Libs: -L$${libdir} -lvyrec' \
	    'Libs.private: $(LDLIBS)' \
	    'Cflags: -I$${includedir}' > $@

# The stable interface is libvyrec.h alone; include/vyrec.h is vyrec's
# internal one (not C++-clean, changes in any release) and is not installed.
install: all $(B)/vyrec.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBDIR)/pkgconfig \
	    $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man3 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/vyrec
	install -m 755 vyrec $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(B)/libvyrec.a $(DESTDIR)$(LIBDIR)/
	install -m 644 $(B)/$(SOLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf $(SOLIB) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libvyrec.so
	install -m 644 $(B)/vyrec.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 644 include/libvyrec.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 man/vyrec.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/libvyrec.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -m 644 man/vyrec-program.5 man/vyrec-dialect.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	cp -R templates $(DESTDIR)$(PREFIX)/share/vyrec/

clean:
	rm -rf build build-asan build-tsan build-fuzz vyrec vyrec-asan tests/out

FORCE:
.PHONY: all deps deps-ok demo check check-asan check-tsan fuzz install clean FORCE
