// One series: min/max band and mean from the query engine's buckets, alerts shaded, anomaly
// scores below, zoom by dragging, a live tail while the range reaches now, CSV export.
"use strict";
(async () => {
  await Outpost.session();
  Outpost.header("Fleet");
  const gateway = Outpost.param("gateway"), name = Outpost.param("name");
  if (!gateway || !name) { Outpost.fail(new Error("No series chosen: open one from its gateway's page on the fleet page.")); return; }
  document.getElementById("title").textContent = `${gateway} · ${name}`;
  document.title = `Outpost · ${name}`;
  let from = Outpost.param("from") || "now-24h", to = Outpost.param("to") || "now";
  let chart = null, scoreChart = null, data = [], alerts = [], unit = "";
  window.outpostChart = { points: 0, live: 0, scores: 0 };

  const query = (extra) => Outpost.query({ gateway, name, from, to, ...extra });
  const shade = (canvas, area, g) => {
    canvas.fillStyle = "rgba(196, 38, 46, 0.15)";
    for (const alert of alerts) {
      const left = g.toDomXCoord(Outpost.ms(alert.opened_at));
      const right = g.toDomXCoord(alert.resolved_at ? Outpost.ms(alert.resolved_at) : Date.now());
      canvas.fillRect(Math.max(left, area.x), area.y, Math.max(2, Math.min(right, area.x + area.w) - Math.max(left, area.x)), area.h);
    }
  };

  const load = async () => {
    Outpost.fail("");
    const [answer, alertList] = await Promise.all([
      Outpost.api("/api/v1/series?" + query({ buckets: "1000" })),
      Outpost.api("/api/v1/alerts?" + Outpost.query({ state: "all", gateway, series: name, from, to, limit: "1000" })),
    ]);
    alerts = alertList.alerts;
    data = answer.buckets.map((b) => [new Date(Outpost.ms(b.start)), [b.min, b.mean, b.max]]);
    window.outpostChart.points = data.length;
    const summary = { raw: "every reading", minute: "per-minute summaries", hour: "per-hour summaries" }[answer.source] || answer.source;
    document.getElementById("source").textContent = `${data.length} points, one per ${Outpost.seconds(answer.width)}, from ${summary}`;
    document.getElementById("export").href = "/api/v1/series?" + query({ buckets: "1000", format: "csv" });
    const options = {
      // Dygraphs puts labels into the page as HTML: a series' name and unit come from a gateway.
      labels: ["time", Outpost.escape(name)], customBars: true, legend: "always", colors: ["#1f5fbf"], ylabel: Outpost.escape(unit),
      dateWindow: [Outpost.ms(answer.from), Outpost.ms(answer.to)], underlayCallback: shade, connectSeparatedPoints: false,
      zoomCallback: (minX, maxX, yRanges) => {
        if (maxX - minX < 1000) return;
        from = String(Math.floor(minX) * 1e6); to = String(Math.ceil(maxX) * 1e6); select(null); load().catch(Outpost.fail); scores();
      },
    };
    const element = document.getElementById("chart");
    if (!data.length) { if (chart) { chart.destroy(); chart = null; } element.textContent = "No readings in this range."; return; }
    if (chart) chart.updateOptions({ file: data, ...options }); else { element.textContent = ""; chart = new Dygraph(element, data, options); }
    history.replaceState(null, "", "?" + Outpost.query({ gateway, name, from, to }));
  };

  const scores = async () => {
    const note = document.getElementById("score-note");
    try {
      const answer = await Outpost.api("/api/v1/series/scores?" + query({ points: "500" }));
      const points = answer.scores.map(([t, s]) => [new Date(Outpost.ms(t)), s]);
      window.outpostChart.scores = points.length;
      note.textContent = points.length ? `${answer.anomalies.length} anomalous samples in this range` : "Not enough history to score yet (the detector is still learning).";
      const options = { labels: ["time", "score"], valueRange: [0, 1.05], colors: ["#c4262e"], fillGraph: true, legend: "follow",
        dateWindow: [Outpost.ms(answer.from), Outpost.ms(answer.to)], underlayCallback: shade };
      if (!points.length) return;
      if (scoreChart) scoreChart.updateOptions({ file: points, ...options }); else scoreChart = new Dygraph(document.getElementById("scores"), points, options);
    } catch (error) { note.textContent = "No scores: " + error.message; }
  };

  const select = (range) => document.querySelectorAll("#ranges button").forEach((b) => b.classList.toggle("selected", b.dataset.range === range));
  document.querySelectorAll("#ranges button").forEach((button) => button.onclick = () => {
    from = "now-" + button.dataset.range; to = "now"; select(button.dataset.range); load().catch(Outpost.fail); scores();
  });
  select(from.startsWith("now-") && to === "now" ? from.slice(4) : null);

  // The live tail: new readings are added while the range reaches now.
  Outpost.live({
    readings: (message) => {
      if (to !== "now" || message.gateway !== gateway || message.series !== name || !chart) return;
      for (const [t, v] of message.samples) { if (v != null) data.push([new Date(Outpost.ms(t)), [v, v, v]]); window.outpostChart.live += 1; }
      const window_ = chart.xAxisRange();
      chart.updateOptions({ file: data, dateWindow: [window_[0], Math.max(window_[1], Date.now())] });
      document.getElementById("tail").textContent = `· live: ${window.outpostChart.live} new readings`;
    },
    alert: (message) => { if (message.alert.gateway === gateway && message.alert.series === name) load().catch(Outpost.fail); },
  }, [{ gateway, series: name }]);
  try {
    const meta = await Outpost.api(`/api/v1/gateways/${encodeURIComponent(gateway)}/series`);
    unit = (meta.series.find((s) => s.name === name) || {}).unit || "";
  } catch (error) { /* the chart works without the unit */ }
  await load();
  scores();
})().catch(Outpost.fail);
