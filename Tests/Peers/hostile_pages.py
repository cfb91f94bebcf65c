"""Drives the dashboard in headless Chromium with what an attacker controls: a login link whose
`next=` leads off the site, and a series whose name and unit (chosen by a gateway) are HTML.
Exits non-zero on the first failure.

Usage: hostile_pages.py BASE_URL USER PASSWORD GATEWAY SERIES"""
import sys
import urllib.parse

from selenium.webdriver.common.by import By
from browser_session import chromium

base, user, password, gateway, series = sys.argv[1:6]
host = urllib.parse.urlparse(base).netloc

driver, wait = chromium(1280, 900)

try:
    for next_path in ("/\\evil.example/x", "//evil.example/x", "/\\/evil.example", "https://evil.example/",
                      "javascript:alert(1)", "/%5Cevil.example"):
        print("step login with next=" + next_path, flush=True)
        driver.get(base + "/login?next=" + urllib.parse.quote(next_path, safe=""))
        wait.until(lambda d: d.find_elements(By.ID, "name"))
        driver.find_element(By.ID, "name").send_keys(user)
        driver.find_element(By.ID, "password").send_keys(password)
        driver.find_element(By.ID, "submit").click()
        wait.until(lambda d: "/login" not in d.current_url)
        landed = urllib.parse.urlparse(driver.current_url)
        assert landed.netloc == host, "next=%r led to %s" % (next_path, driver.current_url)
        print("stayed on", driver.current_url, flush=True)

    print("step a series whose name and unit are HTML", flush=True)
    query = urllib.parse.urlencode({"gateway": gateway, "name": series, "from": "now-3h", "to": "now"})
    driver.get(base + "/series?" + query)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#chart canvas"))
    wait.until(lambda d: "<img" in d.find_element(By.ID, "chart").text)
    planted = driver.execute_script(
        "return document.querySelectorAll('#pwn-unit, #pwn-name, #chart img').length")
    assert planted == 0, "the page rendered a gateway's unit or name as HTML (%d elements)" % planted
    print("ok", flush=True)
except Exception as error:  # noqa: BLE001 - report anything
    print("FAILED at", driver.current_url, repr(error), flush=True)
    chart = driver.find_elements(By.ID, "chart")
    if chart:
        print("chart:", chart[0].get_attribute("innerHTML")[:2000], flush=True)
    sys.exit(1)
finally:
    driver.quit()
