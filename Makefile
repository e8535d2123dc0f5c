# minsheng — build, test and demo.
#   make            build build/minsheng (installs missing Debian packages first)
#   make test       unit tests, CLI tests, then the same under ASan+UBSan in build-san/
#   make demo       a synthetic province, imported and scanned, then served on 127.0.0.1:8080
# BUILD selects the output folder, so several builds can live side by side.

BUILD   ?= build
CC      ?= cc
PKGS    := sqlite3 libpq libsodium libcrypto jansson icu-uc icu-i18n libzip expat inih xlsxwriter libmicrohttpd libssl
WARN    := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla -Wformat=2 -Wimplicit-fallthrough \
           -Wundef -Wcast-qual -Wno-unused-parameter
WERROR  ?= -Werror
OPT     ?= -O2 -g
SAN     ?=
CFLAGS_ALL = -std=c17 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(OPT) $(SAN) \
             $(WARN) $(WERROR) -Isrc -MMD -MP $(PKG_CFLAGS) $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lhpdf -lm -lpthread $(LDLIBS)

DEPS_OK := $(BUILD)/.deps-ok
# pkg-config is only asked once the packages are there; before that the
# stamp rule installs them.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

LIB_SRC  := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
ASM_SRC  := $(sort $(wildcard src/*/*.S))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(ASM_SRC:%.S=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all test unit cli-test api-test web-test san-test demo clean deps bench format check-banned web
all: $(BUILD)/minsheng $(BUILD)/web/index.html

# The browser UI (web/, served by `minsheng serve --static $(BUILD)/web`):
# scripts/build-web runs npm ci when needed and copies the files.
web: $(BUILD)/web/index.html
$(BUILD)/web/index.html: $(shell find web/src -type f 2>/dev/null) web/package-lock.json \
                         data/areas.tsv scripts/build-web
	@scripts/build-web $(BUILD)/web
	@touch $@

deps: $(DEPS_OK)
$(DEPS_OK):
	@scripts/install-deps
	@mkdir -p $(@D) && touch $@

$(BUILD)/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# The area-code table is linked into the program (see src/model/area_data.S).
$(BUILD)/src/model/area_data.o: src/model/area_data.S data/areas.tsv | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) -c $< -o $@

# The OpenAPI document is served from the program (src/http/openapi_data.S).
$(BUILD)/src/http/openapi_data.o: src/http/openapi_data.S docs/openapi.json | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) -c $< -o $@

$(BUILD)/libminsheng.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/minsheng: $(CLI_OBJ) $(BUILD)/libminsheng.a
	$(CC) $(OPT) $(SAN) -o $@ $(CLI_OBJ) $(BUILD)/libminsheng.a $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/testutil.h $(BUILD)/libminsheng.a | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(BUILD)/libminsheng.a $(LDLIBS_ALL) -lcmocka

unit: $(UNIT_BIN)
	@scripts/run-unit $(UNIT_BIN)

cli-test: $(BUILD)/minsheng
	@MINSHENG=$(abspath $(BUILD)/minsheng) tests/cli/run

api-test: $(BUILD)/minsheng
	@MINSHENG=$(abspath $(BUILD)/minsheng) tests/api/run

# The store-dependent suites again, with the database on a throwaway
# PostgreSQL server that the runners start and remove (scripts/pg-test).
pg-test: $(BUILD)/minsheng $(BUILD)/web/index.html
	@$(MAKE) --no-print-directory unit-pg
	@MINSHENG=$(abspath $(BUILD)/minsheng) MS_TEST_PG=1 tests/cli/run
	@MINSHENG=$(abspath $(BUILD)/minsheng) MS_TEST_PG=1 tests/api/run
	@MINSHENG=$(abspath $(BUILD)/minsheng) WEBDIR=$(abspath $(BUILD)/web) MS_TEST_PG=1 tests/web/run

# The unit tests with their stores on one throwaway PostgreSQL server
# (MS_TEST_PG_DIR: each test makes its own database there, testutil.h); the
# tests about SQLite files run on SQLite as in `make unit`.
.PHONY: unit-pg
unit-pg: $(UNIT_BIN)
	@tmp=$$(mktemp -d) && chmod 755 "$$tmp" || exit 1; \
	  trap 'scripts/pg-test stop "$$tmp/pg"; rm -rf "$$tmp"' EXIT; trap 'exit 130' INT TERM; \
	  scripts/pg-test start "$$tmp/pg" >/dev/null || exit 1; \
	  MS_TEST_PG_DIR="$$tmp/pg" scripts/run-unit $(UNIT_BIN)

# Browser tests (tests/web): the built UI in Debian's Chromium through
# playwright-core; screenshots in $(BUILD)/test-artifacts/web/.
web-test: $(BUILD)/minsheng $(BUILD)/web/index.html
	@MINSHENG=$(abspath $(BUILD)/minsheng) WEBDIR=$(abspath $(BUILD)/web) tests/web/run

# The sanitizer pass: the same suite, built with clang's ASan and UBSan into
# build-san/, failing on any report.
san-test:
	@$(MAKE) --no-print-directory BUILD=build-san CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" unit cli-test api-test

test: check-banned
	@$(MAKE) --no-print-directory unit cli-test package-test api-test log-test web-test pg-test
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  $(MAKE) --no-print-directory san-test
	@$(MAKE) --no-print-directory fuzz-brief
	@$(MAKE) --no-print-directory soak-brief
	@echo "make test: all suites passed"

check-banned:
	@scripts/check-banned

demo: $(BUILD)/minsheng $(BUILD)/web/index.html
	@scripts/demo

bench: $(BUILD)/minsheng
	@bench/run

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(wildcard src/*/*.h) $(UNIT_SRC)

clean:
	rm -rf build build-san

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d)

