// Alerts: firing, acknowledged, resolved; acknowledge with a note; a link to the chart at the alert's time.
"use strict";
(async () => {
  await Outpost.session();
  Outpost.header("Alerts");
  let state = Outpost.param("state") || "open", before = null;
  const gatewayInput = document.getElementById("gateway");
  gatewayInput.value = Outpost.param("gateway") || "";
  const canAcknowledge = Outpost.me.role === "operator" || Outpost.me.role === "admin";

  const row = (alert) => {
    const tr = document.createElement("tr"); tr.dataset.alert = alert.id;
    const badge = document.createElement("span"); badge.className = "state " + alert.state; badge.textContent = alert.state;
    const stateCell = Outpost.cell(tr, "", alert.resolution ? "wrap" : "");
    stateCell.appendChild(badge);
    if (alert.resolution) {
      // Why it ended, when more than "normal again": a shift that lasted is the new normal.
      const why = document.createElement("div"); why.className = "muted resolution"; why.textContent = alert.resolution;
      stateCell.appendChild(why);
    }
    Outpost.cell(tr, alert.kind);
    Outpost.cell(tr, "").appendChild(Outpost.link("/gateway?id=" + encodeURIComponent(alert.gateway), alert.gateway));
    Outpost.cell(tr, alert.series || "(the gateway)");
    Outpost.cell(tr, Outpost.time(alert.opened_at), "wrap");
    Outpost.cell(tr, Outpost.time(alert.last_anomaly_at), "wrap hide-narrow");
    Outpost.cell(tr, Outpost.number(alert.score), "num hide-narrow");
    Outpost.cell(tr, alert.acknowledged_by ? `${alert.acknowledged_by}${alert.note ? ": " + alert.note : ""}` : "—", "wrap");
    const actions = Outpost.cell(tr, "", "wrap");
    if (alert.series) {
      const hour = 3600e9, end = alert.resolved_at ? alert.resolved_at + hour : null;
      actions.appendChild(Outpost.link(Outpost.seriesHref(alert.gateway, alert.series, String(alert.opened_at - hour), end ? String(end) : "now"), "chart"));
      actions.appendChild(document.createTextNode(" "));
    }
    if (alert.state === "firing" && canAcknowledge) {
      const note = document.createElement("input"); note.placeholder = "note"; note.className = "note"; note.size = 14;
      const button = document.createElement("button"); button.textContent = "Acknowledge"; button.className = "acknowledge";
      button.onclick = async () => {
        try {
          await Outpost.api(`/api/v1/alerts/${alert.id}/acknowledge`, { method: "POST", body: { note: note.value } });
          const fresh = await Outpost.api(`/api/v1/alerts/${alert.id}`);
          upsert(fresh.alert, true);
        } catch (error) { Outpost.fail(error); }
      };
      actions.append(note, button);
    }
    return tr;
  };

  const load = async (fresh) => {
    if (fresh) { before = null; document.querySelector("#alerts tbody").textContent = ""; }
    const query = Outpost.query({ state, limit: "100", gateway: gatewayInput.value, before });
    const body = await Outpost.api("/api/v1/alerts?" + query);
    const tbody = document.querySelector("#alerts tbody");
    for (const alert of body.alerts) tbody.appendChild(row(alert));
    if (!tbody.children.length) { const tr = document.createElement("tr"); Outpost.cell(tr, "No alerts here.").colSpan = 9; tbody.appendChild(tr); }
    before = body.next_before || null;
    document.getElementById("more").style.display = before ? "" : "none";
    document.querySelectorAll("#states button").forEach((b) => b.classList.toggle("selected", b.dataset.state === state));
  };

  const shown = (alert) => {
    const states = { open: ["firing", "acknowledged"], all: ["firing", "acknowledged", "resolved"] }[state] || [state];
    return states.includes(alert.state) && (!gatewayInput.value || alert.gateway === gatewayInput.value);
  };

  /** Puts one alert's new state in the table without disturbing the rest (nor a note being typed). */
  const upsert = (alert, force) => {
    const tbody = document.querySelector("#alerts tbody");
    const existing = tbody.querySelector(`tr[data-alert="${alert.id}"]`);
    if (existing) {
      const note = existing.querySelector("input.note");
      if (!force && note && note.value) return;
      existing.replaceWith(row(alert));
    } else if (shown(alert)) {
      const empty = tbody.querySelector("tr:not([data-alert])"); if (empty) empty.remove();
      tbody.prepend(row(alert));
    }
  };

  document.querySelectorAll("#states button").forEach((button) => button.onclick = () => { state = button.dataset.state; load(true).catch(Outpost.fail); });
  gatewayInput.onchange = () => load(true).catch(Outpost.fail);
  document.getElementById("more").onclick = () => load(false).catch(Outpost.fail);
  Outpost.live({ alert: (message) => upsert(message.alert, false) });
  await load(true);
})().catch(Outpost.fail);
