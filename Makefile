# tracereg — the two commands a newcomer needs are `make run` and `make test`.
GO        ?= go
BIN       ?= bin/tracereg
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
PKGS      := ./...

.PHONY: run build test test-short lint bench bench-scale clean

## run: build and serve on the embedded default (SQLite file + documents on disk, in TRACEREG_DATA), with the demo data
run: build
	./$(BIN) serve --demo

## build: the static binary
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/tracereg

## test: every test, against real servers: the embedded SQLite engine, a MinIO built and started for the
## run, Chromium; then the records and the engine contract again on the MongoDB engine (embedded FerretDB)
test: lint
	@command -v chromium >/dev/null 2>&1 || deploy/scripts/install-chromium.sh
	TRACEREG_REQUIRE_BROWSER=1 deploy/scripts/with-minio.sh $(GO) test -race -count=1 -timeout 30m $(PKGS)
	TRACEREG_TEST_ENGINE=mongo $(GO) test -race -count=1 -timeout 20m ./registry/records/... ./registry/store/... ./registry/mongo/...

## test-short: the tests without MinIO (its tests skip)
test-short:
	$(GO) test -count=1 $(PKGS)

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

## bench: speed figures (no test asserts timings)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 $(PKGS)
	@echo "public side at 64 connections, fixed request count (see lookup/bench_test.go):"
	$(GO) test -run '^$$' -bench '^BenchmarkPublic$$' -benchtime 20000x -count=1 ./lookup

## bench-scale: a served registry grown through the API's bulk import to each size in SCALE_LOTS; prints the
## import rate of every 1,000 lots, the size on disk and memory, and p50/p99 of the pages people wait for
SCALE_LOTS ?= 10000,100000
bench-scale:
	TRACEREG_BENCH_LOTS=$(SCALE_LOTS) $(GO) test -run '^$$' -bench '^BenchmarkScale$$' -benchtime 100x -timeout 4h -count=1 ./cmd/tracereg

clean:
	rm -rf bin
