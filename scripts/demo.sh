#!/usr/bin/env bash
# `make run`: the main job. First the incident, from the network alone: the incident capture (the
# real WannaCry capture on a plant layout, with the MsraMiner download on 26931, the pool lookup
# and Stratum on 45560, among normal SCADA traffic) against a baseline of the day before, told as
# a story by otguard nba. Then this host: a scan of a small sample directory (MsraMiner traces, the
# EICAR test file made at run time, a clean file) with the bundled signatures, its inventory (OS,
# network endpoints), a hunt for MsraMiner and an audit of its hardening.
set -euo pipefail
build=${1:-build}
root="$(cd "$(dirname "$0")/.." && pwd)"
otguard="$build/apps/otguard/otguard"
layout="$root/tests/integration/nba_incident_layout.json"
incident="$build/incident"
"$otguard" --version

mkdir -p "$incident"
if ! /usr/bin/python3 "$root/scripts/make-incident-pcap.py" --pcaps "$root/tests/data/pcaps" \
  --out "$incident/incident.pcap" --normal "$incident/day-before.pcap" >"$incident/make.log" 2>&1; then
  cat "$incident/make.log" >&2
  exit 1
fi
echo
echo "== otguard nba learn: the control network's normal traffic of the day before"
"$otguard" nba learn --out "$incident/plant.baseline" "$incident/day-before.pcap"
echo
echo "== otguard nba analyze: the incident capture against that baseline, with the plant's host"
echo "   names (tests/integration/nba_incident_layout.json)"
rc=0
"$otguard" nba analyze --baseline "$incident/plant.baseline" --assets "$layout" \
  "$incident/incident.pcap" || rc=$?
# 1 means alerts, which is what the incident is for.
if ((rc != 1)); then
  echo "== unexpected exit code $rc" >&2
  exit 1
fi
"$otguard" nba graph --assets "$layout" --dot "$incident/propagation.dot" "$incident/incident.pcap"
echo "== propagation graph: $incident/propagation.dot (dot -Tsvg to draw it)"

echo
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
