# sipwatch — passive SIP monitor and RFC 4028 session-timer analyzer.
#
#   make            build ./sipwatch
#   make check      install missing deps, build, run every test (ends "N passed, N failed")
#   make unit       only the cmocka unit tests (the same summary line; SAN=address works too)
#   make demo       install missing build deps (not the test tools), build, run on the sample
#   make SAN=address check   the same under ASan+UBSan (SAN=thread: ThreadSanitizer)
#   make check-asan | check-tsan | valgrind | fuzz   robustness gates (FUZZ_TIME=s)
#   make bench | bench-live | bench-dash | soak | lint | install

PREFIX   ?= /usr/local
SAN      ?=
BUILD    ?= build$(if $(SAN),-$(SAN))
CC       ?= cc

WARN     = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wvla
CPPFLAGS += -I. -D_DEFAULT_SOURCE -MMD -MP
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -pthread
LDLIBS   += -lpcap -losipparser2 -losip2 -lsqlite3 -lncursesw -ltinfo -lpthread -lz -lcrypto -lmicrohttpd -lsystemd

ifeq ($(SAN),address)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(SAN),thread)
CFLAGS  += -fsanitize=thread
LDFLAGS += -fsanitize=thread
endif

LIB_DIRS  = common capture analyzer db ui
LIB_SRCS  = $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
APP_SRCS  = $(filter-out app/main.c,$(wildcard app/*.c))
SUP_SRCS  = $(wildcard tests/support/*.c)
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
TOOL_SRCS = $(wildcard tests/tools/*.c)

LIB_OBJS  = $(LIB_SRCS:%.c=$(BUILD)/%.o)
APP_OBJS  = $(APP_SRCS:%.c=$(BUILD)/%.o)
APPA      = $(BUILD)/libapp.a
SUP_OBJS  = $(SUP_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BINS = $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)
LIBA      = $(BUILD)/libsipwatch.a
SUPA      = $(BUILD)/libsupport.a

.PHONY: all deps deps-demo check check-asan check-tsan valgrind unit unit-bins e2e demo bench bench-live bench-dash soak fuzz lint install clean tools

# A sanitizer build (SAN=...) stays in its own $(BUILD): ./sipwatch is always the normal one.
all: $(if $(SAN),$(BUILD)/sipwatch,sipwatch)

sipwatch: $(BUILD)/sipwatch
	cp $< $@.tmp && mv -f $@.tmp $@ # a rename, so a running ./sipwatch is not 'text file busy'

$(BUILD)/sipwatch: $(BUILD)/app/main.o $(APPA) $(LIBA)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(APPA): $(APP_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(LIBA): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(SUPA): $(SUP_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(SUPA) $(APPA) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(SUPA) $(APPA) $(LIBA) $(LDLIBS) -lcmocka

$(BUILD)/tools/%: tests/tools/%.c $(SUPA) $(APPA) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(SUPA) $(APPA) $(LIBA) $(LDLIBS)

tools: $(TOOL_BINS)

deps:
	@sh .ci/deps.sh

unit-bins: $(UNIT_BINS)

# Only the cmocka unit binaries (seconds, not minutes), with check's summary line.
unit:
	$(MAKE) --no-print-directory unit-bins
	@BUILD=$(BUILD) SAN=$(SAN) UNIT_ONLY=1 sh tests/run.sh

# One runner for everything: unit binaries (cmocka) and the end-to-end scripts.
# A SAN build leaves ./sipwatch alone: the scripts run $(BUILD)/sipwatch.
check: deps
	$(MAKE) --no-print-directory $(if $(SAN),$(BUILD)/sipwatch,all) unit-bins tools
	@BUILD=$(BUILD) SAN=$(SAN) $(if $(SAN),SIPWATCH=$(CURDIR)/$(BUILD)/sipwatch) sh tests/run.sh

# The robustness gates (CI runs them all); each ends with one PASS/FAIL line.
#   check-asan  the whole suite under ASan+UBSan (leaks included)
#   check-tsan  ThreadSanitizer on the capture → analyzer → db writer handoffs
#   valgrind    memcheck of end-to-end runs on captures
check-asan: deps
	@if $(MAKE) --no-print-directory check SAN=address BUILD=build-address; then \
		echo "check-asan: PASS"; else echo "check-asan: FAIL"; exit 1; fi

check-tsan: deps
	$(MAKE) --no-print-directory SAN=thread BUILD=build-thread build-thread/sipwatch \
		build-thread/tests/test_pkt_ring build-thread/tests/test_queue build-thread/tests/test_source build-thread/tests/test_writer build-thread/tests/test_dashboard_feed \
		build-thread/tools/gen_flood
	@sh tests/sanitize/tsan.sh build-thread

valgrind: deps
	$(MAKE) --no-print-directory $(BUILD)/sipwatch
	@sh tests/sanitize/valgrind.sh $(BUILD)/sipwatch

# make demo installs only what building and running needs (make deps: the test tools too)
deps-demo:
	@sh .ci/deps.sh demo

demo: deps-demo
	$(MAKE) --no-print-directory all
	@sh tests/demo.sh

bench: deps
	$(MAKE) --no-print-directory all tools
	@BUILD=$(BUILD) sh tests/bench/bench.sh

bench-live: deps
	$(MAKE) --no-print-directory all tools
	@BUILD=$(BUILD) sh tests/bench/bench-live.sh

# The live dashboard at 140k dialogs (issue 18): drops, ui CPU, key latency, RSS.
bench-dash: deps
	$(MAKE) --no-print-directory all tools
	@BUILD=$(BUILD) sh tests/bench/bench-dash.sh

# Always on (issue 17): the bench capture looped through a veth pair in network
# namespaces for SOAK_MINUTES (default 10) at SOAK_RATE (50000) packets/s with
# --db-max-size: RSS, db size and drops sampled every 10 s.  Not part of CI.
soak: deps
	$(MAKE) --no-print-directory all tools
	@BUILD=$(BUILD) sh tests/bench/soak.sh

# libFuzzer targets (clang, ASan+UBSan), FUZZ_TIME seconds each (default 60).
fuzz: deps
	@sh tests/fuzz/run.sh

# Dependencies point one way: libosip2 in one analyzer file, sqlite in db/, ncurses in ui/.
lint:
	@sh tests/lint.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 755 sipwatch $(DESTDIR)$(PREFIX)/bin/sipwatch
	install -m 644 doc/sipwatch.8 $(DESTDIR)$(PREFIX)/share/man/man8/sipwatch.8

clean:
	rm -rf build build-* sipwatch

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
