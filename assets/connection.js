/* The wall's link to its server, watched in the browser: every Dash request (the tick, a touch)
   is an answer or not. No answer to three ticks in a row (refused, failed, or nothing for three
   tick intervals) marks the wall "connection lost": every panel says so with the time of the last
   contact, status dots turn grey and no status word claims the data is live. The next answer
   restores it. Each answer names the build that served it (X-Wall-Build): when that changes, a
   new server is running, and the wall reloads itself to take its new page. */
(function () {
  "use strict";
  var MISSES = 3, SLACK_MS = 2000, RELOAD_GAP_MS = 60000;
  var lastContact = Date.now(), lastShown = null, misses = 0, lost = false, build = null;
  var timeFormat = new Intl.DateTimeFormat("en-GB", {timeZone: document.querySelector('meta[name="city-time-zone"]').content, hour: "2-digit", minute: "2-digit", hour12: false});

  function tickMs() {
    var page = document.querySelector("[data-tick]");  // the wall, or the phone view
    return (page && parseInt(page.getAttribute("data-tick"), 10)) || 5000;
  }

  function show(isLost) {
    lost = isLost;
    document.documentElement.classList.toggle("connection-lost", isLost);
    if (!isLost) { return; }
    var at = lastShown || timeFormat.format(new Date(lastContact));
    var spots = document.querySelectorAll(".lost-banner .lost-at");
    for (var i = 0; i < spots.length; i++) { spots[i].textContent = at; }
  }

  function newBuild(id) {
    if (build === null) { build = id; return false; }
    if (id === build) { return false; }
    var last = 0;
    try { last = Number(window.sessionStorage.getItem("wall-reloaded-at")) || 0; } catch (e) { /* private mode */ }
    if (Date.now() - last < RELOAD_GAP_MS) { return false; }  // two builds side by side: no reload loop
    try { window.sessionStorage.setItem("wall-reloaded-at", String(Date.now())); } catch (e) { /* private mode */ }
    window.location.reload();
    return true;
  }

  function answered(response) {
    var id = response.headers.get("X-Wall-Build");
    if (id && newBuild(id)) { return; }
    lastContact = Date.now();
    // The time on the wall's own clock (the demo's may run ahead), as the banner will say it.
    var clock = document.getElementById("wall-clock");
    lastShown = clock && /^\d\d:\d\d/.test(clock.textContent) ? clock.textContent.slice(0, 5) : null;
    misses = 0;
    if (lost) { show(false); }
  }

  function missed() {
    misses += 1;
    if (misses >= MISSES && !lost) { show(true); }
  }

  var realFetch = window.fetch;
  window.fetch = function (input) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var pending = realFetch.apply(this, arguments);
    if (url.indexOf("_dash-") === -1) { return pending; }
    return pending.then(function (response) {
      if (response.status >= 500 || response.status === 0) { missed(); } else { answered(response); }
      return response;
    }, function (error) {
      missed();
      throw error;
    });
  };

  window.setInterval(function () {
    if (!lost && Date.now() - lastContact > MISSES * tickMs() + SLACK_MS) { show(true); }
  }, 1000);
  window.wallConnection = function () { return {lost: lost, lastContact: lastContact, build: build}; };
})();
