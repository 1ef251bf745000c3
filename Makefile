# Two commands do everything on a fresh Debian/Ubuntu machine with Go:
#   make run    install what is missing, build, open the client on demo data
#   make test   install what is missing, run every test (unit, UI, end to end)
# Every target uses the same Go flags, so the slow cgo build of the window
# toolkit is done once and cached.

GO       ?= go
BIN      := bin
DATA     ?= $(CURDIR)/.demo-data
# make demo: a hub and three duty rooms, started afresh in DEMO each time.
DEMO     ?= $(CURDIR)/.demo-hub
DEMO_PORT ?= 7443
# Root installs directly; anyone else goes through sudo.
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian package names. The client needs a C compiler and OpenGL/X11 headers
# for the window, and libvpx and libopus for video consultations (VP8 and
# Opus through cgo); the tests add a virtual display, input and screenshot tools,
# a spreadsheet program that must open our .xlsx files, an independent
# iCalendar parser for our .ics files, a browser that joins a
# consultation through the hub's page, and a PDF reader (poppler) that
# must find the text of our report documents, and an SMS gateway (Kannel,
# with its fake SMS centre) that the hub sends warnings through.
APT_RUN  := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
            libxinerama-dev libxi-dev libxxf86vm-dev libvpx-dev libopus-dev
APT_TEST := $(APT_RUN) xvfb xdotool xclip imagemagick x11-utils \
            libreoffice-calc-nogui python3-icalendar chromium poppler-utils \
            kannel kannel-extras gammu gammu-smsd
# make package: the client's library dependencies are read with
# dpkg-shlibdeps, the .debs are checked with lintian, the hub's unit with
# systemd-analyze.
APT_PACKAGE := $(APT_RUN) dpkg-dev lintian systemd curl adduser file
# arm64 packages: Debian's cross compiler, the target's -dev packages as
# multiarch packages (the machine gets arm64 as a foreign architecture), and
# qemu-user to run what was built.
APT_ARM64 := gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user \
             $(addsuffix :arm64,libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
             libxinerama-dev libxi-dev libxxf86vm-dev libvpx-dev libopus-dev)
# Windows packages: Debian's mingw-w64 cross compilers (C, and C++ for the
# camera code), yasm for libvpx's assembly, ImageMagick for the icon, NSIS
# for the installer, 7-Zip for the zips, and wine to run what was built.
# libvpx and libopus for mingw are built from Debian's source packages
# (packaging/mingw-libs.sh), which dpkg-source unpacks.
APT_WINDOWS := gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 yasm imagemagick nsis p7zip-full \
               wine wine64 dpkg-dev xz-utils

.PHONY: run test deps-run deps-test deps-package build bench fuzz demo demo-data clean-demo package package-test

run: deps-run build
	$(BIN)/dutyroom -data "$(DATA)" -demo

# The packages where goroutines meet (the hub, its SFU, the store's writer
# and filer, the sync engine, the media engine) run under the race detector.
RACE_PKGS := dutyroom/hub dutyroom/hub/sfu dutyroom/store dutyroom/app/syncer dutyroom/rtc

test: deps-test
	$(GO) vet ./...
	$(GO) test -race -timeout 40m $(RACE_PKGS)
	$(GO) test -timeout 30m $$($(GO) list ./... | grep -v /e2e$$ | grep -vxF $(addprefix -e ,$(RACE_PKGS)))
	DUTYROOM_SHOTS=$(CURDIR)/bin/screenshots $(GO) test -count=1 -v -timeout 15m ./e2e/
	$(MAKE) package-test

build:
	$(GO) build -o $(BIN)/dutyroom ./cmd/dutyroom
	$(GO) build -o $(BIN)/dutyhub ./cmd/dutyhub

# The installable packages, written into dist/ (README, "Packages").
# VERSION comes from git describe (packaging/version.sh says how a tag-less
# tree is numbered); DEB_MAINTAINER is the Maintainer field a distributor
# puts their own address in.
# Read once, so that package and package-test name the same files even when
# the tree changes in between.
ifndef VERSION
VERSION        := $(shell packaging/version.sh)
endif
DEB_MAINTAINER ?= The DutyRoom authors <dutyroom@example.org>
DEB_ARCHES     ?= amd64 arm64
# WINDOWS=0 skips the Windows installer and zips (and their test under wine).
WINDOWS        ?= 1
PACKAGE_ENV     = VERSION="$(VERSION)" DEB_MAINTAINER="$(DEB_MAINTAINER)" GO="$(GO)"

# The .debs, then the Windows packages, then the Linux tarball (made from
# the amd64 .deb's binary, so only when amd64 is built).
package: deps-package
	@for a in $(DEB_ARCHES); do $(PACKAGE_ENV) packaging/deb.sh $$a || exit 1; done
ifneq ($(WINDOWS),0)
	@$(PACKAGE_ENV) packaging/windows.sh
endif
ifneq ($(filter amd64,$(DEB_ARCHES)),)
	@$(PACKAGE_ENV) packaging/tarball.sh
endif

# Installs the amd64 packages on this machine, checks and removes them
# again (packaging/test.sh); as root, through sudo otherwise. The Windows
# packages are checked under wine, the tarball unpacked and run, as the
# user who runs make.
package-test: package
	$(SUDO) env VERSION="$(VERSION)" packaging/test.sh
