#!/usr/bin/env bash
# with-minio.sh CMD ARGS...
#
# Runs CMD against a throwaway MinIO server: builds the server once into a
# cache directory, starts it on a free 127.0.0.1 port with fresh random
# credentials and an empty temporary data directory, exports
#   TRACEREG_TEST_S3_ENDPOINT, TRACEREG_TEST_S3_ACCESS_KEY, TRACEREG_TEST_S3_SECRET_KEY
# for CMD, and stops the server and removes its data whatever CMD's result.
# Exits with CMD's status. The secret is never printed.
#
# Environment:
#   TRACEREG_TOOLS      cache directory for tools (default ~/.cache/tracereg)
#   TRACEREG_MINIO_BIN  use this MinIO binary instead of the cached build
set -euo pipefail

readonly MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
readonly MINIO_TAG=20260212201848
readonly START_TIMEOUT=60 # seconds to wait for the server to report live

if [[ $# -eq 0 ]]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi

log() { echo "with-minio: $*" >&2; }

tools_dir="${TRACEREG_TOOLS:-$HOME/.cache/tracereg}"
minio_bin="${TRACEREG_MINIO_BIN:-$tools_dir/minio-$MINIO_TAG/bin/minio}"

build_minio() {
	local bin_dir
	bin_dir="$(dirname "$minio_bin")"
	mkdir -p "$bin_dir"
	# Two runs at once would build into the same directory; the second waits.
	if command -v flock >/dev/null 2>&1; then
		exec 8>"$bin_dir/.build.lock"
		flock 8
	fi
	if [[ ! -x "$minio_bin" ]]; then
		log "building the MinIO server $MINIO_VERSION into $bin_dir"
		log "the first build takes a few minutes; later runs reuse it"
		GOFLAGS= GOBIN="$bin_dir" go install "github.com/minio/minio@$MINIO_VERSION"
	fi
	if command -v flock >/dev/null 2>&1; then
		exec 8>&-
	fi
}

if [[ ! -x "$minio_bin" ]]; then
	if [[ -n "${TRACEREG_MINIO_BIN:-}" ]]; then
		log "TRACEREG_MINIO_BIN=$TRACEREG_MINIO_BIN is not an executable file"
		exit 1
	fi
	build_minio
fi

# port_in_use reports whether something accepts connections on 127.0.0.1:$1.
port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port prints a port nothing listens on, above $1 if given.
free_port() {
	local base=$((20000 + RANDOM % 30000)) p
	for ((p = base; p < base + 500; p++)); do
		if [[ -n "${1:-}" && $p -eq $1 ]]; then
			continue
		fi
		if ! port_in_use "$p"; then
			echo "$p"
			return 0
		fi
	done
	log "no free port found near $base"
	return 1
}

# random_hex prints $1 bytes from /dev/urandom as hex (no pipe into head,
# whose early exit would trip pipefail).
random_hex() {
	od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# live reports whether the server answers its liveness probe with 200.
live() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'GET /minio/health/live HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$1" >&3
		IFS= read -r -t 2 status_line <&3 || exit 1
		[[ "$status_line" == HTTP/1.?" 200"* ]]
	) 2>/dev/null
}

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/tracereg-minio.XXXXXX")"
minio_pid=""

cleanup() {
	local status=$?
	if [[ -n "$minio_pid" ]] && kill -0 "$minio_pid" 2>/dev/null; then
		kill -TERM "$minio_pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$minio_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$minio_pid" 2>/dev/null || true
		wait "$minio_pid" 2>/dev/null || true
	fi
	rm -rf "$work_dir"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

access_key="tracereg-$(random_hex 8)"
secret_key="$(random_hex 24)"
port="$(free_port)"
console_port="$(free_port "$port")"
mkdir -p "$work_dir/data"

# The credentials go to the server through its environment only; the log
# stays in the temporary directory and, if shown, has the secret masked.
env MINIO_ROOT_USER="$access_key" MINIO_ROOT_PASSWORD="$secret_key" \
	MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CI_CD=on \
	"$minio_bin" server --quiet \
	--address "127.0.0.1:$port" --console-address "127.0.0.1:$console_port" \
	"$work_dir/data" >"$work_dir/minio.log" 2>&1 &
minio_pid=$!

show_log() {
	log "server log (last lines):"
	tail -n 30 "$work_dir/minio.log" | sed "s/$secret_key/********/g" >&2 || true
}

deadline=$((SECONDS + START_TIMEOUT))
until live "$port"; do
	if ! kill -0 "$minio_pid" 2>/dev/null; then
		log "MinIO exited during start-up"
		show_log
		exit 1
	fi
	if ((SECONDS >= deadline)); then
		log "MinIO did not report live within ${START_TIMEOUT}s"
		show_log
		exit 1
	fi
	sleep 0.2
done
log "MinIO is live on 127.0.0.1:$port"

export TRACEREG_TEST_S3_ENDPOINT="127.0.0.1:$port"
export TRACEREG_TEST_S3_ACCESS_KEY="$access_key"
export TRACEREG_TEST_S3_SECRET_KEY="$secret_key"

set +e
"$@"
status=$?
set -e
exit "$status"
