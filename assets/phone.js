/* The phone view's share link: the phone's own share sheet (Web Share) where the browser has one,
   else the address copied; where neither is allowed (a plain-http page is not a secure context),
   the address is shown selected, to copy by hand. Without JavaScript it is a plain link. */
(function () {
  "use strict";

  function say(link, text, address) {
    var note = link.parentNode && link.parentNode.querySelector(".share-note");
    if (!note) { return; }
    note.textContent = "";
    if (address) {
      var field = document.createElement("input");
      field.type = "text"; field.readOnly = true; field.value = address; field.className = "share-address";
      note.appendChild(field);
      field.focus(); field.select();
    }
    var words = document.createElement("span");
    words.textContent = text;
    note.appendChild(words);
  }

  function copied(link, address) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(address).then(function () { say(link, link.dataset.copied); });
    }
    return Promise.reject(new Error("no clipboard"));
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.share") : null;
    if (!link) { return; }
    event.preventDefault();
    var address = new URL(link.getAttribute("href"), window.location.href).href;
    var shared = navigator.share
      ? navigator.share({title: link.title || document.title, url: address})
      : Promise.reject(new Error("no share sheet"));
    shared.catch(function (error) {
      if (error && error.name === "AbortError") { return null; }  // the visitor closed the sheet
      return copied(link, address);
    }).catch(function () { say(link, link.dataset.failed, address); });
  });
})();
