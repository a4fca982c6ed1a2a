/* The wall's link to its server, watched in the browser: every Dash request (the tick, a touch)
   is an answer or not. No answer to three ticks in a row (refused, failed, or nothing for three
   tick intervals) marks the wall "connection lost": every panel says so with the time of the last
   contact, status dots turn grey and no status word claims the data is live. The next answer
   restores it. Each answer names the build that served it (X-Wall-Build): when that changes, a
   new server is running, and the wall reloads itself to take its new page.

   It also keeps the page's sync to one request at a time. Every answer is built against the
   tokens the page held when it asked; a second request sent before the first answer was in the
   page would be built against the same tokens, and whichever answer landed second was applied
   over a state it was not built for. So a tick, a touch or a switch while a request is out is
   owed, and asked for as soon as the answer is in the page (callbacks/sync.py); an answer given
   up on (none for as long as the connection is called lost) is dropped if it comes after all. */
(function () {
  "use strict";
  var MISSES = 3, SLACK_MS = 2000, RELOAD_GAP_MS = 60000;
  var lastContact = Date.now(), lastShown = null, misses = 0, lost = false, build = null, answers = 0;
  var timeFormat = new Intl.DateTimeFormat("en-GB", {timeZone: document.querySelector('meta[name="city-time-zone"]').content, hour: "2-digit", minute: "2-digit", hour12: false});

  function tickMs() {
    var page = document.querySelector("[data-tick]");  // the wall, or the phone view
    return (page && parseInt(page.getAttribute("data-tick"), 10)) || 5000;
  }

  function lostAfterMs() {
    return MISSES * tickMs() + SLACK_MS;
  }

  function show(isLost) {
    // The banners say the time of the last contact while the link is lost, and nothing once it
    // is back: a page that recovered holds what a fresh page holds.
    lost = isLost;
    document.documentElement.classList.toggle("connection-lost", isLost);
    var at = isLost ? lastShown || timeFormat.format(new Date(lastContact)) : "";
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
    answers += 1;
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

  // The sync in flight: since when (0: none), whether something asked meanwhile, how many asked,
  // how many were sent.
  var syncSince = 0, syncOwed = false, syncAsked = 0, syncSent = 0;

  function want() {
    // A tick, a touch, a switch or a move: ask now, or once the request out has landed. An answer
    // lost for as long as the connection is called lost no longer holds the page back. The ask is
    // set from outside any callback: Dash drops a callback that a chain it started leads back to
    // (an answer's remote command that moves the selection would be one), as it would a loop.
    if (syncSince && Date.now() - syncSince < lostAfterMs()) { syncOwed = true; return; }
    syncSince = Date.now();
    syncOwed = false;
    syncAsked += 1;
    var asked = syncAsked;
    window.setTimeout(function () { window.dash_clientside.set_props("ask", {n_intervals: asked}); }, 0);
  }

  function landed() {
    // The answer is in the page, or there was none to apply: what was owed is asked for now.
    syncSince = 0;
    if (syncOwed) { want(); }
  }

  window.wallSync = {
    want: want,
    landed: landed,
    state: function () { return {out: syncSince !== 0, owed: syncOwed, asked: syncAsked, sent: syncSent}; }
  };

  function isSync(init) {
    return !!init && typeof init.body === "string" && init.body.indexOf("held.data..") !== -1;
  }

  var realFetch = window.fetch;
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var pending = realFetch.apply(this, arguments);
    if (url.indexOf("_dash-") === -1) { return pending; }
    var sync = isSync(init), sent = sync ? ++syncSent : 0;
    return pending.then(function (response) {
      if (response.status >= 500 || response.status === 0) { missed(); } else { answered(response); }
      if (sync && sent !== syncSent) {
        // Given up on (a newer request went out, built on what the page held without it): applied
        // now it would undo what the newer answer builds on. Dash is told there is nothing new.
        return new Response(null, {status: 204, statusText: "No Content"});
      }
      // 204 (nothing new) or a refusal: nothing reaches the page, so no callback will say it landed.
      if (sync && response.status !== 200) { landed(); }
      return response;
    }, function (error) {
      missed();
      if (sync && sent === syncSent) { landed(); }
      throw error;
    });
  };

  window.setInterval(function () {
    if (!lost && Date.now() - lastContact > lostAfterMs()) { show(true); }
  }, 1000);
  window.wallConnection = function () {
    return {lost: lost, lastContact: lastContact, build: build, answers: answers};
  };
})();