# ---- reliability (docs/reliability.md): fuzzing, soak ----
# libFuzzer targets (fuzz/fuzz_*.c) built with clang from the project's own
# sources, instrumented, into $(FUZZ_BUILD)/. `make fuzz` runs each for
# FUZZ_SECONDS; `make fuzz-brief` (part of `make test`) runs each for
# FUZZ_BRIEF_SECONDS after replaying its corpus, failing on any crash, leak or
# sanitizer report. scripts/fuzz-run does the running.
.PHONY: fuzz fuzz-brief fuzz-build fuzz-bins soak soak-brief
FUZZ_BUILD         ?= build-fuzz
FUZZ_SECONDS       ?= 300
FUZZ_BRIEF_SECONDS ?= 3
FUZZ_NAMES         := $(patsubst fuzz/%.c,%,$(sort $(wildcard fuzz/fuzz_*.c)))
FUZZ_SAN           := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang \
	  OPT="-O1 -g -fno-omit-frame-pointer" SAN="$(FUZZ_SAN)" fuzz-bins

fuzz-bins: $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(BUILD)/libminsheng.a | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Ifuzz -fsanitize=fuzzer -o $@ $< $(BUILD)/libminsheng.a $(LDLIBS_ALL) -lz

fuzz: fuzz-build
	@scripts/fuzz-run $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_NAMES)

fuzz-brief: fuzz-build
	@scripts/fuzz-run $(FUZZ_BUILD) $(FUZZ_BRIEF_SECONDS) $(FUZZ_NAMES)

# The soak test: several clients on `minsheng serve` (loopback) for
# SOAK_SECONDS, mixing upload jobs, scan jobs and reads and transitions;
# fails on any error or when the server's memory grows (tests/soak/run).
SOAK_SECONDS       ?= 600
SOAK_BRIEF_SECONDS ?= 45
soak: $(BUILD)/minsheng
	@SOAK_SECONDS=$(SOAK_SECONDS) MINSHENG=$(abspath $(BUILD)/minsheng) tests/soak/run

soak-brief: $(BUILD)/minsheng
	@SOAK_SECONDS=$(SOAK_BRIEF_SECONDS) SOAK_BRIEF=1 MINSHENG=$(abspath $(BUILD)/minsheng) tests/soak/run

# ---- installing, packaging, and their tests (docs/deploy.md) ----
#   make install      the program, the pack, the web files (when built), docs,
#                     the man page, the systemd unit and sysusers.d file, and
#                     /etc/minsheng/minsheng.conf.example (PREFIX, DESTDIR)
#   make deb          the Debian package in $(DEB_BUILD)/ (scripts/build-deb)
#   make package-test the package built, linted, unpacked and run (tests/package/run)
#   make log-test     no identity or mobile number in the logs the CLI and API
#                     tests kept in $(BUILD)/test-logs (tests/logs/scan)
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
DEB_BUILD  ?= build-deb
.PHONY: install deb package-test log-test
install: $(BUILD)/minsheng
	@BUILD=$(BUILD) DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) SYSCONFDIR=$(SYSCONFDIR) \
	  UNITDIR=$(UNITDIR) SYSUSERSDIR=$(SYSUSERSDIR) scripts/install-tree

deb:
	@scripts/build-deb $(DEB_BUILD)

package-test:
	@tests/package/run $(DEB_BUILD)

log-test:
	@tests/logs/scan $(BUILD)/test-logs
