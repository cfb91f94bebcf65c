"""Queries an Outpost hub's Prometheus API with prometheus-api-client (PyPI), a client nobody
here wrote, and prints what it got as one JSON object for the Swift test to compare.

usage: prometheus_client_check.py URL TOKEN START_SECONDS
"""
import json
import sys
from datetime import datetime, timezone

from prometheus_api_client import PrometheusConnect

url, token, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
prom = PrometheusConnect(url=url, headers={"Authorization": f"Bearer {token}"}, disable_ssl=True)
at = lambda seconds: datetime.fromtimestamp(seconds, tz=timezone.utc)
instant = prom.custom_query("room_temp", params={"time": start + 1800})
ranged = prom.custom_query_range(
    "avg_over_time(room_temp[1m])", start_time=at(start + 59), end_time=at(start + 3599), step="60")
print(json.dumps({
    "instant": [float(sample["value"][1]) for sample in instant],
    "range": [float(value) for _, value in ranged[0]["values"]] if ranged else [],
    "metrics": prom.all_metrics(),
    "series": prom.get_series(at(start), at(start + 3600), params={"match[]": '{gateway="gw-prom"}'}),
    "values": prom.get_label_values("series"),
    "metadata": prom.get_metric_metadata("room_temp"),
}))
