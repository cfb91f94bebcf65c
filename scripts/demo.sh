#!/usr/bin/env bash
# `make demo`: a whole Outpost installation on this machine, made the documented way. A fleet CA
# (`outpostctl ca init`), a Mosquitto configured only from `outpostctl broker-config` (TLS, client
# certificates, per-gateway ACL), `outpost-hub serve`, three simulated devices of different real
# profiles with scripted faults, and three gateways provisioned with `outpostctl provision` and
# enrolled with `outpostctl enroll`. Each device's last hour (`outpost-sim history`) is imported
# first (`outpost-hub import`), so the detectors judge from the first live reading and each
# scripted fault raises its alert, and resolves it, within the first minutes. One gateway's link
# is cut for a minute every four minutes, so its backlog builds and drains. Prints the dashboard's address and credentials; Ctrl-C stops
# every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/debug}
DEMO=${DEMO_DIR:-/tmp/outpost-demo}
BROKER_PORT=${DEMO_BROKER_PORT:-18830}
LINK_PORT=${DEMO_LINK_PORT:-18831}
HTTP_PORT=${DEMO_HTTP_PORT:-8080}
DEVICE_PORT=${DEMO_DEVICE_PORT:-15020}
DEMO_PASSWORD=${DEMO_PASSWORD:-outpost-demo}
LINK_UP=${DEMO_LINK_UP:-180}      # seconds flow-meter's link stays up...
LINK_DOWN=${DEMO_LINK_DOWN:-60}   # ...and down
export OUTPOST_HARDWARE_DIR="$PWD/hardware"

