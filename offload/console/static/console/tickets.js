// Keyboard use of the staff ticket pages: the queue (j/k, Enter/o, x, /), a ticket (r, n, u,
// Ctrl+Enter, canned replies) and the call log (pick a caller). A static file: our CSP allows
// no inline script. No business rules here: the server decides what each action may do.
(function () {
  "use strict";

  function typing(event) {
    var el = event.target;
    return el instanceof HTMLElement && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function showShortcuts() {
    var el = document.getElementById("shortcuts");
    if (el && window.bootstrap) window.bootstrap.Modal.getOrCreateInstance(el).show();
  }

  // --- The queue ------------------------------------------------------------------------------
  function initQueue(root) {
    var current = -1;
    function rows() { return Array.prototype.slice.call(root.querySelectorAll("tr[data-row]")); }
    function move(to) {
      var all = rows();
      if (!all.length) return;
      current = Math.max(0, Math.min(all.length - 1, to));
      all.forEach(function (row, i) { row.classList.toggle("ofl-current", i === current); });
      all[current].scrollIntoView({ block: "nearest" });
    }
    function open(row) { if (row) window.location.assign(row.getAttribute("data-href")); }
    function updateBulk() {
      var chosen = root.querySelectorAll("input[data-select]:checked");
      rows().forEach(function (row) {
        var box = row.querySelector("input[data-select]");
        row.classList.toggle("ofl-selected", !!(box && box.checked));
      });
      var bar = document.getElementById("bulk-bar");
      if (!bar) return;
      bar.classList.toggle("d-none", chosen.length === 0);
      document.getElementById("bulk-count").textContent = String(chosen.length);
    }
    root.addEventListener("change", function (event) {
      if (event.target.matches && event.target.matches("input[data-select]")) updateBulk();
    });
    root.addEventListener("click", function (event) {
      var t = event.target;
      if (t.closest("[data-bulk-clear]")) {
        root.querySelectorAll("input[data-select]:checked").forEach(function (b) { b.checked = false; });
        updateBulk();
        return;
      }
      if (t.closest("[data-shortcuts-open]")) { showShortcuts(); return; }
      var row = t.closest("tr[data-row]");
      if (row && !t.closest("a, input, label, button, select")) open(row);
    });
    document.body.addEventListener("htmx:afterSwap", function () { current = -1; updateBulk(); });
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (typing(event)) {
        if (event.key === "Escape") event.target.blur();
        if (event.key === "ArrowDown" && event.target.id === "queue-search") { event.target.blur(); move(0); event.preventDefault(); }
        return;
      }
      var all = rows();
      switch (event.key) {
        case "j": case "ArrowDown": move(current + 1); break;
        case "k": case "ArrowUp": move(current - 1); break;
        case "Enter": case "o": if (current >= 0) open(all[current]); else return; break;
        case "x": {
          if (current < 0) move(0);
          var box = all[current] && all[current].querySelector("input[data-select]");
          if (box) { box.checked = !box.checked; updateBulk(); }
          break;
        }
        case "/": document.getElementById("queue-search").focus(); break;
        case "c": window.location.assign(document.getElementById("log-call").href); break;
        case "?": showShortcuts(); break;
        default: return;
      }
      event.preventDefault();
    });
  }

  // --- One ticket -----------------------------------------------------------------------------
  function initTicket(root) {
    var composer = root.querySelector("[data-composer]");
    function write(kind) {
      if (!composer) return;
      var radio = composer.querySelector('input[name="kind"][value="' + kind + '"]');
      if (radio) radio.checked = true;
      var body = composer.querySelector("textarea");
      body.focus();
      composer.scrollIntoView({ block: "center" });
    }
    var canned = root.querySelector("[data-canned]");
    if (canned) {
      canned.addEventListener("change", function () {
        var tpl = root.querySelector('template[data-canned-text="' + canned.value + '"]');
        var body = composer.querySelector("textarea");
        if (tpl) {
          body.value = (body.value ? body.value.replace(/\s+$/, "") + "\n\n" : "") + tpl.content.textContent;
          body.focus();
        }
        canned.value = "";
      });
    }
    if (composer) {
      composer.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); composer.requestSubmit(); }
      });
    }
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (typing(event)) { if (event.key === "Escape") event.target.blur(); return; }
      switch (event.key) {
        case "r": write("reply"); break;
        case "n": write("note"); break;
        case "u": window.location.assign(root.getAttribute("data-queue-url")); break;
        case "?": showShortcuts(); break;
        default: return;
      }
      event.preventDefault();
    });
  }

  // --- Log a call -----------------------------------------------------------------------------
  function initCall(root) {
    var form = root.querySelector("form");
    var contact = form.querySelector('input[name="contact"]');
    var phone = form.querySelector('input[name="phone"]');
    function choose(card) {
      root.querySelectorAll("[data-caller]").forEach(function (c) {
        var on = c === card;
        c.classList.toggle("ofl-caller-chosen", on);
        c.setAttribute("aria-selected", on ? "true" : "false");
      });
      contact.value = card.getAttribute("data-caller");
      var name = card.querySelector("strong").textContent;
      var target = document.getElementById("call-target");
      target.textContent = "Caller: " + name + " — choose an open ticket or write a subject for a new one.";
      // A ticket of another caller cannot stay chosen.
      form.querySelectorAll("input[data-caller-ticket]").forEach(function (r) {
        if (r.getAttribute("data-caller-ticket") !== contact.value) r.checked = false;
      });
    }
    root.addEventListener("click", function (event) {
      var card = event.target.closest("[data-caller]");
      if (card) choose(card);
    });
    root.addEventListener("keydown", function (event) {
      var cards = Array.prototype.slice.call(root.querySelectorAll("[data-caller]"));
      var at = cards.indexOf(document.activeElement);
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); return; }
      if (event.key === "ArrowDown" && (event.target === phone || at >= 0) && cards.length) {
        event.preventDefault(); cards[Math.min(cards.length - 1, at + 1)].focus();
      } else if (event.key === "ArrowUp" && at >= 0) {
        event.preventDefault(); if (at === 0) phone.focus(); else cards[at - 1].focus();
      } else if (event.key === "Enter" && at >= 0) {
        event.preventDefault(); choose(cards[at]);
        var subject = form.querySelector('input[name="subject"]');
        if (subject) subject.focus();
      } else if (event.key === "Enter" && event.target === phone) {
        event.preventDefault();
        if (cards.length === 1) { choose(cards[0]); form.querySelector('input[name="subject"]').focus(); }
      }
    });
    document.body.addEventListener("htmx:afterSwap", function () {
      var cards = root.querySelectorAll("[data-caller]");
      if (cards.length === 1) choose(cards[0]);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var q = document.querySelector("[data-queue]");
    if (q) initQueue(q);
    var t = document.querySelector("[data-ticket]");
    if (t) initTicket(t);
    var c = document.querySelector("[data-call]");
    if (c) initCall(c);
    // Keys work from here on (tests and impatient people wait for this).
    document.body.setAttribute("data-keys-ready", "");
  });
})();
