/* The ballot's progressive enhancement (templates/voting/_ballot_form.html): filters by keyword, territory
   and category, and a live count of the choices next to the submit button. Without this script the ballot
   works the same; filtering only hides items, it never unticks a choice (a hidden choice stays counted). */
(function () {
  "use strict";
  var form = document.querySelector("form.ballot-form");
  if (!form) { return; }
  var min = parseInt(form.getAttribute("data-min"), 10);
  var max = parseInt(form.getAttribute("data-max"), 10);
  var items = Array.prototype.slice.call(form.querySelectorAll(".ballot-item"));
  var count = form.querySelector("[data-ballot-count]");
  var titles = form.querySelector("[data-ballot-titles]");
  var staticHint = form.querySelector("[data-ballot-static]");
  var panel = document.querySelector(".ballot-filters");
  var status = document.querySelector("[data-filter-status]");
  var empty = form.querySelector("[data-filter-empty]");

  // Lower case, accents removed: "eglise" finds "Église".
  function folded(text) {
    return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function checkedItems() {
    return items.filter(function (item) { return item.querySelector("input[type=checkbox]").checked; });
  }

  function updateCount() {
    if (!count) { return; }
    var chosen = checkedItems();
    var n = chosen.length;
    var text = min === max ? "Mes choix : " + n + " sur " + max : "Mes choix : " + n + " (de " + min + " à " + max + ")";
    if (n > max) {
      text += " — retirez-en " + (n - max);
    } else if (n < min) {
      text += " — encore " + (min - n) + " à choisir";
    } else {
      text += " — vous pouvez valider";
    }
    count.textContent = text;
    titles.textContent = chosen.map(function (item) { return item.querySelector("label").textContent; }).join(" · ");
    titles.hidden = n === 0;
    form.classList.toggle("ballot-complete", n >= min && n <= max);
  }

  function applyFilters() {
    var text = folded(panel.querySelector("[data-filter=text]").value.trim());
    var territory = panel.querySelector("[data-filter=territory]").value;
    var category = panel.querySelector("[data-filter=category]").value;
    var shown = 0;
    items.forEach(function (item) {
      var match = (!territory || item.getAttribute("data-territory") === territory) &&
        (!category || item.getAttribute("data-category") === category) &&
        (!text || folded(item.textContent).indexOf(text) !== -1);
      // Hidden, never unticked: the choice stays in the form and in the count.
      item.hidden = !match;
      if (match) { shown += 1; }
    });
    var filtered = text || territory || category;
    status.textContent = filtered ? shown + " initiative" + (shown > 1 ? "s" : "") + " affichée" + (shown > 1 ? "s" : "") +
      " sur " + items.length + ". Vos choix masqués restent cochés." : "";
    empty.hidden = shown !== 0;
  }

  if (count) {
    count.hidden = false;
    if (staticHint) { staticHint.hidden = true; }
    form.addEventListener("change", function (event) {
      if (event.target.name === "choix") { updateCount(); }
    });
    updateCount();
  }
  if (panel) {
    panel.hidden = false;
    panel.addEventListener("input", applyFilters);
    panel.addEventListener("change", applyFilters);
    // Enter in the keyword box filters; it must not send the ballot.
    panel.querySelector("[data-filter=text]").addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
  }
}());
