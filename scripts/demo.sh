#!/usr/bin/env bash
# `make demo`: a broker, the hub, two simulated Modbus devices and two gateways' agents on this
# machine, wired together. Prints where to look, then runs until Ctrl-C, which stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/debug}
DEMO=${DEMO_DIR:-/tmp/outpost-demo}
BROKER_PORT=${DEMO_BROKER_PORT:-18830}
HTTP_PORT=${DEMO_HTTP_PORT:-8080}
export OUTPOST_HARDWARE_DIR="$PWD/hardware"

for port in "$BROKER_PORT" "$HTTP_PORT" 15020 15021; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "demo: port $port is in use; set DEMO_BROKER_PORT / DEMO_HTTP_PORT or stop what uses it" >&2
        exit 1
    fi
done

rm -rf "$DEMO" && mkdir -p "$DEMO/broker" "$DEMO/logs"
pids=()
stop() {
    echo
    echo "demo: stopping"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop EXIT INT TERM

cat >"$DEMO/broker/mosquitto.conf" <<CONF
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $DEMO/broker/
max_queued_messages 0
max_inflight_messages 0
user root
CONF
/usr/sbin/mosquitto -c "$DEMO/broker/mosquitto.conf" >"$DEMO/logs/mosquitto.log" 2>&1 &
pids+=($!)

cat >"$DEMO/hub.toml" <<CONF
[hub]
listen = "127.0.0.1:$HTTP_PORT"
data_dir = "$DEMO/hub"

[broker]
url = "mqtt://127.0.0.1:$BROKER_PORT"
client_id = "outpost-hub-demo"
CONF
# An admin for the dashboard, and a viewer token for curl.
DEMO_PASSWORD=${DEMO_PASSWORD:-outpost-demo}
echo "$DEMO_PASSWORD" | "$BIN/outpost-hub" user add --admin admin --password-stdin --config "$DEMO/hub.toml" >/dev/null
TOKEN=$("$BIN/outpost-hub" token add --name demo-curl --role viewer --config "$DEMO/hub.toml")

port=15020
for spec in "boiler-room:xy-md02" "main-meter:eastron-sdm630"; do
    gateway=${spec%%:*}
    profile=${spec##*:}
    "$BIN/outpost-sim" modbus --listen "127.0.0.1:$port" --profile "$profile" >"$DEMO/logs/sim-$gateway.log" 2>&1 &
    pids+=($!)
    mkdir -p "$DEMO/$gateway"
    "$BIN/outpostctl" keygen --gateway "$gateway" --out "$DEMO/$gateway" >/dev/null
    location=$([ "$gateway" = boiler-room ] && echo "--latitude 52.52 --longitude 13.40" || echo "--latitude 48.14 --longitude 11.58")
    # shellcheck disable=SC2086 # two options, split on purpose
    "$BIN/outpost-hub" enrol --config "$DEMO/hub.toml" --gateway "$gateway" \
        --public-key "$DEMO/$gateway/$gateway.pub" $location >/dev/null
    cat >"$DEMO/$gateway/agent.toml" <<CONF
[gateway]
id = "$gateway"
data_dir = "$DEMO/$gateway/data"

[uplink]
broker = "mqtt://127.0.0.1:$BROKER_PORT"
signing_key = "$DEMO/$gateway/$gateway.key"
batch_max_age = "5s"

[[modbus]]
name = "dev"
url = "tcp://127.0.0.1:$port"
profile = "$profile"
interval = "1s"
CONF
    port=$((port + 1))
done

"$BIN/outpost-hub" serve --config "$DEMO/hub.toml" >"$DEMO/logs/hub.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    grep -q "outpost-hub listening" "$DEMO/logs/hub.log" 2>/dev/null && break
    sleep 0.1  # waiting for a child process to come up, not a test
done
for gateway in boiler-room main-meter; do
    "$BIN/outpost-agent" run --config "$DEMO/$gateway/agent.toml" >"$DEMO/logs/agent-$gateway.log" 2>&1 &
    pids+=($!)
done

cat <<TEXT

Outpost demo is running (logs in $DEMO/logs):
  dashboard   http://127.0.0.1:$HTTP_PORT/   user admin, password $DEMO_PASSWORD
  broker      mqtt://127.0.0.1:$BROKER_PORT
  hub API     curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$HTTP_PORT/api/v1/gateways
              (described in openapi.yaml; also /api/v1/gateways/boiler-room/latest, /api/v1/alerts)
  metrics     http://127.0.0.1:$HTTP_PORT/metrics
  agents      $BIN/outpost-agent status --config $DEMO/boiler-room/agent.toml

Press Ctrl-C to stop.
TEXT
wait
