// faceright's one script: optional (every page works without it). The questionnaire's pages are
// answers to POSTs; a browser asks "Confirm form resubmission" to reload one, and its Back can
// need the cached copy. So each such page hands its own form data (the #again form) to its
// history entry and turns the entry into a plain GET of /interview: a reload or a Back to it
// loads /interview, whose copy of this script posts the data again, replacing the entry. The
// answers stay in this tab's history; they never go into a URL.
(function () {
  "use strict";
  var again = document.getElementById("again");
  if (again) {
    var data = {};
    new FormData(again).forEach(function (value, key) { data[key] = value; });
    history.replaceState({faceright: data}, "", again.getAttribute("action"));
    return;
  }
  var state = history.state && history.state.faceright;
  if (!state || location.pathname !== "/interview") { return; }
  var form = document.createElement("form");
  form.method = "post";
  form.action = "/interview";
  form.hidden = true;
  Object.keys(state).forEach(function (key) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = key;
    input.value = state[key];
    form.appendChild(input);
  });
  document.body.appendChild(form);
  form.submit();  // while the page is loading: it replaces this history entry
}());
