// The fleet: every gateway's health at a glance, sortable and filterable, live.
"use strict";
(async () => {
  await Outpost.session();
  Outpost.header("Fleet");
  let gateways = new Map(), sort = { key: "state", desc: false }, counts = {};
  const stateOrder = { offline: 0, silent: 1, revoked: 2, unenrolled: 3, online: 4 };

  const load = async () => {
    try {
      const body = await Outpost.api("/api/v1/gateways?limit=5000");
      gateways = new Map(body.gateways.map((g) => [g.id, g]));
      counts = body.counts; render(); drawMap();
    } catch (error) { Outpost.fail(error); }
  };

  const renderCounts = () => {
    const box = document.getElementById("counts"); box.textContent = "";
    const all = [...gateways.values()];
    const tally = { total: all.length };
    for (const g of all) tally[g.state] = (tally[g.state] || 0) + 1;
    tally.alerts = all.reduce((sum, g) => sum + g.open_alerts, 0);
    for (const [key, label] of [["total", "gateways"], ["online", "online"], ["silent", "silent"], ["offline", "offline"], ["alerts", "open alerts"]]) {
      const item = document.createElement("div");
      item.className = "count " + key; item.dataset.state = key;
      item.innerHTML = "<b></b><span></span>";
      item.querySelector("b").textContent = tally[key] || 0; item.querySelector("span").textContent = label;
      item.onclick = () => {
        if (key === "alerts") { location.href = "/alerts"; return; }
        document.getElementById("state").value = key === "total" ? "" : key; render();
      };
      box.appendChild(item);
    }
  };

  const value = (g, key) => key === "state" ? stateOrder[g.state] ?? 9 : key === "clock_offset_ns" ? Math.abs(g[key] || 0)
    : key === "budget_used" ? (g.budget ? g.budget.used / g.budget.limit : -1) : (g[key] ?? "");

  const render = () => {
    renderCounts();
    const text = document.getElementById("filter").value.toLowerCase(), state = document.getElementById("state").value;
    const rows = [...gateways.values()].filter((g) => (!text || g.id.toLowerCase().includes(text)) && (!state || g.state === state));
    rows.sort((a, b) => { const x = value(a, sort.key), y = value(b, sort.key); return (x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : 1) * (sort.desc ? -1 : 1); });
    const body = document.querySelector("#gateways tbody"); body.textContent = "";
    for (const g of rows) {
      const row = document.createElement("tr"); row.dataset.gateway = g.id;
      Outpost.cell(row, "").appendChild(Outpost.link("/gateway?id=" + encodeURIComponent(g.id), g.id));
      const badge = document.createElement("span"); badge.className = "state " + g.state; badge.textContent = g.state;
      Outpost.cell(row, "").appendChild(badge);
      Outpost.cell(row, Outpost.ago(g.last_seen)).title = Outpost.time(g.last_seen);
      Outpost.cell(row, String(g.backlog_readings), "num");
      Outpost.cell(row, Outpost.seconds(g.clock_offset_ns) + (g.clock_state ? " · " + g.clock_state : ""), "num hide-narrow");
      const version = Outpost.cell(row, (g.agent_version || "—") + (g.release && g.release.failed ? " · " + g.release.failed + " " + (g.release.outcome || "").replace("_", " ") : ""), "hide-narrow");
      if (g.release) version.title = Outpost.release(g.release) + (g.release.reason ? ": " + g.release.reason : "");
      const alerts = Outpost.cell(row, "", "num");
      if (g.open_alerts > 0) alerts.appendChild(Outpost.link("/alerts?gateway=" + encodeURIComponent(g.id), String(g.open_alerts))); else alerts.textContent = "0";
      Outpost.cell(row, String(g.series), "num hide-narrow");
      const budget = Outpost.cell(row, Outpost.budget(g.budget), "num hide-narrow");
      if (g.budget) budget.title = `${g.budget.used} of ${g.budget.limit} bytes this ${g.budget.period}, renews ${Outpost.time(g.budget.renews_at)}`;
      Outpost.cell(row, Outpost.configuration(g.configuration), "hide-narrow");
      body.appendChild(row);
    }
    document.getElementById("shown").textContent = `${rows.length} of ${gateways.size} shown`;
    document.querySelectorAll("th.sortable").forEach((th) => { th.classList.toggle("sorted", th.dataset.key === sort.key); th.classList.toggle("desc", th.dataset.key === sort.key && sort.desc); });
  };

  let map = null, markers = null;
  const drawMap = () => {
    const located = [...gateways.values()].filter((g) => g.latitude != null && g.longitude != null);
    const note = document.getElementById("map-note");
    if (!located.length) { document.getElementById("map").style.display = "none"; note.textContent = "No gateway has a location (enrol with --latitude and --longitude)."; return; }
    document.getElementById("map").style.display = "";
    if (!map) {
      map = L.map("map"); markers = L.layerGroup().addTo(map);
      const tiles = Outpost.me.map_tiles;
      if (tiles) L.tileLayer(tiles, { maxZoom: 18 }).addTo(map);
      else note.textContent = "No map tiles configured ([web] map_tiles): gateways are shown by position only.";
    }
    markers.clearLayers();
    for (const g of located) {
      const colour = g.state === "online" ? "#1a7f37" : g.state === "silent" ? "#b25e00" : "#c4262e";
      const marker = L.circleMarker([g.latitude, g.longitude], { radius: 8, color: colour, fillOpacity: 0.8 });
      const content = document.createElement("div");
      content.appendChild(Outpost.link("/gateway?id=" + encodeURIComponent(g.id), g.id));
      content.appendChild(document.createTextNode(" · " + g.state));
      marker.bindPopup(content); markers.addLayer(marker);
    }
    map.fitBounds(L.latLngBounds(located.map((g) => [g.latitude, g.longitude])).pad(0.3), { maxZoom: 12 });
  };

  document.querySelectorAll("th.sortable").forEach((th) => th.onclick = () => {
    sort = { key: th.dataset.key, desc: sort.key === th.dataset.key ? !sort.desc : false }; render();
  });
  document.getElementById("filter").oninput = render;
  document.getElementById("state").onchange = render;
  let reload = null;
  const later = () => { clearTimeout(reload); reload = setTimeout(load, 500); };
  Outpost.live({
    gateway: (message) => { gateways.set(message.gateway.id, message.gateway); render(); },
    alert: later,
  });
  await load();
  setInterval(load, 60000); // "last seen" ages, and anything a dropped connection missed
})().catch(Outpost.fail);
