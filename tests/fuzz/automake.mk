# tests/fuzz/automake.mk: the fuzz targets, their replay drivers, seed
# corpora and "make fuzz".  Included from the top-level Makefile.am; paths
# are relative to the top directory.  Documentation/topics/fuzzing.rst
# says how to use them.
#
# Every build (any compiler) makes, for "make check" (tests/fuzz.at):
#   tests/fuzz/replay-TARGET   a target linked with replay.c, which runs it
#                              on the files in tests/fuzz/corpus/TARGET and
#                              tests/fuzz/crashers/TARGET;
#   tests/fuzz/gen-seeds       writes the seed corpora (its output is
#                              committed; tests/fuzz.at checks they agree).
# With ./configure --enable-fuzzing, "make" also builds the libFuzzer
# binaries tests/fuzz/fuzz-TARGET with $(FUZZ_CC) and $(FUZZ_CFLAGS)
# (clang, -fsanitize=fuzzer,address,undefined), compiling the library
# sources again for them, and "make fuzz" runs each for $(FUZZ_SECONDS).

FUZZ_TARGETS = dispatch split mem
FUZZ_SECONDS = 60
FUZZ_FLAGS =

FUZZ_COMMON = \
	tests/fuzz/fuzz-util.c \
	tests/fuzz/fuzz-util.h \
	tests/fuzz/fuzz-enc.h

check_PROGRAMS += \
	tests/fuzz/replay-dispatch \
	tests/fuzz/replay-split \
	tests/fuzz/replay-mem \
	tests/fuzz/gen-seeds
tests_fuzz_replay_dispatch_SOURCES = \
	tests/fuzz/replay.c tests/fuzz/fuzz-dispatch.c $(FUZZ_COMMON)
tests_fuzz_replay_dispatch_LDADD = lib/libvhostuser.la
tests_fuzz_replay_split_SOURCES = \
	tests/fuzz/replay.c tests/fuzz/fuzz-split.c $(FUZZ_COMMON)
tests_fuzz_replay_split_LDADD = utilities/libvhufront.la lib/libvhostuser.la
tests_fuzz_replay_mem_SOURCES = \
	tests/fuzz/replay.c tests/fuzz/fuzz-mem.c $(FUZZ_COMMON)
tests_fuzz_replay_mem_LDADD = lib/libvhostuser.la
tests_fuzz_gen_seeds_SOURCES = tests/fuzz/gen-seeds.c tests/fuzz/fuzz-enc.h

# Seeds, saved crashers (replayed by tests/fuzz.at) and findings (crashers
# for open bugs, kept out of the replay until fixed): whole directories.
EXTRA_DIST += \
	tests/fuzz/run-fuzz.sh \
	tests/fuzz/corpus \
	tests/fuzz/crashers \
	tests/fuzz/findings

# The libFuzzer binaries.  Each is linked in one command from the .c files
# among its prerequisites ($^: GNU make, as found through VPATH).
FUZZ_BINS = \
	tests/fuzz/fuzz-dispatch \
	tests/fuzz/fuzz-split \
	tests/fuzz/fuzz-mem
FUZZ_DEPS = \
	$(lib_libvhostuser_la_SOURCES) \
	utilities/vhu-front.h \
	tests/fuzz/fuzz-util.c \
	tests/fuzz/fuzz-util.h \
	tests/fuzz/fuzz-enc.h
FUZZ_LINK = $(MKDIR_P) tests/fuzz && \
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEFS) $(AM_CPPFLAGS) $(CPPFLAGS) -o $@ \
	`for f in $^; do case $$f in *.c) echo $$f;; esac; done`
CLEANFILES += $(FUZZ_BINS)

tests/fuzz/fuzz-dispatch: tests/fuzz/fuzz-dispatch.c $(FUZZ_DEPS)
	$(AM_V_CCLD)$(FUZZ_LINK)
tests/fuzz/fuzz-split: tests/fuzz/fuzz-split.c utilities/vhu-front.c \
		$(FUZZ_DEPS)
	$(AM_V_CCLD)$(FUZZ_LINK)
tests/fuzz/fuzz-mem: tests/fuzz/fuzz-mem.c $(FUZZ_DEPS)
	$(AM_V_CCLD)$(FUZZ_LINK)

if ENABLE_FUZZING
all-local: $(FUZZ_BINS)

# Runs each target for FUZZ_SECONDS on a fresh copy of its seeds in
# tests/fuzz/work/TARGET/, one after the other, e.g.
#   make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS=split FUZZ_FLAGS=-jobs=2
fuzz: $(FUZZ_BINS)
	@$(SHELL) $(srcdir)/tests/fuzz/run-fuzz.sh '$(srcdir)' \
	  '$(FUZZ_SECONDS)' '$(FUZZ_FLAGS)' $(FUZZ_TARGETS)
else
fuzz:
	@echo "make fuzz: the libFuzzer targets are not built." >&2; \
	echo "Run ./configure --enable-fuzzing (it needs clang with libFuzzer," \
	  "e.g. Debian's clang and libclang-rt-dev), then make fuzz." >&2; \
	exit 1
endif
.PHONY: fuzz

clean-local: clean-fuzz
clean-fuzz:
	rm -rf tests/fuzz/work tests/fuzz/seeds.tmp
.PHONY: clean-fuzz
