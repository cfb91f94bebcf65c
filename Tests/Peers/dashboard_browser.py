"""Drives the dashboard in headless Chromium through its WebDriver, as an operator would:
log in, see the fleet, open a series chart, watch a live value arrive, acknowledge an alert.
Saves a screenshot of each page into the artifacts folder. Exits non-zero on the first failure.

Usage: dashboard_browser.py BASE_URL USER PASSWORD GATEWAY SERIES ALERT_ID LIVE_FRAME ARTIFACTS ADMIN ADMIN_PASSWORD
LIVE_FRAME is a signed batch frame file; it is posted to the hub once the chart is live. Every page
is then checked at 1400 and 800 px (the admin page as ADMIN): no table cut off, the live indicator on."""
import json
import os
import sys
import time
import urllib.request

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from browser_session import chromium, console_errors, fail, screenshot, step

base, user, password, gateway, series, alert_id, live_frame, artifacts, admin, admin_password = sys.argv[1:11]
os.makedirs(artifacts, exist_ok=True)

driver, wait = chromium(1280, 900)


def shot(name):
    screenshot(driver, artifacts, name)


try:
    step("login")
    driver.get(base + "/")
    wait.until(EC.url_contains("/login"))
    driver.find_element(By.ID, "name").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "submit").click()
    wait.until(lambda d: d.current_url.rstrip("/") == base)

    step("fleet")
    def listed(d):
        # The table is redrawn as gateways change (live): read the row afresh on each try.
        try:
            text = d.find_element(By.CSS_SELECTOR, f'tr[data-gateway="{gateway}"]').text
            return any(state in text for state in ("online", "silent", "offline"))
        except (StaleElementReferenceException, NoSuchElementException):
            return False

    wait.until(listed)
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".count.total b").text == "1")
    # The gateway reported a data budget 86 % used, sending summaries: the fleet row says so.
    def budget_shown(d):
        try:
            return "86 % · summaries" in d.find_element(By.CSS_SELECTOR, f'tr[data-gateway="{gateway}"]').text
        except (StaleElementReferenceException, NoSuchElementException):
            return False
    wait.until(budget_shown)
    shot("fleet")
    driver.set_window_size(390, 844)
    shot("fleet-phone")
    driver.set_window_size(1280, 900)

    step("gateway")
    driver.get(f"{base}/gateway?id={gateway}")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, f'tr[data-series="{series}"] td.latest')))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f'tr[data-series="{series}"] .spark canvas'))
    shot("gateway")

    step("series chart")
    driver.get(f"{base}/series?gateway={gateway}&name={series}&from=now-3h&to=now")
    # Until the page has drawn, the chart's counters do not exist yet: read them as 0.
    wait.until(lambda d: d.execute_script("return (window.outpostChart && window.outpostChart.points) || 0") > 10)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#chart canvas"))
    points = driver.execute_script("return window.outpostChart.points")
    print("chart buckets", points, flush=True)
    wait.until(lambda d: d.execute_script("return (window.outpostChart && window.outpostChart.scores) || 0") > 0)
    shot("series")

    step("live value")
    wait.until(lambda d: "on" in d.find_element(By.ID, "live").get_attribute("class"))
    with open(live_frame, "rb") as handle:
        request = urllib.request.Request(base + "/api/v1/ingest", data=handle.read(), method="POST",
                                         headers={"Content-Type": "application/octet-stream"})
        answer = json.loads(urllib.request.urlopen(request, timeout=10).read())
        assert answer["duplicate"] is False, answer
    started = time.monotonic()
    wait.until(lambda d: d.execute_script("return window.outpostChart.live") >= 1)
    print("live value shown after %.0f ms" % ((time.monotonic() - started) * 1000), flush=True)
    assert "live:" in driver.find_element(By.ID, "tail").text
    shot("series-live")

    step("acknowledge")
    driver.get(base + "/alerts")
    def acknowledge(d):
        # Rows are replaced when an alert changes (live): find them afresh on each try.
        try:
            row = d.find_element(By.CSS_SELECTOR, f'tr[data-alert="{alert_id}"]')
            if "firing" not in row.text:
                return False
            note = row.find_element(By.CSS_SELECTOR, "input.note")
            note.clear()
            note.send_keys("valve re-seated")
            row.find_element(By.CSS_SELECTOR, "button.acknowledge").click()
            return True
        except (StaleElementReferenceException, NoSuchElementException):
            return False

    wait.until(acknowledge)
    def acknowledged(d):
        try:
            text = d.find_element(By.CSS_SELECTOR, f'tr[data-alert="{alert_id}"]').text
            return "acknowledged" in text and "valve re-seated" in text
        except (StaleElementReferenceException, NoSuchElementException):
            return False

    wait.until(acknowledged)
    shot("alerts")

    step("every page at 1400 and 800 px")
    pages = [("fleet", "/"), ("gateway", f"/gateway?id={gateway}"),
             ("series", f"/series?gateway={gateway}&name={series}&from=now-3h&to=now"), ("alerts", "/alerts"),
             ("admin", "/admin")]
    problems = []
    for name, path in pages:
        if name == "admin":
            driver.get(base + "/login")
            wait.until(lambda d: d.find_elements(By.ID, "name"))
            driver.find_element(By.ID, "name").send_keys(admin)
            driver.find_element(By.ID, "password").send_keys(admin_password)
            driver.find_element(By.ID, "submit").click()
            wait.until(lambda d: "/login" not in d.current_url)
        for width in (1400, 800):
            driver.set_window_size(width, 900)
            driver.get(base + path)
            wait.until(lambda d: d.execute_script("return document.querySelectorAll('main table tbody tr').length") > 0
                       or d.find_elements(By.CSS_SELECTOR, "#chart canvas"))
            try:
                wait.until(lambda d: d.find_element(By.ID, "live").text == "live")
            except Exception:  # noqa: BLE001 - reported below with the page
                problems.append(f"{name} at {width} px: the live indicator says {driver.find_element(By.ID, 'live').text!r}")
            cut = driver.execute_script(
                "return [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1)"
                ".map(w => (w.querySelector('table') || w).id + ' ' + w.scrollWidth + '>' + w.clientWidth)")
            if cut:
                problems.append(f"{name} at {width} px: tables cut off: {cut}")
            page = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            if page > 1:
                problems.append(f"{name} at {width} px: the page scrolls sideways by {page} px")
            shot(f"{name}-{width}")
    assert not problems, "; ".join(problems)

    errors = console_errors(driver)
    assert not errors, "browser console errors: %s" % errors
    print("ok", flush=True)
except Exception as error:  # noqa: BLE001 - report anything, with a screenshot
    fail(driver, artifacts, "failure", error)
finally:
    driver.quit()
