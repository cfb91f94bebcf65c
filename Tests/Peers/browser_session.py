"""The headless Chromium the dashboard tests drive (Debian's chromium and chromium-driver), and
their step and screenshot lines: one place for what every browser script starts with."""
import os

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait


def chromium(width=1280, height=900):
    """A headless Chromium with the browser console kept, and a 30 s wait on it."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    return driver, WebDriverWait(driver, 30)


def click(wait, by, value):
    """Clicks the element `value` names once it is there. A page that re-renders a table (a
    status arriving over the WebSocket) replaces the element between finding and clicking it:
    it is found again rather than failing on the stale one."""
    def attempt(driver):
        try:
            driver.find_element(by, value).click()
            return True
        except (NoSuchElementException, StaleElementReferenceException):
            return False
    wait.until(attempt)


def step(name):
    print("step", name, flush=True)


def screenshot(driver, artifacts, name):
    path = os.path.join(artifacts, name + ".png")
    driver.save_screenshot(path)
    print("screenshot", path, flush=True)


def console_errors(driver, ignoring=()):
    """The browser console's errors, less those containing one of `ignoring`."""
    return [entry for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and not any(text in entry["message"] for text in ignoring)]


def fail(driver, artifacts, name, error):
    """Reports a failed session (a screenshot, where, the console) and exits 1."""
    screenshot(driver, artifacts, name)
    print("FAILED at", driver.current_url, repr(error), flush=True)
    for entry in driver.get_log("browser"):
        print("console", entry, flush=True)
    raise SystemExit(1)
