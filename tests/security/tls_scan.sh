#!/usr/bin/env bash
# Scans a running enlace-hub's TLS port with testssl.sh (Debian 12's testssl.sh 3.0.8) and saves
# the report. Not part of CI (it takes minutes and needs the testssl.sh package); run it after a
# change to the hub's TLS set-up (net/tls.h) and keep the report it writes.
#
#   tests/security/tls_scan.sh [--bin DIR] [--out DIR]
#
#   --bin DIR   the programs (default build/bin: enlace-admin, enlace-hub, enlace-node, enlace,
#               enlace-audit; cmake --build build)
#   --out DIR   where the report goes (default docs/tls-scan): hub-<date>.txt (the full log),
#               hub-<date>.json (testssl's findings), hub-<date>-summary.txt (counts by severity
#               and every finding above INFO)
#
# What it does: makes a throwaway network with enlace-admin in a temporary folder (root CA with a
# CRL distribution point on 127.0.0.1, hub, node/MX, and node/GT revoked so that the CRL lists a
# serial), issues the network's CRL and serves it over HTTP on 127.0.0.1 (python3 http.server),
# starts enlace-hub on 127.0.0.1 with a fresh port, runs testssl.sh against it as "localhost" (a
# name on the hub's certificate) with the network root as an extra trusted CA (--add-ca:
# participants trust only that root, not the system's) and --phone-out (testssl fetches the CRL
# from the hub certificate's distribution point and checks the certificate against it), stops
# the hub and the HTTP server and deletes the folder. The hub demands a client certificate; testssl.sh 3.0.8 has no option to present one
# (--mtls came in 3.2), so it probes everything up to the server's CertificateRequest (protocols,
# cipher suites, key exchange groups, the server certificate, handshake-level vulnerabilities) and
# reports the checks that need a completed handshake as not tested (see docs/security.md).
#
# Exits non-zero if testssl.sh reports any finding above LOW (MEDIUM, HIGH or CRITICAL), if the
# CRL check did not report "not revoked", or if testssl.sh fails.
# Installs testssl.sh with apt-get when it is missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=build/bin
out=docs/tls-scan
while [[ $# -gt 0 ]]; do
  case $1 in
    --bin) bin=${2:?--bin needs a folder}; shift 2 ;;
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "tls_scan.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if ! command -v testssl >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "tls_scan.sh: testssl.sh is missing: apt-get install testssl.sh (as root)" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends testssl.sh
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/enlace-tls-scan.XXXXXX")
# shellcheck source=deploy/lib/network.sh
source deploy/lib/network.sh
crl_server=
cleanup() {
  net_stop_all >/dev/null 2>&1 || true
  [[ -n $crl_server ]] && kill "$crl_server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The CRL's web server first: its port goes into the network's certificates.
mkdir -p "$work/www"
python3 - "$work/www" "$work/crl-port" <<'PY' >"$work/http.log" 2>&1 &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
PY
crl_server=$!
for _ in $(seq 100); do [[ -s $work/crl-port ]] && break; sleep 0.1; done
[[ -s $work/crl-port ]] || { echo "tls_scan: the CRL's HTTP server did not start" >&2; cat "$work/http.log" >&2; exit 1; }
crl_url=http://127.0.0.1:$(cat "$work/crl-port")/crm.crl

# The network with a CRL distribution point, and a revoked node for the CRL to list.
net_setup "$work/net" "$bin"
NET_INIT_OPTIONS=(--crl-url "$crl_url")
net_create node/MX node/GT
admin() { "$NET_BIN/enlace-admin" "${NET_ADMIN[@]}" "$@" >>"$NET_DIR/admin.log" 2>&1 ||
            { echo "tls_scan: enlace-admin $1 failed:" >&2; tail -5 "$NET_DIR/admin.log" >&2; exit 1; }; }
admin revoke node/GT --reason "tls_scan: a revoked certificate for the CRL to list"
admin directory publish
admin crl issue
cp "$NET_WS/crl/current.crl" "$work/www/crm.crl"
# Control: the served CRL verifies under the root, lists node/GT and not the hub (as testssl and
# `openssl verify -crl_check` will read it).
curl -sf -o "$work/crl.der" "$crl_url" || { echo "tls_scan: $crl_url is not served" >&2; exit 1; }
openssl crl -inform DER -in "$work/crl.der" -out "$work/crl.pem"
crl_check() { openssl verify -crl_check -CAfile "$NET_WS/ca/root.pem" -CRLfile "$work/crl.pem" \
                "$NET_WS/bundles/$1/tls.pem" 2>&1; }
crl_check hub >/dev/null || { echo "tls_scan: the CRL refuses the hub:" >&2; crl_check hub >&2; exit 1; }
gt=$(crl_check node-GT || true)
if [[ $gt != *"certificate revoked"* ]]; then
  echo "tls_scan: the CRL does not list the revoked node/GT: $gt" >&2; exit 1
fi
echo "tls_scan: the network's CRL is served at $crl_url (it lists node/GT, not the hub)"
net_start_hub
port=${NET_HUB_ADDRESS##*:}
echo "tls_scan: enlace-hub serves mutual TLS on 127.0.0.1:$port"

mkdir -p "$out"
stamp=$(date -u +%Y-%m-%d)
report=$out/hub-$stamp
rm -f "$report.txt" "$report.json"
start=$SECONDS
rc=0
testssl --quiet --color 0 --warnings off --ip 127.0.0.1 --phone-out \
  --add-ca "$NET_WS/bundles/hub/root.pem" \
  --logfile "$report.txt" --jsonfile "$report.json" "localhost:$port" >/dev/null || rc=$?
echo "tls_scan: testssl.sh took $((SECONDS - start)) s (exit status $rc)"
[[ -s $report.json ]] || { echo "tls_scan: testssl.sh wrote no findings ($report.json)" >&2; exit 1; }
# The log names the temporary folder and the port of this run only: keep it readable.
sed -i "s|$work|<tmp>|g" "$report.txt" "$report.json"

python3 - "$report.json" "$report-summary.txt" "$rc" <<'PY'
import collections, json, sys
findings = json.load(open(sys.argv[1]))
order = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "WARN", "INFO", "OK", "DEBUG"]
counts = collections.Counter(f.get("severity", "?") for f in findings)
lines = ["testssl.sh 3.0.8 --phone-out against enlace-hub (mutual TLS, no client certificate "
         "presented; the network's CRL served on 127.0.0.1)",
         "findings by severity: " + ", ".join(f"{s} {counts[s]}" for s in order if counts[s]),
         f"testssl.sh exit status: {sys.argv[3]}", ""]
above_low = 0
for f in findings:
    if f.get("severity") in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "WARN"):
        above_low += f["severity"] in ("CRITICAL", "HIGH", "MEDIUM")
        lines.append(f'{f["severity"]:8} {f["id"]}: {f["finding"]}')
# The CRL must have been fetched and checked, not skipped.
crl = [f for f in findings if f["id"] == "cert_crlDistributionPoints"]
revocation = [f for f in findings if f["id"] == "cert_crlRevoked"]
crl_checked = revocation and revocation[0]["finding"] == "not revoked"
lines.append("")
lines.append("CRL: " + (crl[0]["finding"] if crl else "no distribution point found") + ": " +
             (revocation[0]["finding"] if revocation else "not checked"))
lines.append(f"RESULT: {above_low} findings above LOW" +
             ("" if crl_checked else "; the CRL check did not say \"not revoked\""))
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(1 if above_low or not crl_checked else 0)
PY