ifneq ($(WINDOWS),0)
	VERSION="$(VERSION)" packaging/windows-test.sh
endif
ifneq ($(filter amd64,$(DEB_ARCHES)),)
	VERSION="$(VERSION)" packaging/tarball-test.sh
endif

# Benchmarks behind the README's performance figures.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 10x ./store/
	$(GO) test -run '^$$' -bench . ./app/...
	$(GO) test -run '^$$' -bench . ./ui/
	$(GO) test -run '^$$' -bench Resync10000 -benchtime 1x ./hub/
	$(GO) test -run '^$$' -bench PushStationOps -benchtime 20x ./hub/
	$(GO) test -run '^$$' -bench . ./codec/... ./rtc/
	$(GO) test -run '^$$' -bench Forward -benchtime 3x -timeout 30m ./hub/sfu/
	$(GO) run ./cmd/dutybench

# A short run of every fuzz target (go test runs one -fuzz target at a time).
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 30s $$pkg || exit 1; \
	  done; \
	done

clean-demo:
	rm -rf "$(DATA)" "$(DEMO)"

# Three duty rooms of the demo prefecture on one machine, each in its own
# window and data folder, synced through a hub on 127.0.0.1:$(DEMO_PORT):
# 湘西州 (user xiangxi), 吉首市 (jishou) and 乾州街道 (qianzhou), password
# demo-password. Every folder seeds the same tree with the same ids and is
# its own station; the hub imports that tree and checks the logins; each
# client logs in once with the hub's pin and keeps the session. Closing the
# three windows (or Ctrl-C) stops the hub. Logs are in $(DEMO)/*.log.
DEMO_STATIONS := xiangxi:433100 jishou:433101 qianzhou:433101001
demo: deps-run build
	@set -e; d="$(DEMO)"; rm -rf "$$d"; mkdir -p "$$d"; \
	for s in $(DEMO_STATIONS); do \
	  $(BIN)/dutyroom -data "$$d/$${s%%:*}" init --demo --station "$${s#*:}"; \
	done; \
	$(BIN)/dutyroom -data "$$d/xiangxi" station export "$$d/stations.json"; \
	$(BIN)/dutyhub -data "$$d/hub" station import "$$d/stations.json"; \
	for s in $(DEMO_STATIONS); do \
	  echo demo-password | $(BIN)/dutyhub -data "$$d/hub" user add "$${s%%:*}" "$${s#*:}"; \
	done; \
	$(BIN)/dutyhub -data "$$d/hub" -listen 127.0.0.1:$(DEMO_PORT) 2>"$$d/hub.log" & hub=$$!; \
	pids=""; trap 'kill $$pids $$hub 2>/dev/null || true; wait 2>/dev/null || true' EXIT; trap 'exit 130' INT TERM; \
	pin=""; while [ -z "$$pin" ]; do \
	  kill -0 $$hub 2>/dev/null || { cat "$$d/hub.log"; echo "the hub did not start (is port $(DEMO_PORT) taken? make demo DEMO_PORT=...)"; exit 1; }; \
	  sleep 0.2; pin=$$(sed -n 's/^dutyhub: certificate pin (SHA-256): //p' "$$d/hub.log"); \
	done; \
	echo "hub: wss://127.0.0.1:$(DEMO_PORT), certificate pin $$pin"; \
	for s in $(DEMO_STATIONS); do \
	  echo demo-password | $(BIN)/dutyroom -data "$$d/$${s%%:*}" hub connect \
	    --addr wss://127.0.0.1:$(DEMO_PORT) --user "$${s%%:*}" --pin "$$pin"; \
	done; \
	for s in $(DEMO_STATIONS); do \
	  $(BIN)/dutyroom -data "$$d/$${s%%:*}" 2>"$$d/$${s%%:*}.log" & pids="$$pids $$!"; \
	done; \
	echo "three windows open: 湘西州, 吉首市, 乾州街道 (the status bar names each); close them to stop the hub"; \
	wait $$pids

deps-run:
	@$(call apt_install,$(APT_RUN))

deps-test:
	@$(call apt_install,$(APT_TEST))

deps-package:
	@$(call apt_install,$(APT_PACKAGE))
ifneq ($(filter arm64,$(DEB_ARCHES)),)
	@dpkg --print-foreign-architectures | grep -qx arm64 || $(SUDO) dpkg --add-architecture arm64
	@$(call apt_install,$(APT_ARM64))
endif
ifneq ($(WINDOWS),0)
	@$(call apt_install,$(APT_WINDOWS))
endif

# apt_install installs the packages of $(1) that dpkg does not know yet (a
# plain name is looked up for this machine's architecture too: with arm64
# added for cross builds, dpkg -s NAME is ambiguous for the -dev packages). On a
# machine without apt it says what it needs and carries on, so macOS and
# Windows users who followed the README are not blocked.
define apt_install
	missing=""; \
	native=$$(dpkg --print-architecture 2>/dev/null); \
	for p in $(1); do \
	  dpkg -s $$p >/dev/null 2>&1 || dpkg -s $$p:$$native >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "not a Debian/Ubuntu system: install by hand the equivalents of:$$missing (see README)"; exit 0; \
	fi; \
	echo "installing:$$missing"; \
	$(SUDO) apt-get update -qq && \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing
endef
