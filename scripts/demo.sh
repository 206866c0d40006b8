#!/usr/bin/env bash
# `make run`: the main job. Builds a small sample directory (MsraMiner traces, the EICAR test
# file made at run time, a clean file) and scans it with the bundled signatures; shows this
# host's inventory (OS, network endpoints), hunts it for MsraMiner and audits its hardening;
# then builds the incident capture and tells its story from the network alone (otguard nba).
set -euo pipefail
build=${1:-build}
root="$(cd "$(dirname "$0")/.." && pwd)"
otguard="$build/apps/otguard/otguard"
"$otguard" --version
bash "$root/scripts/make-samples.sh" "$build/samples" >/dev/null
echo "== otguard scan --all-matches $build/samples (bundled signatures: data/sigs)"
rc=0
"$otguard" scan --all-matches "$build/samples" || rc=$?
# 1 means something was found, which is what the samples are for.
if ((rc != 1)); then
  echo "== unexpected exit code $rc" >&2
  exit 1
fi
echo "== detections found, as expected (exit code 1)"
echo
echo "== otguard inventory --only os,sockets: what this host is and what listens on it"
"$otguard" inventory --only os,sockets
echo
echo "== otguard hunt: this host against the built-in MsraMiner pack (0 clean, 1 findings)"
rc=0
"$otguard" hunt || rc=$?
if ((rc == 2)); then
  echo "== the hunt could not look everywhere (exit code 2; see above)"
fi
echo
echo "== otguard audit: this host's hardening (failing and unknown checks)"
"$otguard" audit || true

# The network side: the incident capture (the real WannaCry capture on a plant layout, with the
# MsraMiner download on 26931, the pool lookup and Stratum on 45560, among normal SCADA traffic).
mkdir -p "$build/incident"
/usr/bin/python3 "$root/scripts/make-incident-pcap.py" --pcaps "$root/tests/data/pcaps" \
  --out "$build/incident/incident.pcap" --normal "$build/incident/day-before.pcap" >/dev/null
echo
echo "== otguard nba learn: the control network's normal traffic of the day before"
"$otguard" nba learn --out "$build/incident/plant.baseline" "$build/incident/day-before.pcap"
echo
echo "== otguard nba analyze --baseline ... $build/incident/incident.pcap"
echo "   (plant layout: tests/integration/nba_incident_layout.json)"
rc=0
"$otguard" nba analyze --baseline "$build/incident/plant.baseline" \
  --assets "$root/tests/integration/nba_incident_layout.json" "$build/incident/incident.pcap" || rc=$?
if ((rc != 1)); then
  echo "== unexpected exit code $rc" >&2
  exit 1
fi
"$otguard" nba graph --assets "$root/tests/integration/nba_incident_layout.json" \
  --dot "$build/incident/propagation.dot" "$build/incident/incident.pcap"
echo "== propagation graph: $build/incident/propagation.dot (dot -Tsvg to draw it)"
