// One gateway's remote configuration: where it stands, its versions and their differences, and
// (operators, admins) a new version checked and pushed.
"use strict";
(async () => {
  await Outpost.session();
  const id = Outpost.param("id");
  if (!id) return;
  const base = `/api/v1/gateways/${encodeURIComponent(id)}`;
  const canEdit = Outpost.me && (Outpost.me.role === "operator" || Outpost.me.role === "admin");
  const form = document.getElementById("config-form");
  const problems = document.getElementById("config-problems");
  const diff = document.getElementById("config-diff");

  const words = {
    none: "No remote configuration: the gateway runs its agent.toml alone.",
    pending: "Waiting for the gateway to take it (it gets it when it is connected).",
    trial: "On trial: applied, not yet confirmed.",
    applied: "Applied.",
    rolled_back: "Rolled back by the gateway.",
    refused: "Refused by the gateway.",
  };

  const show = (c, gateway) => {
    const state = document.getElementById("config-state"); state.textContent = "";
    const badge = document.createElement("span"); badge.className = "state config-" + c.state; badge.textContent = c.state.replace("_", " ");
    state.append(badge, " ", words[c.state] || "");
    const facts = [];
    if (c.desired) facts.push(`wanted v${c.desired.version}`);
    if (c.applied != null) facts.push("runs " + (c.applied === 0 ? "agent.toml alone" : `v${c.applied}`));
    if (c.trial != null) facts.push(`v${c.trial} on trial`);
    const line = document.createElement("div"); line.id = "config-facts"; line.textContent = facts.join(" · "); state.appendChild(line);
    if (c.failed != null) {
      const failed = document.createElement("div"); failed.className = "error"; failed.id = "config-failed";
      failed.textContent = `v${c.failed} ${(c.outcome || "refused").replace("_", " ")}: ${c.reason || ""}`;
      state.appendChild(failed);
    }
    if (c.refusal) {
      const refusal = document.createElement("div"); refusal.className = "muted"; refusal.textContent = "Last document refused: " + c.refusal;
      state.appendChild(refusal);
    }
    const labels = Object.entries((gateway && gateway.labels) || {}).map(([k, v]) => `${k}=${v}`);
    document.getElementById("config-labels").textContent = labels.length ? "Labels: " + labels.join(", ") : "No labels.";
    const tbody = document.querySelector("#config-versions tbody"); tbody.textContent = "";
    for (const v of c.versions) {
      const tr = document.createElement("tr"); tr.dataset.version = v.version;
      Outpost.cell(tr, "v" + v.version); Outpost.cell(tr, Outpost.time(v.created_at), "wrap");
      Outpost.cell(tr, v.author); Outpost.cell(tr, v.note, "wrap");
      const button = document.createElement("button"); button.textContent = "Changes"; button.type = "button";
      button.onclick = () => showDiff(v.version);
      Outpost.cell(tr, "").appendChild(button);
      tbody.appendChild(tr);
    }
    if (canEdit && form.hidden) {
      form.hidden = false;
      form.elements.toml.value = c.desired ? c.desired.toml : "";
    }
  };

  const showDiff = async (version) => {
    try {
      const body = await Outpost.api(`${base}/config/diff?` + Outpost.query({ from: version - 1, to: version }));
      diff.hidden = false; diff.textContent = body.diff || "No change.";
    } catch (e) { Outpost.fail(e); }
  };

  const listProblems = (list) => {
    problems.textContent = "";
    for (const p of list) { const li = document.createElement("li"); li.textContent = p.text; problems.appendChild(li); }
  };

  const body = () => ({ toml: form.elements.toml.value, trial_s: Number(form.elements.trial_s.value), note: form.elements.note.value });
  const done = (text) => { document.getElementById("config-done").textContent = text; };

  document.getElementById("config-check").onclick = async () => {
    try {
      const answer = await Outpost.api(`${base}/config/check`, { method: "POST", body: { toml: form.elements.toml.value } });
      listProblems(answer.problems); done(answer.ok ? "It passes the check." : "");
    } catch (e) { Outpost.fail(e); }
  };
  form.onsubmit = async (event) => {
    event.preventDefault();
    const response = await fetch(`${base}/config`, {
      method: "PUT", credentials: "same-origin", body: JSON.stringify(body()),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": Outpost.csrf || "" },
    });
    const answer = await response.json().catch(() => ({}));
    if (response.status === 422) { listProblems(answer.problems || []); done("Not pushed: fix the problems above."); return; }
    if (!response.ok) { Outpost.fail(new Error((answer.error && answer.error.message) || response.statusText)); return; }
    listProblems([]);
    done(`v${answer.version} accepted; ` + (answer.delivered ? "sent to the gateway." : "sent when the hub reaches its broker."));
    await refresh();
  };

  const refresh = async () => {
    const [c, g] = await Promise.all([Outpost.api(`${base}/config`), Outpost.api(base)]);
    show(c, g.gateway);
  };
  await refresh();
  setInterval(() => refresh().catch(Outpost.fail), 5000);
})().catch(Outpost.fail);
