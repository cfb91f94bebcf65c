// Administration: users, API tokens, enrolment and revocation of gateways.
"use strict";
(async () => {
  await Outpost.session();
  Outpost.header("Admin");
  if (Outpost.me.role !== "admin") { Outpost.fail(new Error("This page is for admins.")); return; }
  // Nothing here changes live, but the page stays connected like every other (the indicator says
  // whether this browser reaches the hub's live feed).
  Outpost.live({});
  const done = (text) => { document.getElementById("done").textContent = text; Outpost.fail(""); };
  const form = (id) => Object.fromEntries(new FormData(document.getElementById(id)).entries());

  const users = async () => {
    const body = await Outpost.api("/api/v1/users");
    const tbody = document.querySelector("#users tbody"); tbody.textContent = "";
    for (const user of body.users) {
      const tr = document.createElement("tr");
      Outpost.cell(tr, user.name); Outpost.cell(tr, user.role);
      const remove = document.createElement("button"); remove.textContent = "Remove";
      remove.onclick = async () => {
        if (!confirm(`Remove ${user.name}?`)) return;
        try { await Outpost.api("/api/v1/users/" + encodeURIComponent(user.name), { method: "DELETE" }); await users(); } catch (e) { Outpost.fail(e); }
      };
      Outpost.cell(tr, "").appendChild(remove); tbody.appendChild(tr);
    }
  };

  const tokens = async () => {
    const body = await Outpost.api("/api/v1/tokens");
    const tbody = document.querySelector("#tokens tbody"); tbody.textContent = "";
    for (const token of body.tokens) {
      const tr = document.createElement("tr");
      Outpost.cell(tr, String(token.id)); Outpost.cell(tr, token.name, "wrap"); Outpost.cell(tr, token.role);
      Outpost.cell(tr, token.revoked_at ? "revoked" : Outpost.ago(token.last_used_at));
      const cell = Outpost.cell(tr, "");
      if (!token.revoked_at) {
        const revoke = document.createElement("button"); revoke.textContent = "Revoke";
        revoke.onclick = async () => { try { await Outpost.api("/api/v1/tokens/" + token.id, { method: "DELETE" }); await tokens(); } catch (e) { Outpost.fail(e); } };
        cell.appendChild(revoke);
      }
      tbody.appendChild(tr);
    }
  };

  document.getElementById("add-user").onsubmit = async (event) => {
    event.preventDefault();
    try { await Outpost.api("/api/v1/users", { method: "POST", body: form("add-user") }); event.target.reset(); await users(); done("User added."); } catch (e) { Outpost.fail(e); }
  };
  document.getElementById("add-token").onsubmit = async (event) => {
    event.preventDefault();
    try {
      const created = await Outpost.api("/api/v1/tokens", { method: "POST", body: form("add-token") });
      const secret = document.getElementById("secret"); secret.hidden = false;
      secret.textContent = `Token ${created.id}: ${created.token} — copy it now; it is not shown again.`;
      event.target.reset(); await tokens();
    } catch (e) { Outpost.fail(e); }
  };
  document.getElementById("enrol").onsubmit = async (event) => {
    event.preventDefault();
    const body = form("enrol");
    // A certificate is checked by the hub against the fleet CA; a bare key is taken as it is.
    body[body.pem.includes("BEGIN CERTIFICATE") ? "certificate" : "public_key"] = body.pem;
    delete body.pem;
    for (const key of ["latitude", "longitude"]) { if (body[key] === "") delete body[key]; else body[key] = Number(body[key]); }
    try { await Outpost.api("/api/v1/gateways", { method: "POST", body }); event.target.reset(); done(`Enrolled ${body.id}.`); } catch (e) { Outpost.fail(e); }
  };
  document.getElementById("revoke").onsubmit = async (event) => {
    event.preventDefault();
    const id = form("revoke").id;
    if (!confirm(`Revoke ${id}? Its frames will be refused.`)) return;
    try { await Outpost.api(`/api/v1/gateways/${encodeURIComponent(id)}/revoke`, { method: "POST" }); event.target.reset(); done(`Revoked ${id}.`); } catch (e) { Outpost.fail(e); }
  };
  let before = null;
  const audit = async (more) => {
    const body = await Outpost.api("/api/v1/audit?" + Outpost.query({ limit: 100, before: more ? before : null }));
    const tbody = document.querySelector("#audit tbody"); if (!more) tbody.textContent = "";
    for (const entry of body.entries) {
      const tr = document.createElement("tr"); tr.dataset.action = entry.action;
      Outpost.cell(tr, Outpost.time(entry.at), "wrap"); Outpost.cell(tr, entry.actor); Outpost.cell(tr, entry.source, "wrap");
      Outpost.cell(tr, entry.action); Outpost.cell(tr, entry.target, "wrap"); Outpost.cell(tr, entry.detail, "wrap");
      tbody.appendChild(tr);
    }
    before = body.next_before || null;
    document.getElementById("audit-older").hidden = !before;
  };
  document.getElementById("audit-older").onclick = () => audit(true).catch(Outpost.fail);
  await Promise.all([users(), tokens(), audit(false)]);
})().catch(Outpost.fail);
