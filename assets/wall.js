/* The wall in the browser: scale the canvas to the window, pick a single panel from the URL,
   tick the clock and every "as of 14:05 · 3 min ago" once a second (on the phone view too, which
   has no canvas). No data is fetched here. */
(function () {
  "use strict";
  var CANVAS_W = 5760, CANVAS_H = 2160, PANEL_W = 1920, PANEL_H = 1080;
  var SEOUL = document.querySelector('meta[name="city-time-zone"]').content;  // the page names the city's clock
  var timeFormat = new Intl.DateTimeFormat("en-GB", {timeZone: SEOUL, hour: "2-digit", minute: "2-digit", hour12: false});
  var clockFormat = new Intl.DateTimeFormat("en-GB", {timeZone: SEOUL, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false});
  var dateFormat = {
    ko: new Intl.DateTimeFormat("ko-KR", {timeZone: SEOUL, year: "numeric", month: "long", day: "numeric", weekday: "short"}),
    en: new Intl.DateTimeFormat("en-GB", {timeZone: SEOUL, weekday: "short", day: "numeric", month: "short", year: "numeric"})
  };

  function singlePanel() {
    var match = window.location.pathname.match(/\/panel\/([1-6])\/?$/);
    return match ? Number(match[1]) : null;
  }

  function fit() {
    var canvas = document.getElementById("wall-canvas");
    if (!canvas) { return; }
    var panel = singlePanel();
    var bezel = parseFloat(getComputedStyle(canvas).getPropertyValue("--bezel")) || 0;
    var width = panel ? PANEL_W : CANVAS_W + 2 * bezel, height = panel ? PANEL_H : CANVAS_H + bezel;
    canvas.classList.toggle("single", !!panel);
    for (var n = 1; n <= 6; n++) { canvas.classList.toggle("show-" + n, panel === n); }
    var scale = Math.min(window.innerWidth / width, window.innerHeight / height);
    var left = Math.max(0, (window.innerWidth - width * scale) / 2);
    var top = Math.max(0, (window.innerHeight - height * scale) / 2);
    canvas.style.transform = "translate(" + left + "px," + top + "px) scale(" + scale + ")";
  }

  /* The words this script writes, per language, as layouts/i18n.py has them (the page's head). */
  var WORDS = JSON.parse(document.querySelector('meta[name="wall-words"]').content);

  function say(key, lang, values) {
    var words = WORDS[lang] || WORDS.ko;
    return words[key].replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  function ago(seconds, lang) {
    var minutes = Math.floor(seconds / 60);
    if (minutes < 1) { return say("just_now", lang, {}); }
    if (minutes < 120) { return say("minutes_ago", lang, {minutes: minutes}); }
    return say("hours_ago", lang, {hours: Math.floor(minutes / 60), minutes: minutes % 60});
  }

  /* The source's clock now: the demo source may run faster than the wall clock. */
  function sourceNow(el, now) {
    var sourceAt = parseFloat(el.dataset.sourceNow), fetched = parseFloat(el.dataset.fetched);
    var speed = parseFloat(el.dataset.speed) || 1;
    if (isNaN(sourceAt) || isNaN(fetched)) { return null; }
    return sourceAt + (now - fetched) * speed;
  }

  function tick() {
    var now = Date.now() / 1000;
    var clockSource = null;
    var ages = document.querySelectorAll(".age[data-measured]");
    for (var i = 0; i < ages.length; i++) {
      var el = ages[i], measured = parseFloat(el.dataset.measured), lang = el.dataset.lang || "ko";
      var current = sourceNow(el, now);
      if (current === null || isNaN(measured)) { el.textContent = ""; continue; }
      if (clockSource === null) { clockSource = current; }
      var stamp = timeFormat.format(new Date(measured * 1000));
      var text = say("as_of", lang, {time: stamp}) + " · " + ago(Math.max(0, current - measured), lang);
      if (el.textContent !== text) { el.textContent = text; }
    }
    var page = document.getElementById("wall") || document.getElementById("phone") || document.documentElement;
    var wallLang = page.getAttribute("lang") || "ko";
    var past = document.querySelector("#wall.past [data-when]");
    if (past) { clockSource = parseFloat(past.dataset.when); }
    var shown = new Date((clockSource === null ? now : clockSource) * 1000);
    var clock = document.getElementById("wall-clock");
    if (clock) { clock.textContent = clockFormat.format(shown); }
    var date = document.getElementById("wall-date");
    if (date) { date.textContent = (dateFormat[wallLang] || dateFormat.ko).format(shown); }
  }

  /* Hide the cursor when nobody has moved it for a few seconds; remember the last touch for the
     attract loop, and hand control back at once when someone touches the wall. */
  var idleTimer = null, lastTouch = Date.now();
  window.wallIdleSeconds = function () { return (Date.now() - lastTouch) / 1000; };
  function touched() {
    lastTouch = Date.now();
    var hint = document.getElementById("attract-hint");
    if (hint) { hint.classList.remove("visible"); }
  }
  ["pointerdown", "touchstart", "keydown", "wheel"].forEach(function (name) {
    window.addEventListener(name, touched, {passive: true, capture: true});
  });
  function awake() {
    document.body.classList.remove("idle");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { document.body.classList.add("idle"); }, 4000);
  }

  window.addEventListener("resize", fit);
  ["mousemove", "touchstart", "pointerdown"].forEach(function (name) { window.addEventListener(name, awake, {passive: true}); });
  var ready = setInterval(function () {
    if (document.getElementById("wall-canvas") || document.getElementById("phone")) { clearInterval(ready); fit(); awake(); }
  }, 50);
  setInterval(function () { fit(); tick(); }, 1000);
})();
