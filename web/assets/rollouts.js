// Rollouts: the last fifty with their progress; operators start and halt them.
"use strict";
(async () => {
  await Outpost.session();
  Outpost.header("Rollouts");
  Outpost.live({});
  const canEdit = Outpost.me.role === "operator" || Outpost.me.role === "admin";
  const form = document.getElementById("start");
  document.getElementById("start-panel").hidden = !canEdit;

  const count = (r, state) => r.targets.filter((t) => t.state === state).length;
  const details = (r) => {
    const box = document.getElementById("targets"); box.hidden = false;
    box.textContent = `Rollout ${r.id}${r.release ? " of release " + r.release : ""} (${r.selector}, ${r.canary} first, halt above ${Math.round(r.halt_share * 100)} %)\n`
      + r.targets.map((t) => `${t.gateway}${t.version ? " v" + t.version : ""}: ${t.state}${t.detail ? " — " + t.detail : ""}`).join("\n");
  };

  const list = async () => {
    const body = await Outpost.api("/api/v1/rollouts");
    const tbody = document.querySelector("#rollouts tbody"); tbody.textContent = "";
    for (const r of body.rollouts) {
      const tr = document.createElement("tr"); tr.dataset.rollout = r.id;
      Outpost.cell(tr, String(r.id)); Outpost.cell(tr, Outpost.time(r.created_at), "wrap"); Outpost.cell(tr, r.author);
      Outpost.cell(tr, `${r.release ? "release " + r.release + " to " : ""}${r.targets.length} (${r.selector})`, "wrap");
      const state = document.createElement("span"); state.className = "state " + r.state; state.textContent = r.state;
      Outpost.cell(tr, "").appendChild(state);
      Outpost.cell(tr, `${count(r, "applied")} applied, ${count(r, "failed")} failed, ${count(r, "sent")} on the way, ${count(r, "waiting") + count(r, "skipped")} not sent`, "wrap");
      Outpost.cell(tr, r.reason, "wrap");
      const actions = Outpost.cell(tr, "");
      const show = document.createElement("button"); show.textContent = "Gateways"; show.type = "button"; show.onclick = () => details(r);
      actions.appendChild(show);
      if (canEdit && r.state === "running") {
        const halt = document.createElement("button"); halt.textContent = "Halt"; halt.type = "button";
        halt.onclick = async () => {
          if (!confirm(`Halt rollout ${r.id}? Gateways not yet sent to are skipped.`)) return;
          try { await Outpost.api(`/api/v1/rollouts/${r.id}/halt`, { method: "POST" }); await list(); } catch (e) { Outpost.fail(e); }
        };
        actions.appendChild(halt);
      }
      tbody.appendChild(tr);
    }
  };

  form.onsubmit = async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form).entries());
    const body = { toml: values.toml, canary: Number(values.canary), halt_share: Number(values.halt_share), trial_s: Number(values.trial_s), note: values.note };
    if (values.label) body.label = values.label;
    if (values.gateways) body.gateways = values.gateways.split(",").map((g) => g.trim()).filter((g) => g);
    const response = await fetch("/api/v1/rollouts", {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": Outpost.csrf || "" },
    });
    const answer = await response.json().catch(() => ({}));
    const problems = document.getElementById("problems"); problems.textContent = "";
    if (response.status === 422) {
      for (const p of answer.problems || []) { const li = document.createElement("li"); li.textContent = p.text; problems.appendChild(li); }
      return;
    }
    if (!response.ok) { Outpost.fail(new Error((answer.error && answer.error.message) || response.statusText)); return; }
    document.getElementById("started").textContent = `Rollout ${answer.rollout.id} started: ${answer.rollout.targets.length} gateways.`;
    Outpost.fail("");
    await list();
  };
  await list();
  setInterval(() => list().catch(Outpost.fail), 3000);
})().catch(Outpost.fail);
