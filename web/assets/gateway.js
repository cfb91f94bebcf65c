// One gateway: its state, its health over the last day, its series with latest values and sparklines.
"use strict";
(async () => {
  await Outpost.session();
  Outpost.header("Fleet");
  const id = Outpost.param("id");
  if (!id) { Outpost.fail(new Error("No gateway chosen: open one from the fleet page.")); return; }
  document.getElementById("title").textContent = id;
  document.title = "Outpost · " + id;
  const rows = new Map();

  const summary = (g) => {
    const box = document.getElementById("summary"); box.textContent = "";
    const facts = [["State", g.state], ["Last seen", Outpost.ago(g.last_seen) + " (" + Outpost.time(g.last_seen) + ")"],
      ["Backlog", g.backlog_readings + " readings"], ["Clock", Outpost.seconds(g.clock_offset_ns) + " offset, " + g.clock_state],
      ["Agent", g.agent_version || "—"], ["Open alerts", String(g.open_alerts)]];
    if (g.release) {
      facts.push(["Release", Outpost.release(g.release) + (g.release.reason ? ": " + g.release.reason : "")]);
      if (g.release.refusal) facts.push(["Release offer refused", g.release.refusal]);
    }
    if (g.budget) facts.push(["Data budget", Outpost.budget(g.budget) + " of " + Outpost.bytes(g.budget.limit) + " a " + g.budget.period + ", renews " + Outpost.time(g.budget.renews_at)]);
    for (const [label, text] of facts) {
      const line = document.createElement("div");
      const b = document.createElement("b"); b.textContent = label + ": "; line.appendChild(b);
      line.appendChild(document.createTextNode(text)); box.appendChild(line);
    }
    if (g.open_alerts > 0) box.appendChild(Outpost.link("/alerts?gateway=" + encodeURIComponent(id), "See its alerts"));
  };

  const health = async () => {
    const body = await Outpost.api(`/api/v1/gateways/${encodeURIComponent(id)}/health?from=now-24h`);
    const element = document.getElementById("health");
    if (!body.points.length) { element.textContent = "No status reports in the last 24 hours."; element.style.height = "auto"; return; }
    const data = body.points.map(([t, online, backlog]) => [new Date(Outpost.ms(t)), backlog, online ? 1 : 0]);
    new Dygraph(element, data, {
      labels: ["time", "backlog (readings)", "online"], stepPlot: true, legend: "always",
      series: { online: { axis: "y2", fillGraph: true, color: "#1a7f37" } }, colors: ["#1f5fbf", "#1a7f37"],
      axes: { y2: { valueRange: [0, 1.2], drawGrid: false } }, ylabel: "backlog", y2label: "online",
    });
  };

  const sparkline = async (name, element) => {
    try {
      const query = Outpost.query({ gateway: id, name, from: "now-24h", to: "now", buckets: "48" });
      const body = await Outpost.api("/api/v1/series?" + query);
      if (!body.buckets.length) { element.textContent = "no data"; return; }
      new Dygraph(element, body.buckets.map((b) => [new Date(Outpost.ms(b.start)), b.mean]), {
        labels: ["time", Outpost.escape(name)], axes: { x: { drawAxis: false, drawGrid: false }, y: { drawAxis: false, drawGrid: false } },
        legend: "never", strokeWidth: 1.2, showLabelsOnHighlight: false, interactionModel: {}, axisLineColor: "transparent",
      });
    } catch (error) { element.textContent = "—"; }
  };

  const series = async () => {
    const body = await Outpost.api(`/api/v1/gateways/${encodeURIComponent(id)}/series`);
    const tbody = document.querySelector("#series tbody"); tbody.textContent = "";
    for (const s of body.series) {
      const row = document.createElement("tr"); row.dataset.series = s.name;
      Outpost.cell(row, "").appendChild(Outpost.link(Outpost.seriesHref(id, s.name), s.name));
      const value = Outpost.cell(row, s.latest ? Outpost.number(s.latest.value) : "—", "num latest");
      Outpost.cell(row, s.unit || "");
      const at = Outpost.cell(row, s.latest ? Outpost.time(s.latest.time) : "—", "hide-narrow");
      const spark = document.createElement("div"); spark.className = "spark";
      Outpost.cell(row, "").appendChild(spark);
      tbody.appendChild(row);
      rows.set(s.name, { value, at });
      sparkline(s.name, spark);
    }
  };

  const refresh = async () => {
    const body = await Outpost.api(`/api/v1/gateways/${encodeURIComponent(id)}`);
    summary(body.gateway);
  };

  Outpost.live({
    readings: (message) => {
      const row = rows.get(message.series); const last = message.samples[message.samples.length - 1];
      if (!row || !last) return;
      row.value.textContent = Outpost.number(last[1]); row.at.textContent = Outpost.time(last[0]);
    },
    gateway: (message) => { if (message.gateway.id === id) summary(message.gateway); },
    alert: (message) => { if (message.alert.gateway === id) refresh(); },
  }, [{ gateway: id }]);
  await refresh();
  await Promise.all([health(), series()]);
})().catch(Outpost.fail);
