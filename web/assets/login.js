"use strict";
document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = document.getElementById("name").value, password = document.getElementById("password").value;
  try {
    await Outpost.api("/api/v1/session", { method: "POST", body: { name, password } });
    const next = Outpost.param("next");
    location.href = Outpost.localPath(next);
  } catch (error) { Outpost.fail(error); }
});
