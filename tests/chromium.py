"""The headless Chromium flags that work on this project's machines: one list for the tests
(tests/browser.py) and the benchmarks, which import nothing else of the tests."""

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-unsafe-swiftshader",
)
