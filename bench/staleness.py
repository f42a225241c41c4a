#!/usr/bin/env python3
"""Cross-instance staleness: milliseconds from a write acknowledged by instance A to the
change being visible on instance B, which had the old answer cached. Polls B every
millisecond; prints one markdown row per kind with p50 and p99 over TRIALS trials.

    staleness.py PORT_A PORT_B ADMIN_TOKEN [TRIALS]
"""
import http.client
import json
import sys
import time

port_a, port_b, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
trials = int(sys.argv[4]) if len(sys.argv) > 4 else 20
a = http.client.HTTPConnection("127.0.0.1", port_a)
b = http.client.HTTPConnection("127.0.0.1", port_b)


def call(conn, method, path, body=None, tok=token, headers=None):
    h = {"X-Auth-Token": tok, "Content-Type": "application/json"}
    h.update(headers or {})
    conn.request(method, path, json.dumps(body) if body is not None else None, h)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, (json.loads(data) if data else None)


def until(check, limit_s=5.0):
    """Milliseconds until check() holds, polling B every millisecond."""
    start = time.perf_counter()
    while not check():
        if time.perf_counter() - start > limit_s:
            return float("inf")
        time.sleep(0.001)
    return (time.perf_counter() - start) * 1000


def login(name, password):
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": name, "domain": {"id": "default"}, "password": password}}}, "scope": "unscoped"}}
    a.request("POST", "/v3/auth/tokens", json.dumps(body), {"Content-Type": "application/json"})
    resp = a.getresponse()
    resp.read()
    return resp.getheader("X-Subject-Token")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


results = {"a new group, in a list B had cached": [],
           "a new membership, in a check B had made": [],
           "a disabled user, whose token B had cached": []}
_, user = call(a, "POST", "/v3/users", {"user": {"name": "stale-user", "password": "stale-user-pw-1"}})
uid = user["user"]["id"]
for i in range(trials):
    # A group list B has cached (asked twice: the second is from its cache).
    path = f"/v3/groups?name=stale-{i}"
    call(b, "GET", path)
    call(b, "GET", path)
    call(a, "POST", "/v3/groups", {"group": {"name": f"stale-{i}"}})
    gid = None

    def listed():
        global gid
        status, body = call(b, "GET", path)
        if status == 200 and body["groups"]:
            gid = body["groups"][0]["id"]
            return True
        return False
    results["a new group, in a list B had cached"].append(until(listed))

    check = f"/v3/groups/{gid}/users/{uid}"
    call(b, "HEAD", check)
    call(b, "HEAD", check)
    call(a, "PUT", check)
    results["a new membership, in a check B had made"].append(
        until(lambda: call(b, "HEAD", check)[0] == 204))

    user_token = login("stale-user", "stale-user-pw-1")
    me = f"/v3/users/{uid}"
    call(b, "GET", me, tok=user_token)
    call(b, "GET", me, tok=user_token)
    call(a, "PATCH", me, {"user": {"enabled": False}})
    results["a disabled user, whose token B had cached"].append(
        until(lambda: call(b, "GET", me, tok=user_token)[0] == 401))
    call(a, "PATCH", me, {"user": {"enabled": True}})

print(f"| change made on instance A ({trials} trials each) | seen on B, p50 | p99 |")
print("| --- | ---: | ---: |")
for label, values in results.items():
    print(f"| {label} | {pct(values, 50):.1f} ms | {pct(values, 99):.1f} ms |")
