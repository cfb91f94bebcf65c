"""Drives the dashboard's fleet management in headless Chromium, as an operator and an admin would:
a configuration with a mistake checked and refused with its line, one pushed, its rollback by the
gateway shown, two versions compared, a rollout started by label, and the audit log read by the
admin; a viewer sees no editor. Saves screenshots. Exits non-zero on the first failure.

Usage: fleet_browser.py BASE_URL GATEWAY OPERATOR PASSWORD ADMIN ADMIN_PASSWORD VIEWER VIEWER_PASSWORD MODBUS_URL ARTIFACTS"""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.common.exceptions import StaleElementReferenceException
from browser_session import chromium, click, console_errors, fail, screenshot, step

base, gateway, operator, password, admin, admin_password, viewer, viewer_password, modbus, artifacts = sys.argv[1:11]
os.makedirs(artifacts, exist_ok=True)

driver, wait = chromium(1400, 900)


def shot(name):
    screenshot(driver, artifacts, name)


def text(element_id):
    """The element's text, or "" while it is missing or being re-rendered."""
    try:
        found = driver.find_elements(By.ID, element_id)
        return found[0].text if found else ""
    except StaleElementReferenceException:
        return ""


def login(name, secret):
    driver.delete_all_cookies()
    driver.get(base + "/login")
    wait.until(lambda d: d.find_elements(By.ID, "name"))
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(secret)
    click(wait, By.ID, "submit")
    wait.until(lambda d: "/login" not in d.current_url)


def device(interval, key="interval"):
    return f'[[modbus]]\nname = "room"\nurl = "{modbus}"\nprofile = "xy-md02"\n{key} = "{interval}"\n'


def type_config(toml):
    area = driver.find_element(By.CSS_SELECTOR, "#config-form textarea")
    area.clear()
    area.send_keys(toml)


try:
    step("operator: the gateway has no remote configuration")
    login(operator, password)
    driver.get(f"{base}/gateway?id={gateway}")
    wait.until(lambda d: "No remote configuration" in text("config-state"))
    wait.until(lambda d: d.find_element(By.ID, "config-form").is_displayed())
    assert "site=north" in text("config-labels"), text("config-labels")

    step("a mistake: checked, then refused with its line")
    type_config(device("1s", key="intervall"))
    click(wait, By.ID, "config-check")
    wait.until(lambda d: "line 5, modbus[0].intervall: unknown key 'intervall'" in text("config-problems"))
    click(wait, By.ID, "config-push")
    wait.until(lambda d: "Not pushed" in text("config-done"))

    step("pushed; the gateway's rollback shown")
    type_config(device("1s"))
    click(wait, By.ID, "config-push")
    wait.until(lambda d: "v1 accepted" in text("config-done"))
    assert text("config-problems") == "", text("config-problems")
    wait.until(lambda d: "v1 rolled back: source modbus.room failed in every poll" in text("config-failed"))
    shot("gateway-config-rolled-back")

    step("a second version, compared with the first")
    type_config(device("5s"))
    click(wait, By.ID, "config-push")
    wait.until(lambda d: "v2 accepted" in text("config-done"))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#config-versions tbody tr")) == 2)
    click(wait, By.CSS_SELECTOR, '#config-versions tr[data-version="2"] button')
    wait.until(lambda d: '-interval = "1s"' in text("config-diff") and '+interval = "5s"' in text("config-diff"))
    assert "wanted v2" in text("config-facts"), text("config-facts")
    for width in (1400, 800):
        driver.set_window_size(width, 900)
        cut = driver.execute_script(
            "return [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1).length")
        assert cut == 0, f"a table is cut off at {width} px"
        shot(f"gateway-config-{width}")
    driver.set_window_size(1400, 900)

    step("a diagnostic asked, waiting for the gateway")
    click(wait, By.CSS_SELECTOR, '#diagnose button[data-kind="errors"]')
    wait.until(lambda d: "Errors and log — asked by " + operator in text("diagnostic-list"))
    assert "pending" in text("diagnostic-list"), text("diagnostic-list")

    step("a rollout by label")
    driver.get(base + "/rollouts")
    wait.until(lambda d: d.find_element(By.ID, "start-panel").is_displayed())
    driver.find_element(By.CSS_SELECTOR, "#start textarea").send_keys(device("2s"))
    driver.find_element(By.CSS_SELECTOR, '#start input[name="label"]').send_keys("site=north")
    click(wait, By.CSS_SELECTOR, "#start button.primary")
    wait.until(lambda d: "started: 1 gateways" in text("started"))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#rollouts tbody tr"))
    click(wait, By.CSS_SELECTOR, "#rollouts tbody tr button")
    wait.until(lambda d: gateway in text("targets"))
    shot("rollouts")

    step("admin: the audit log")
    login(admin, admin_password)
    driver.get(base + "/admin")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '#audit tr[data-action="config.push"]')) == 2)
    rows = driver.find_element(By.ID, "audit").text
    assert operator in rows and "rollout.start" in rows and "gateway.labels" in rows, rows
    shot("admin-audit")

    step("viewer: no editor")
    login(viewer, viewer_password)
    driver.get(f"{base}/gateway?id={gateway}")
    wait.until(lambda d: "wanted v" in text("config-facts"))
    # The release report: what runs, what was rolled back and why, a download under way, a refused offer.
    release = text("summary")
    assert "release 0.2.0 · 0.3.0 rolled back · downloading 0.3.1: 50 %" in release, release
    assert "it exited with status 3" in release and "Release offer refused: a release offer for gateway" in release, release
    assert not driver.find_element(By.ID, "config-form").is_displayed(), "a viewer sees the editor"
    assert not driver.find_element(By.ID, "diagnose").is_displayed(), "a viewer may ask for diagnostics"
    wait.until(lambda d: "Errors and log" in text("diagnostic-list"))
    driver.get(base + "/rollouts")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#rollouts tbody tr"))
    assert not driver.find_element(By.ID, "start-panel").is_displayed(), "a viewer sees the rollout form"

    # The refused push is a 422 the page shows; the browser logs every 4xx answer as well.
    step("the fleet page: each gateway's configuration")
    driver.get(base + "/")
    wait.until(lambda d: "v3 pending (runs agent.toml)" in d.find_element(By.CSS_SELECTOR, f'tr[data-gateway="{gateway}"]').text)

    errors = console_errors(driver, ignoring=("status of 422",))
    assert not errors, "browser console errors: %s" % errors
    print("ok", flush=True)
except Exception as error:  # noqa: BLE001 - report anything, with a screenshot
    fail(driver, artifacts, "fleet-failure", error)
finally:
    driver.quit()
