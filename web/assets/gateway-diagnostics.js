// One gateway's remote diagnostics: what was asked, by whom, and what the gateway answered;
// operators and admins ask.
"use strict";
(async () => {
  await Outpost.session();
  const id = Outpost.param("id");
  if (!id) return;
  const base = `/api/v1/gateways/${encodeURIComponent(id)}/diagnostics`;
  const form = document.getElementById("diagnose");
  form.hidden = !(Outpost.me.role === "operator" || Outpost.me.role === "admin");
  const names = { probe: "Probe", errors: "Errors and log", outbox: "Outbox and clock", config: "Configuration" };

  const list = async () => {
    const body = await Outpost.api(base + "?limit=10");
    const box = document.getElementById("diagnostic-list"); box.textContent = "";
    for (const d of body.diagnostics) {
      const item = document.createElement("div"); item.className = "diagnostic"; item.dataset.diagnostic = d.id;
      const head = document.createElement("div");
      const state = document.createElement("span"); state.className = "state diag-" + d.state; state.textContent = d.state;
      head.append(state, ` ${names[d.kind] || d.kind}${d.device ? " " + d.device : ""} — asked by ${d.requested_by} ${Outpost.ago(d.requested_at)}`);
      if (d.state === "pending") head.append(`, waits until ${Outpost.time(d.expires_at)}`);
      if (d.state === "answered") head.append(`, answered ${Outpost.ago(d.answered_at)}` + (d.ok === false ? " (could not do it)" : ""));
      item.appendChild(head);
      if (d.text) { const pre = document.createElement("pre"); pre.className = "code"; pre.textContent = d.text; item.appendChild(pre); }
      box.appendChild(item);
    }
  };

  for (const button of form.querySelectorAll("button[data-kind]")) {
    button.onclick = async () => {
      const body = { kind: button.dataset.kind };
      if (body.kind === "probe") body.device = form.elements.device.value;
      try { await Outpost.api(base, { method: "POST", body }); Outpost.fail(""); await list(); } catch (e) { Outpost.fail(e); }
    };
  }
  try {
    const series = await Outpost.api(`/api/v1/gateways/${encodeURIComponent(id)}/series`);
    const devices = [...new Set(series.series.map((s) => s.name.split(".")[0]))].sort();
    const datalist = document.getElementById("devices");
    for (const device of devices) { const option = document.createElement("option"); option.value = device; datalist.appendChild(option); }
  } catch (e) { /* the list only helps typing */ }
  await list();
  setInterval(() => list().catch(Outpost.fail), 3000);
})().catch(Outpost.fail);
