#!/usr/bin/env bash
# The iam-groups benchmark: builds the release binary, starts it on a fresh database, seeds
# data, drives each row with wrk (64 connections) and prints one table: requests/s, p50, p99,
# and each row's ratio to row 1 (GET /, the ceiling of the HTTP stack) measured in the same run.
#
#   bench/run.sh                        SQLite (a fresh file in a temporary folder)
#   bench/run.sh --postgres URL         PostgreSQL: URL of a server whose user may create
#                                       databases; a fresh database is made for the run
#   bench/run.sh --scale                instead, seed 1,000,000 groups, 200,000 users and
#                                       5,000,000 memberships first and run rows 3-5 on them
#   --duration 10s  --connections 64   wrk settings
#   --binary PATH                       run this build instead of building (before/after)
#
# Besides the read rows: creates alone, 95/5 and 80/20 list/create mixes, membership adds
# alone, the read rows again with caches off, and on PostgreSQL the cross-instance
# staleness (bench/staleness.py: ms from a write on A to visible on B, p50/p99 of 20).
#
# Needs: wrk, curl, python3; sqlite3 or psql for --scale (Debian: wrk sqlite3 postgresql-client).
set -euo pipefail

DURATION=10s
CONNECTIONS=64
THREADS=2
SCALE=0
PG_URL=""
BIN=""
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) SCALE=1 ;;
        --postgres) PG_URL="$2"; shift ;;
        --duration) DURATION="$2"; shift ;;
        --connections) CONNECTIONS="$2"; shift ;;
        --binary) BIN=$(realpath "$2"); shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "bench needs $tool (Debian: apt-get install $tool)" >&2; exit 2; }
done

cd "$(dirname "$0")/.."
if [ -z "$BIN" ]; then
    cargo build --release --quiet
    BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/iam-groups
fi
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    if [ -n "${BENCH_DB:-}" ]; then psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB" >/dev/null 2>&1 || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
if [ -n "$PG_URL" ]; then
    BENCH_DB="iam_bench_$$"
    psql -q "$PG_URL" -c "CREATE DATABASE $BENCH_DB" >/dev/null
    DB_URL="${PG_URL%/*}/$BENCH_DB"
    BACKEND="PostgreSQL"
else
    DB_URL="sqlite://$WORK/iam.sqlite"
    BACKEND="SQLite"
fi

SERVER_ENV=(IAM_GROUPS_ENV=production IAM_GROUPS_BIND="127.0.0.1:$PORT" IAM_GROUPS_DATABASE_URL="$DB_URL"
    IAM_GROUPS_TOKEN_KEY_FILE="$WORK/token.key" IAM_GROUPS_ADMIN_PASSWORD=bench-admin-password
    IAM_GROUPS_CONFIG_DIR="$PWD/config" RUST_LOG=error)

seed_scale() {
    echo "seeding at scale: 1,000,000 groups, 200,000 users, 5,000,000 memberships" >&2
    START=$(date +%s)
    if [ -n "$PG_URL" ]; then
        psql -q -v ON_ERROR_STOP=1 "$DB_URL" <<'EOF'
INSERT INTO "groups" (id, name, domain_id, description, extra, create_time)
    SELECT md5('g' || n), 'scale-group-' || n, 'default', '', '{}', 1795000000000 + n
    FROM generate_series(1, 1000000) AS n;
INSERT INTO users (id, name, domain_id, enabled, description, extra, created_at)
    SELECT md5('u' || n), 'scale-user-' || n, 'default', TRUE, '', '{}', 1795000000000
    FROM generate_series(1, 200000) AS n;
INSERT INTO user_group_membership (user_id, group_id)
    SELECT md5('u' || u), md5('g' || (((u * 25 + k) % 1000000) + 1))
    FROM generate_series(1, 200000) AS u, generate_series(0, 24) AS k;
-- VACUUM sets the visibility map, without which no scan is index-only until autovacuum
-- gets to these tables.
VACUUM ANALYZE;
EOF
    else
        command -v sqlite3 >/dev/null || { echo "--scale on SQLite needs sqlite3" >&2; exit 2; }
        # The PRAGMAs echo their values; only the timing belongs in the output.
        sqlite3 "$WORK/iam.sqlite" >/dev/null <<'EOF'
PRAGMA busy_timeout = 60000;
PRAGMA journal_mode = DELETE;
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
INSERT INTO "groups" (id, name, domain_id, description, extra, create_time)
    SELECT lower(hex(randomblob(16))), 'scale-group-' || i, 'default', '', '{}', 1795000000000 + i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
INSERT INTO users (id, name, domain_id, enabled, description, extra, created_at)
    SELECT lower(hex(randomblob(16))), 'scale-user-' || i, 'default', 1, '', '{}', 1795000000000 FROM n;
CREATE TEMP TABLE g AS SELECT row_number() OVER (ORDER BY rowid) AS n, id FROM "groups" WHERE name LIKE 'scale-group-%';
CREATE UNIQUE INDEX temp.g_n ON g (n);
CREATE TEMP TABLE u AS SELECT row_number() OVER (ORDER BY rowid) AS n, id FROM users WHERE name LIKE 'scale-user-%';
WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 24)
INSERT INTO user_group_membership (user_id, group_id)
    SELECT u.id, g.id FROM u, k JOIN g ON g.n = ((u.n * 25 + k.j) % 1000000) + 1;