for port in "$BROKER_PORT" "$LINK_PORT" "$HTTP_PORT" "$DEVICE_PORT" $((DEVICE_PORT + 1)) $((DEVICE_PORT + 2)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "demo: port $port is in use; set DEMO_BROKER_PORT, DEMO_LINK_PORT, DEMO_HTTP_PORT or DEMO_DEVICE_PORT" >&2
        exit 1
    fi
done

rm -rf "$DEMO" && mkdir -p "$DEMO/logs"
pids=()
link_pid=""
stopped=0
stop() {
    [ "$stopped" = 1 ] && return
    stopped=1
    echo
    echo "demo: stopping"
    [ -n "$link_pid" ] && { kill -TERM "$link_pid" 2>/dev/null || true; }  # may be gone: the cutter replaces it
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    pkill -TERM -f "socat TCP-LISTEN:$LINK_PORT" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap stop EXIT INT TERM
wait_for() {  # wait_for FILE TEXT: a child process says it is ready (not a test: a start-up wait)
    for _ in $(seq 200); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "demo: $1 never said '$2'" >&2
    exit 1
}

# The fleet CA and the broker, from outpostctl only.
"$BIN/outpostctl" ca init --dir "$DEMO/ca" >/dev/null
"$BIN/outpostctl" broker-config --ca "$DEMO/ca" --host 127.0.0.1 --host localhost --port "$BROKER_PORT" \
    --bind 127.0.0.1 --out "$DEMO/broker" --install-dir "$DEMO/broker" >/dev/null
{
    [ "$(id -u)" = 0 ] && echo "user root"   # keep reading the 0600 keys when started as root
    echo "persistence true"
    echo "persistence_location $DEMO/broker-data/"
    echo "max_queued_messages 0"
    echo "log_dest stderr"
    echo "include_dir $DEMO/broker"
} >"$DEMO/mosquitto.conf"
mkdir -p "$DEMO/broker-data"
/usr/sbin/mosquitto -c "$DEMO/mosquitto.conf" >"$DEMO/logs/mosquitto.log" 2>&1 &
pids+=($!)

cat >"$DEMO/hub.toml" <<CONF
[hub]
listen = "127.0.0.1:$HTTP_PORT"
data_dir = "$DEMO/hub"
ca = "$DEMO/ca/ca.pem"

[broker]
url = "mqtts://127.0.0.1:$BROKER_PORT"
client_id = "outpost-hub-demo"
ca = "$DEMO/ca/ca.pem"
certificate = "$DEMO/broker/hub/outpost-hub.pem"
key = "$DEMO/broker/hub/outpost-hub.key"
fleet_key = "$DEMO/broker/hub/fleet-key.pem"

[detection]
learning_samples = 300

[alerts]
resolve_after = "2m"
CONF
echo "$DEMO_PASSWORD" | "$BIN/outpost-hub" user add --admin admin --password-stdin --config "$DEMO/hub.toml" >/dev/null
TOKEN=$("$BIN/outpost-hub" token add --name demo-provisioning --role admin --config "$DEMO/hub.toml")

# Three devices, each with a past and a script of faults, one point each, from two minutes on
# and four minutes apart: name, profile, faults (kind/point/duration/magnitude), broker port,
# map position.
SPECS=(
    "boiler-room:xy-md02:spike/temperature/5s/5,stuck/humidity/90s/0:$BROKER_PORT:52.52:13.40"
    "main-meter:eastron-sdm630:noise/current_l1/120s/3:$BROKER_PORT:48.14:11.58"
    "flow-meter:tuf-2000m:none/-/0s/0,step/flow_rate/90s/200:$LINK_PORT:50.94:6.96"
)
port=$DEVICE_PORT
for spec in "${SPECS[@]}"; do
    IFS=: read -r gateway profile faults _ <<<"$spec"
    mkdir -p "$DEMO/$gateway"
    : >"$DEMO/$gateway/scenario.toml"
    at=120
    for fault in ${faults//,/ }; do
        IFS=/ read -r kind point duration magnitude <<<"$fault"
        if [ "$kind" != none ]; then
            printf '[[fault]]\nkind = "%s"\npoint = "%s"\nat = "%ss"\nduration = "%s"\nmagnitude = %s\n\n' \
                "$kind" "$point" "$at" "$duration" "$magnitude" >>"$DEMO/$gateway/scenario.toml"
        fi
        at=$((at + 240))
    done
    "$BIN/outpost-sim" history --profile "$profile" --span 1h --out "$DEMO/$gateway/history" |
        while IFS=$'\t' read -r file series resolution unit; do
            args=(--gateway "$gateway" --series "$series" --config "$DEMO/hub.toml")
            [ "$resolution" != - ] && args+=(--resolution "$resolution")
            [ "$unit" != - ] && args+=(--unit "$unit")
            "$BIN/outpost-hub" import "${args[@]}" "$file" >/dev/null
        done
    "$BIN/outpost-sim" modbus --listen "127.0.0.1:$port" --profile "$profile" \
        --scenario "$DEMO/$gateway/scenario.toml" >"$DEMO/logs/sim-$gateway.log" 2>&1 &
    pids+=($!)
    port=$((port + 1))
done
"$BIN/outpost-hub" serve --config "$DEMO/hub.toml" >"$DEMO/logs/hub.log" 2>&1 &
pids+=($!)
wait_for "$DEMO/logs/hub.log" "outpost-hub listening"

# The flaky link: flow-meter reaches the broker through this relay, cut now and then below.
socat "TCP-LISTEN:$LINK_PORT,fork,reuseaddr,bind=127.0.0.1" "TCP:127.0.0.1:$BROKER_PORT" 2>/dev/null &
link_pid=$!

# Three gateways, one per device.
port=$DEVICE_PORT
for spec in "${SPECS[@]}"; do
    IFS=: read -r gateway profile _ uplink latitude longitude <<<"$spec"
    printf '[[modbus]]\nname = "dev"\nurl = "tcp://127.0.0.1:%s"\nprofile = "%s"\ninterval = "1s"\n' "$port" "$profile" \
        >"$DEMO/$gateway/sources.toml"
    "$BIN/outpostctl" provision "$gateway" --ca "$DEMO/ca" --broker "mqtts://127.0.0.1:$uplink" \
        --sources "$DEMO/$gateway/sources.toml" --config-dir "$DEMO/$gateway/etc" --data-dir "$DEMO/$gateway/data" \
        --out "$DEMO/$gateway/etc" >/dev/null
    # Loopback is a fixed line: 10 s batches, so the charts and detectors follow within seconds
    # (the default, 5 minutes, is for metered links).
    sed -i 's/^\[uplink\]$/[uplink]\nbatch_max_age = "10s"/' "$DEMO/$gateway/etc/agent.toml"
    OUTPOST_TOKEN="$TOKEN" "$BIN/outpostctl" enroll "$gateway" --hub "http://127.0.0.1:$HTTP_PORT" \
        --cert "$DEMO/$gateway/etc/$gateway.pem" --latitude "$latitude" --longitude "$longitude" >/dev/null
    "$BIN/outpost-agent" run --config "$DEMO/$gateway/etc/agent.toml" >"$DEMO/logs/agent-$gateway.log" 2>&1 &
    pids+=($!)
    port=$((port + 1))
done

# Every four minutes, flow-meter's link is down for one.
(
    while sleep "$LINK_UP"; do
        kill -TERM "$link_pid" 2>/dev/null || true
        pkill -TERM -f "socat TCP-LISTEN:$LINK_PORT" 2>/dev/null || true
        echo "$(date +%T) link of flow-meter cut for $LINK_DOWN s" >>"$DEMO/logs/link.log"
        sleep "$LINK_DOWN"
        socat "TCP-LISTEN:$LINK_PORT,fork,reuseaddr,bind=127.0.0.1" "TCP:127.0.0.1:$BROKER_PORT" 2>/dev/null &
        link_pid=$!
        echo "$(date +%T) link of flow-meter back" >>"$DEMO/logs/link.log"
    done
) &
pids+=($!)

VIEWER=$("$BIN/outpost-hub" token add --name demo-curl --role viewer --config "$DEMO/hub.toml")
OPERATOR=$("$BIN/outpost-hub" token add --name demo-operator --role operator --config "$DEMO/hub.toml")
cat <<TEXT

Outpost demo is running (files and logs in $DEMO):
  dashboard   http://127.0.0.1:$HTTP_PORT/   user admin, password $DEMO_PASSWORD
  broker      mqtts://127.0.0.1:$BROKER_PORT (TLS, client certificates from $DEMO/ca)
  gateways    boiler-room (xy-md02: temperature spike at 2 min, humidity stuck at 6 min),
              main-meter (eastron-sdm630: current_l1 noisy from 2 min to 4 min),
              flow-meter (tuf-2000m: flow_rate step at 6 min;
              its link is cut for $LINK_DOWN s after every $LINK_UP s)
  alerts      each scripted fault raises one, which resolves 2 min after the fault ends
  API         curl -H "Authorization: Bearer $VIEWER" http://127.0.0.1:$HTTP_PORT/api/v1/gateways
  fleet       OUTPOST_TOKEN=$VIEWER $BIN/outpostctl fleet --hub http://127.0.0.1:$HTTP_PORT
  diagnose    OUTPOST_TOKEN=$OPERATOR $BIN/outpostctl diagnose boiler-room probe --device dev --hub http://127.0.0.1:$HTTP_PORT
              (configurations and rollouts: the gateway and Rollouts pages, docs/fleet.md)
  metrics     curl -H "Authorization: Bearer $VIEWER" http://127.0.0.1:$HTTP_PORT/metrics

Press Ctrl-C to stop.
TEXT
wait