COMMIT;
ANALYZE;
EOF
    fi
    echo "seeded in $(( $(date +%s) - START ))s" >&2
}


# start_server PORT [ENV...]: an instance on the bench database; sets SERVER_PID.
start_server() {
    local port=$1; shift
    env "${SERVER_ENV[@]}" IAM_GROUPS_BIND="127.0.0.1:$port" "$@" "$BIN" >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/v3" >/dev/null && break; sleep 0.1; done
}
stop_server() {
    kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

if [ "$SCALE" = 1 ]; then
    # Seed before the server serves: the schema and the bootstrap (the default domain the
    # seeded rows belong to, which PostgreSQL's foreign keys require) from one start, then
    # plain SQL with no server holding the database open.
    start_server "$PORT"
    stop_server
    seed_scale
fi

# Argon2id at the shipped default cost (19 MiB, 2 passes, 1 lane): row 7 measures it.
start_server "$PORT"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
TOKEN=$(curl -si -X POST "$BASE/v3/auth/tokens" -H 'Content-Type: application/json' \
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"bench-admin-password"}}}}}' \
    | awk 'tolower($1) == "x-subject-token:" {print $2}' | tr -d '\r')
post() { curl -sf -X POST "$BASE$1" -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' -d "$2"; }

echo "seeding: 100 groups, a user in 20 of them" >&2
GROUP_IDS=()
for i in $(seq -w 1 100); do
    GROUP_IDS+=("$(post /v3/groups "{\"group\":{\"name\":\"bench-$i\",\"description\":\"Benchmark group $i\"}}" | json 'd["group"]["id"]')")
done
USER_ID=$(post /v3/users '{"user":{"name":"bench-user","password":"bench-user-password"}}' | json 'd["user"]["id"]')
for g in "${GROUP_IDS[@]:0:20}"; do
    curl -sf -X PUT "$BASE/v3/groups/$g/users/$USER_ID" -H "X-Auth-Token: $TOKEN" >/dev/null
done
MEMBER_GROUP=${GROUP_IDS[0]}

# seed_groups FROM TO: groups bench-FROM..bench-TO over one kept-alive connection.
seed_groups() {
    python3 - "$PORT" "$TOKEN" "$1" "$2" <<'PY'
import http.client, json, sys
port, token, first, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", int(port))
for i in range(first, last + 1):
    body = json.dumps({"group": {"name": f"bench-{i:04d}", "description": f"Benchmark group {i}"}})
    conn.request("POST", "/v3/groups", body, {"X-Auth-Token": token, "Content-Type": "application/json"})
    resp = conn.getresponse()
    resp.read()
    if resp.status != 201:
        sys.exit(f"seeding group {i}: HTTP {resp.status}")
PY
}

cat >"$WORK/create_group.lua" <<EOF
-- Each wrk thread gets its own number, so names never repeat across threads.
local threads = 0
setup = function(thread)
    threads = threads + 1
    thread:set("id", threads)
end
counter = 0
request = function()
    counter = counter + 1
    local name = string.format("load-%d-%d", id, counter)
    return wrk.format("POST", "/v3/groups", {["X-Auth-Token"] = "$TOKEN", ["Content-Type"] = "application/json"},
        '{"group":{"name":"' .. name .. '"}}')
end
EOF
cat >"$WORK/login.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"bench-user","domain":{"id":"default"},"password":"bench-user-password"}}},"scope":"unscoped"}}'
EOF
cat >"$WORK/head.lua" <<'EOF'
wrk.method = "HEAD"
EOF
# mix_lua EVERY: one POST /v3/groups (a unique name) in every EVERY requests, the others
# GET /v3/groups: EVERY=20 is the 95/5 mix, EVERY=5 the 80/20 one.
mix_lua() {
    cat <<EOF
local threads = 0
setup = function(thread)
    threads = threads + 1
    thread:set("id", threads)
end
counter = 0
request = function()
    counter = counter + 1
    if counter % $1 == 0 then
        local name = string.format("mix$1-%d-%d", id, counter)
        return wrk.format("POST", "/v3/groups", {["X-Auth-Token"] = "$TOKEN", ["Content-Type"] = "application/json"},
            '{"group":{"name":"' .. name .. '"}}')
    end
    return wrk.format("GET", "/v3/groups", {["X-Auth-Token"] = "$TOKEN"})
end
EOF
}
mix_lua 20 >"$WORK/mix95.lua"
mix_lua 5 >"$WORK/mix80.lua"

# run LABEL PATH [wrk args...]: prints "label|req/s|p50|p99|non-2xx"
run() {
    local label=$1 path=$2; shift 2
    local out
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$BASE$path")
    local rps p50 p99 errors
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$out")
    echo "$label|$rps|$p50|$p99|${errors:-0}"
}

AUTH=(-H "X-Auth-Token: $TOKEN")

table() {
    local base_rps=""
    echo "| row | req/s | p50 | p99 | ratio to row 1 | non-2xx |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for row in "$@"; do
        IFS='|' read -r label rps p50 p99 errors <<<"$row"
        [ -z "$base_rps" ] && base_rps=$rps
        ratio=$(python3 -c "print(f'{float($rps)/float($base_rps):.3f}')")
        echo "| $label | $rps | $p50 | $p99 | $ratio | $errors |"
    done
}

if [ "$SCALE" = 0 ]; then
ROWS=()
echo "running rows (each $DURATION, $CONNECTIONS connections)" >&2
ROWS+=("$(run '1 GET / (version document)' /)")
ROWS+=("$(run '2 GET /v3/auth/tokens (validation)' /v3/auth/tokens "${AUTH[@]}" -H "X-Subject-Token: $TOKEN")")
ROWS+=("$(run '3 GET /v3/groups (100 groups)' /v3/groups "${AUTH[@]}")")
ROWS+=("$(run '4 GET /v3/users/{id}/groups (20 groups)' "/v3/users/$USER_ID/groups" "${AUTH[@]}")")
ROWS+=("$(run '5 HEAD /v3/groups/{g}/users/{u}' "/v3/groups/$MEMBER_GROUP/users/$USER_ID" "${AUTH[@]}" -s "$WORK/head.lua")")
# The page of 1,000 that --scale takes out of a million, here out of 1,000 groups: the
# same ratio in both tables shows that a page's cost does not grow with the data.
seed_groups 101 1000
ROWS+=("$(run '3p GET /v3/groups?limit=1000 (all of 1000 groups)' '/v3/groups?limit=1000' "${AUTH[@]}")")
ROWS+=("$(run '6 POST /v3/groups (unique names)' /v3/groups -s "$WORK/create_group.lua")")
ROWS+=("$(run '6m 95% GET /v3/groups, 5% POST /v3/groups' /v3/groups -s "$WORK/mix95.lua")")
ROWS+=("$(run '6n 80% GET /v3/groups, 20% POST /v3/groups' /v3/groups -s "$WORK/mix80.lua")")
# Membership adds alone: 200 users (no password, so no hashing) times the 100 groups,
# a new pair on each request until all 20,000 are made (then idempotent re-adds).
MEMBER_IDS=$(python3 - "$PORT" "$TOKEN" <<'PY'
import http.client, json, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
ids = []
for i in range(200):
    conn.request("POST", "/v3/users", json.dumps({"user": {"name": f"bench-member-{i}"}}),
                 {"X-Auth-Token": sys.argv[2], "Content-Type": "application/json"})
    ids.append(json.loads(conn.getresponse().read())["user"]["id"])
print(",".join(f'"{i}"' for i in ids))
PY
)
cat >"$WORK/member_add.lua" <<EOF
local groups = {$(printf '"%s",' "${GROUP_IDS[@]}")}
local users = {$MEMBER_IDS}
local threads = 0
setup = function(thread)
    threads = threads + 1
    thread:set("id", threads)
end
counter = 0
request = function()
    counter = counter + 1
    local n = counter * $THREADS + id
    local g = groups[n % #groups + 1]
    local u = users[math.floor(n / #groups) % #users + 1]
    return wrk.format("PUT", "/v3/groups/" .. g .. "/users/" .. u, {["X-Auth-Token"] = "$TOKEN"})
end
EOF
ROWS+=("$(run '6a PUT /v3/groups/{g}/users/{u} (membership adds)' / -s "$WORK/member_add.lua")")
ROWS+=("$(run '7 POST /v3/auth/tokens (password, argon2id 19 MiB/2)' /v3/auth/tokens -s "$WORK/login.lua")")

echo
echo "## $BACKEND, $(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
echo
table "${ROWS[@]}"
echo
echo "peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$SERVER_PID/status)"

# The read rows again with every cache off: what each request costs when nothing is
# answered from memory. GET / is measured again in this pass, for its ratios.
stop_server
start_server "$PORT" IAM_GROUPS_TOKEN_CACHE_TTL_MS=0
OFF=()
OFF+=("$(run '1 GET / (version document)' /)")
OFF+=("$(run '2 GET /v3/auth/tokens (validation), caches off' /v3/auth/tokens "${AUTH[@]}" -H "X-Subject-Token: $TOKEN")")
OFF+=("$(run '3 GET /v3/groups?limit=100, caches off' '/v3/groups?limit=100' "${AUTH[@]}")")
OFF+=("$(run '4 GET /v3/users/{id}/groups (20 groups), caches off' "/v3/users/$USER_ID/groups" "${AUTH[@]}")")
OFF+=("$(run '5 HEAD /v3/groups/{g}/users/{u}, caches off' "/v3/groups/$MEMBER_GROUP/users/$USER_ID" "${AUTH[@]}" -s "$WORK/head.lua")")
echo
echo "## $BACKEND, caches off (IAM_GROUPS_TOKEN_CACHE_TTL_MS=0)"
echo
table "${OFF[@]}"
stop_server
start_server "$PORT"

if [ -n "$PG_URL" ]; then
    # A second instance on the same database and key file, caches on (the defaults).
    FIRST_PID=$SERVER_PID
    PORT_B=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    start_server "$PORT_B"
    echo
    echo "## $BACKEND, cross-instance staleness (two instances, one database, caches on)"
    echo
    python3 bench/staleness.py "$PORT" "$PORT_B" "$TOKEN" 20
    stop_server
    SERVER_PID=$FIRST_PID
fi
fi

if [ "$SCALE" = 1 ]; then
    SCALE_USER=$(curl -sf "$BASE/v3/users?name=scale-user-100000" "${AUTH[@]}" | json 'd["users"][0]["id"]')
    SCALE_GROUP=$(curl -sf "$BASE/v3/users/$SCALE_USER/groups" "${AUTH[@]}" | json 'd["groups"][0]["id"]')
    MID_MARKER=$(curl -sf "$BASE/v3/groups?name=scale-group-500000" "${AUTH[@]}" | json 'd["groups"][0]["id"]')
    SCALED=()
    SCALED+=("$(run '1 GET / (version document)' /)")
    SCALED+=("$(run '3a GET /v3/groups?limit=100 (first page of 1M)' '/v3/groups?limit=100' "${AUTH[@]}")")
    SCALED+=("$(run '3p GET /v3/groups?limit=1000&marker=(middle of 1M)' "/v3/groups?limit=1000&marker=$MID_MARKER" "${AUTH[@]}")")
    # A different page of 1,000 on every request (5,000 markers in turn): read from the
    # database and rendered each time, the cost a client walking the list pays.
    curl -sf "$BASE/v3/groups?limit=1000&marker=$MID_MARKER" "${AUTH[@]}" >/dev/null
    python3 - "$PORT" "$TOKEN" "$MID_MARKER" >"$WORK/markers.lua" <<'PY'
import http.client, json, sys
port, token, marker = sys.argv[1], sys.argv[2], sys.argv[3]
conn = http.client.HTTPConnection("127.0.0.1", int(port))
markers = []
for _ in range(5):
    conn.request("GET", f"/v3/groups?limit=1000&marker={marker}", headers={"X-Auth-Token": token})
    groups = json.loads(conn.getresponse().read())["groups"]
    markers += [g["id"] for g in groups]
    marker = markers[-1]
print("local markers = {" + ",".join(f'"{m}"' for m in markers) + "}")
print("local i = 0")
print("request = function()")
print("    i = i % #markers + 1")
print('    return wrk.format("GET", "/v3/groups?limit=1000&marker=" .. markers[i])')
print("end")
PY
    SCALED+=("$(run '3q GET /v3/groups?limit=1000&marker=(a new one each request)' / "${AUTH[@]}" -s "$WORK/markers.lua")")
    SCALED+=("$(run '3c GET /v3/groups?name=scale-group-777777' '/v3/groups?name=scale-group-777777' "${AUTH[@]}")")
    SCALED+=("$(run '4 GET /v3/users/{id}/groups (25 of 1M)' "/v3/users/$SCALE_USER/groups" "${AUTH[@]}")")
    SCALED+=("$(run '4b GET /v3/groups/{g}/users?limit=100' "/v3/groups/$SCALE_GROUP/users?limit=100" "${AUTH[@]}")")
    SCALED+=("$(run '5 HEAD /v3/groups/{g}/users/{u}' "/v3/groups/$SCALE_GROUP/users/$SCALE_USER" "${AUTH[@]}" -s "$WORK/head.lua")")
    echo
    echo "## $BACKEND at scale (1M groups, 200k users, 5M memberships)"
    echo
    table "${SCALED[@]}"
    echo
    echo "peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$SERVER_PID/status)"
fi
